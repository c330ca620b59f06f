"""Who is told about an item, and who may act on it: the one answer the engine, delivery, the task pages and the
command line all ask. docs/messages.md has it as a table; a change here is a change there.

An item is a stage, or one task of a fanned-out stage. Its parties are symbolic: a role at the item's agency, a
named person, or the business unit. The shell resolves them to addresses from the directory when a message is
sent (notify/recipients.py), so a new holder of a role gets what is sent after the change; and it says what a
person holds (`Actor`, built from the directory by operations/people.py) when they act. Nothing here reads the
directory or any fact but the agency facts that say whose role is meant.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from workflows.engine.definition import Definition
from workflows.engine.state import CaseState, ExtensionRequest, Slot
from workflows.engine.vocabulary import Action, MessageKind

# -- parties -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Party:
    """The holders of a role (at `agency`, for a role held per agency), one named person, or, with neither, the
    partnership's business unit (its mailbox)."""

    role: str | None = None
    agency: str | None = None
    person: str | None = None

    def __str__(self) -> str:
        if self.person:
            return self.person
        if self.role:
            return self.role + (f" at {self.agency}" if self.agency else "")
        return "the business unit"

    def as_json(self) -> dict[str, str]:
        given = (("role", self.role), ("agency", self.agency), ("person", self.person))
        return {name: value for name, value in given if value}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Party:
        return cls(data.get("role"), data.get("agency"), data.get("person"))


BUSINESS_UNIT = Party()


