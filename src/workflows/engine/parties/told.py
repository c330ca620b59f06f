"""Who is told of each kind of message about an item: docs/messages.md's first table."""

from __future__ import annotations

from workflows.engine.definition import Definition
from workflows.engine.parties.of_item import approvers, involved, ladder_step, task_holders
from workflows.engine.parties.people import BUSINESS_UNIT, Addressed, Audience, Party
from workflows.engine.state import CaseState, ExtensionRequest, Slot
from workflows.engine.vocabulary import MessageKind

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
