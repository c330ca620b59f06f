"""The parties of an item (a stage, or one task of a fanned-out stage): who holds it, who else it involves, the
roles its escalation ladder names, who approves more time."""

from __future__ import annotations

from workflows.engine.definition import Definition
from workflows.engine.parties.people import Party
from workflows.engine.state import CaseState, Slot


def item_agency(definition: Definition, state: CaseState, slot: Slot) -> str | None:
    """Whose agency an item is: its task's, for a fanned-out stage; the stage's agency fact's otherwise."""
    if definition.process.stages[slot.stage].for_each:
        return slot.task
    return state.stages[slot.stage].agency


def task_holders(definition: Definition, state: CaseState, slot: Slot) -> tuple[Party, ...]:
    """Who holds the task: the owner role at the item's agency, or the one person a reassignment put in its place."""
    item = state.item(slot)
    if item.assignee:
        return (Party(person=item.assignee),)
    owner = definition.process.stages[slot.stage].owner
    return (Party(owner, definition.where(owner, item_agency(definition, state, slot))),)


def involved(definition: Definition, state: CaseState, slot: Slot) -> tuple[Party, ...]:
    """The others the stage involves, each at the agency its fact names."""
    return tuple(
        Party(party.role, state.facts.get(party.agency) if party.agency else None)
        for party in definition.process.stages[slot.stage].involves
    )


def ladder_step(definition: Definition, state: CaseState, slot: Slot, level: int) -> Party:
    """Escalation step `level` (from 1): its role, at the item's agency when that role is held per agency."""
    role = definition.process.stages[slot.stage].escalation[level - 1].notify
    return Party(role, definition.where(role, item_agency(definition, state, slot)))


def ladder_reached(definition: Definition, state: CaseState, slot: Slot) -> tuple[Party, ...]:
    level = state.item(slot).escalation_level
    return tuple(ladder_step(definition, state, slot, step) for step in range(1, level + 1))


def approvers(definition: Definition) -> tuple[Party, ...]:
    approver = definition.process.extension_approver
    return (Party(approver),) if approver else ()