@dataclass(frozen=True, slots=True)
class Audience:
    """Who one message goes to: `to` (each role's deputies copied), `cc`, and people it must never reach."""

    to: tuple[Party, ...]
    cc: tuple[Party, ...] = ()
    never: tuple[str, ...] = ()

    def as_json(self) -> dict[str, Any]:
        return {
            "to": [party.as_json() for party in self.to],
            "cc": [party.as_json() for party in self.cc],
            "never": list(self.never),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Audience:
        return cls(
            tuple(Party.from_json(party) for party in data.get("to", ())),
            tuple(Party.from_json(party) for party in data.get("cc", ())),
            tuple(data.get("never", ())),
        )

    def replacing(self, replaced: Iterable[Party], by: tuple[Party, ...]) -> Audience:
        """The same audience with `replaced` parties swapped for `by` (a reassignment reaching queued messages)."""
        gone = set(replaced)

        def swap(parties: tuple[Party, ...]) -> tuple[Party, ...]:
            if not gone.intersection(parties):
                return parties
            kept = [party for party in parties if party not in gone]
            return tuple(dict.fromkeys([*kept, *by]))

        return Audience(swap(self.to), swap(self.cc), self.never)


@dataclass(frozen=True, slots=True)
class Addressed:
    """One message of a notice: its audience, the role it speaks to and the owner's (for its text and listings),
    and what its key adds to tell it from the notice's other messages."""

    audience: Audience
    role: str | None
    copy_role: str | None = None
    key_suffix: str = ""


# -- the parties of an item ----------------------------------------------------------------------------------------


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


# -- who is told ---------------------------------------------------------------------------------------------------

# Messages about an item's deadline: the holders of the task are told, and everyone the stage involves besides.
OWNER_NOTICES = frozenset(
    {
        MessageKind.TASK_ASSIGNED,
        MessageKind.DECISION_NEEDED,
        MessageKind.AUDIT_ROUND_OPENED,
        MessageKind.REMINDER,
        MessageKind.DUE_TODAY,
        MessageKind.OVERDUE,
        MessageKind.DEADLINE_MOVED,
        MessageKind.EXTENSION_APPROVED,
    }
)


def told(
    definition: Definition,
    state: CaseState,
    kind: MessageKind,
    slot: Slot | None,
    *,
    level: int = 0,
    request: ExtensionRequest | None = None,
) -> list[Addressed]:
    """The messages of one notice of `kind` about `slot` (None: about the case), each with its audience.

    `level` is the escalation step; `request` the extension request a request's messages are about.
    """
    if slot is None:
        if kind is MessageKind.CASE_CLOSED:
            return [Addressed(Audience((BUSINESS_UNIT,)), None)]
        raise ValueError(f"a {kind} message is about an item")
    owner = definition.process.stages[slot.stage].owner
    holders = task_holders(definition, state, slot)
    if kind in OWNER_NOTICES:
        asked = (Party(person=request.requested_by),) if request is not None else ()
        first = Addressed(Audience(holders, asked), owner)
        return [first, *_involved_copies(definition, state, slot)]
    if kind is MessageKind.ESCALATION:
        step = ladder_step(definition, state, slot, level)
        audience = Audience((step,), (*holders, *involved(definition, state, slot)))
        return [Addressed(audience, step.role, copy_role=owner)]
    if kind is MessageKind.EXTENSION_REQUESTED:
        assert request is not None
        never = () if definition.process.extension_self_approval else (request.requested_by,)
        return [Addressed(Audience(approvers(definition), never=never), definition.process.extension_approver)]
    if kind is MessageKind.EXTENSION_REFUSED:
        assert request is not None
        return [Addressed(Audience((Party(person=request.requested_by),), holders), None, copy_role=owner)]
    raise ValueError(f"no rule says who is told of {kind}")


def _involved_copies(definition: Definition, state: CaseState, slot: Slot) -> list[Addressed]:
    """Each involved party's own message (as its role, at its agency), keyed apart from the owner's."""
    stage = definition.process.stages[slot.stage]
    return [
        Addressed(Audience((party,)), party.role, key_suffix=f"/with-{declared.role}" + _at(declared.agency))
        for declared, party in zip(stage.involves, involved(definition, state, slot), strict=True)
    ]


def _at(agency_fact: str | None) -> str:
    return f"-of-{agency_fact}" if agency_fact else ""


def told_of_reassignment(definition: Definition, slot: Slot, person: str) -> Addressed:
    """A reassigned task's new holder, told it is theirs (the holders it replaced are told nothing more)."""
    return Addressed(Audience((Party(person=person),)), definition.process.stages[slot.stage].owner)


def digest_audience(role: str) -> Audience:
    """The daily digest: each digest role's holders (deputies copied)."""
    return Audience((Party(role),))


# -- who may act ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Actor:
    """A person acting, with what the directory says they hold: (role, agency) pairs, the agency None for a role
    held partnership-wide; `business_unit` when they hold a business unit role or are its mailbox."""

    email: str
    holds: frozenset[tuple[str, str | None]] = frozenset()
    business_unit: bool = False

    def is_one_of(self, parties: Iterable[Party]) -> bool:
        return any(self.is_(party) for party in parties)

    def is_(self, party: Party) -> bool:
        if party.person:
            return party.person.lower() == self.email.lower()
        if party.role is None:
            return self.business_unit
        return (party.role, party.agency) in self.holds or (party.role, None) in self.holds


@dataclass(frozen=True, slots=True)
class Verdict:
    """Whether an actor may do something; why not, in words for them; whose part the business unit played."""

    allowed: bool
    reason: str = ""
    on_behalf_of: str | None = None


def permitted(
    definition: Definition,
    state: CaseState,
    action: Action,
    slot: Slot,
    actor: Actor | None,
    *,
    request: ExtensionRequest | None = None,
) -> Verdict:
    """May `actor` do `action` about `slot` (or answer `request`)? None is the business unit at the command line,
    which names nobody: it may do anything a business unit may, and answers no request."""
    if action is Action.ANSWER_REQUEST:
        assert request is not None
        return _may_answer(definition, actor, request)
    entitled = _entitled(definition, state, action, slot)
    if actor is None:
        return Verdict(True)
    if actor.is_one_of(entitled):
        return Verdict(True)
    if actor.business_unit:
        return Verdict(True, on_behalf_of=_names(task_holders(definition, state, slot)))
    if not entitled and action is Action.ACKNOWLEDGE:
        return Verdict(False, f"{actor.email} may not acknowledge an escalation of {slot}: it has not been escalated")
    return Verdict(False, f"{actor.email} may not {_VERBS[action]} {slot}: that is for {_names(entitled)}")


def may_open(definition: Definition, state: CaseState, slot: Slot, actor: Actor) -> Verdict:
    """May `actor` see the item's page (and be given a link to it): when they may do anything on it."""
    for action in (Action.FINISH, Action.ASK_FOR_TIME, Action.ACKNOWLEDGE):
        verdict = permitted(definition, state, action, slot, actor)
        if verdict.allowed:
            return verdict
    entitled = _entitled(definition, state, Action.FINISH, slot)
    return Verdict(False, f"{actor.email} has no part in {slot}: it is for {_names(entitled)}")


def may_ask_for_time(definition: Definition, state: CaseState, slot: Slot, actor: Actor | None) -> Verdict:
    """Asking for more time, where the process allows extensions at all."""
    if definition.process.extension_approver is None:
        return _no_extensions(definition)
    stage = state.stages[slot.stage]
    if slot.task is None and stage.tasks and actor is not None and not actor.business_unit:
        return Verdict(False, f"{slot.stage} has one task per agency: ask for more time on your agency's task")
    return permitted(definition, state, Action.ASK_FOR_TIME, slot, actor)


_VERBS = {
    Action.FINISH: "record the outcome of",
    Action.ASK_FOR_TIME: "ask for more time on",
    Action.ACKNOWLEDGE: "acknowledge the escalation of",
}


def _entitled(definition: Definition, state: CaseState, action: Action, slot: Slot) -> tuple[Party, ...]:
    holders = task_holders(definition, state, slot)
    if action is Action.FINISH:
        return (*holders, *involved(definition, state, slot), *ladder_reached(definition, state, slot))
    if action is Action.ASK_FOR_TIME:
        if slot.task is None and state.stages[slot.stage].tasks:
            return ()  # a whole fanned-out stage is no one agency's: the business unit asks
        return holders
    if action is Action.ACKNOWLEDGE:
        return ladder_reached(definition, state, slot)
    raise ValueError(f"no rule says who may {action}")


def may_grant(definition: Definition, actor: Actor | None) -> Verdict:
    """May `actor` give an extension (directly, or by approving a request): holders of the approver role only."""
    approver = definition.process.extension_approver
    if approver is None:
        return _no_extensions(definition)
    if actor is None:
        return Verdict(False, "an extension names the approver who gives it")
    if not actor.is_one_of(approvers(definition)):
        return Verdict(False, f"{actor.email} does not hold {approver!r}, the role that approves extensions")
    return Verdict(True)


def _may_answer(definition: Definition, actor: Actor | None, request: ExtensionRequest) -> Verdict:
    verdict = may_grant(definition, actor)
    if not verdict.allowed or actor is None:
        return verdict
    approver = definition.process.extension_approver
    if actor.email.lower() == request.requested_by.lower() and not definition.process.extension_self_approval:
        return Verdict(
            False, f"{actor.email} asked for this extension, so another holder of {approver!r} must answer it"
        )
    return Verdict(True)


def _no_extensions(definition: Definition) -> Verdict:
    return Verdict(False, f"{definition.process.id} names no extension_approver, so its deadlines cannot be extended")


def _names(parties: tuple[Party, ...]) -> str:
    return ", ".join(str(party) for party in dict.fromkeys(parties)) or "the business unit"
