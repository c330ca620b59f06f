"""Who may do each action about an item: docs/messages.md's second table."""

from __future__ import annotations

from workflows.engine.definition import Definition
from workflows.engine.parties.of_item import approvers, involved, ladder_reached, task_holders
from workflows.engine.parties.people import Actor, Party, Verdict
from workflows.engine.state import CaseState, ExtensionRequest, Slot
from workflows.engine.vocabulary import Action


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
