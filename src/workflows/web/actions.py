"""What a link lets its holder do, each through the engine in one transaction, each link once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection

from workflows import clock
from workflows.calendar.london import long_date
from workflows.engine import commands as cmd
from workflows.engine.definition import Definition
from workflows.engine.parties import Actor, may_ask_for_time, may_grant, may_open, permitted
from workflows.engine.state import CaseState, ExtensionRequest, ItemState, ItemStatus, Slot
from workflows.engine.vocabulary import Action
from workflows.links.tokens import LinkClaims, LinkError
from workflows.operations import extensions
from workflows.operations.cases import run_on
from workflows.operations.errors import CaseNotFound
from workflows.operations.people import actor_for
from workflows.operations.runtime import Runtime
from workflows.operations.transactions import in_transaction
from workflows.store.cases import load_case
from workflows.store.link_uses import record_link_use


@dataclass(frozen=True, slots=True)
class TaskView:
    """What the task page shows: no fact of the case, ever; and only the actions its person may take."""

    reference: str
    process: str
    stage: str
    asks: str | None
    agency: str | None
    due: str
    status: str
    overdue: bool
    options: list[tuple[str, str]]
    escalation_level: int
    can_finish: bool
    can_ask_for_time: bool
    can_acknowledge: bool
    can_answer: bool
    request: dict[str, str] | None  # for an approver: the extension asked for


def _load(connection: Connection, runtime: Runtime, claims: LinkClaims, *, for_update: bool = False):
    stored = load_case(connection, claims.reference, for_update=for_update)
    if stored is None:
        raise CaseNotFound(claims.reference)
    definition = runtime.pinned(connection, stored.state.definition_hash)
    stage = definition.process.stages.get(claims.stage)
    if stage is None or claims.stage not in stored.state.stages:
        raise LinkError(404, "This task no longer exists", "Ask the partnership business unit.")
    _item(stored.state, claims)
    return stored, definition, stage


def _item(state: CaseState, claims: LinkClaims) -> ItemState:
    stage = state.stages[claims.stage]
    if claims.task is None:
        return stage
    task = stage.tasks.get(claims.task)
    if task is None:
        raise LinkError(404, "This task no longer exists", "Ask the partnership business unit.")
    return task


def _request(state: CaseState, claims: LinkClaims) -> ExtensionRequest:
    """The extension request an approver's link decides."""
    request = state.extension_request(claims.request) if claims.request is not None else None
    if request is None:
        raise LinkError(404, "This request no longer exists", "Ask the partnership business unit.")
    return request


_NOT_YOURS = (
    "This link is not yours to use",
    "It was issued to someone who no longer holds this task. Ask the business unit.",
)


def _check_person(runtime: Runtime, definition: Definition, state: CaseState, claims: LinkClaims) -> Actor:
    """The link's person must still be someone engine/parties/ lets see this task (or answer this request), for
    the page and for every action: once a task is reassigned, the holders it replaced get 403."""
    actor = actor_for(runtime.config, claims.email)
    slot = Slot(claims.stage, claims.task)
    answering = claims.purpose == "extension"
    verdict = may_grant(definition, actor) if answering else may_open(definition, state, slot, actor)
    if not verdict.allowed:
        raise LinkError(403, *_NOT_YOURS)
    return actor


def describe(runtime: Runtime, claims: LinkClaims) -> TaskView:
    now = clock.now()
    with runtime.db.connect() as connection:
        stored, definition, stage_def = _load(connection, runtime, claims)
    process, state = definition.process, stored.state
    actor = _check_person(runtime, definition, state, claims)
    slot = Slot(claims.stage, claims.task)
    item = _item(state, claims)
    request = None
    can_answer = False
    if claims.purpose == "extension":
        asked = _request(state, claims)
        request = {"amount": asked.amount, "reason": asked.reason, "by": asked.requested_by, "status": asked.status}
        can_answer = permitted(definition, state, Action.ANSWER_REQUEST, slot, actor, request=asked).allowed
    agency = runtime.config.directory.agencies.get(claims.task or state.stages[claims.stage].agency or "")
    task_page = claims.purpose != "extension"
    return TaskView(
        reference=claims.reference,
        process=process.title,
        stage=stage_def.title,
        asks=stage_def.asks,
        agency=agency.name if agency else None,
        due=long_date(item.due_at, with_time=stage_def.due.is_elapsed_time) if item.due_at else "not set",
        status=item.status.value,
        overdue=item.status is ItemStatus.OPEN and item.due_at is not None and item.due_at < now,
        options=[
            (key, option.label) for key, option in (stage_def.decision.options.items() if stage_def.decision else [])
        ],
        escalation_level=item.escalation_level,
        can_finish=task_page and permitted(definition, state, Action.FINISH, slot, actor).allowed,
        can_ask_for_time=task_page and may_ask_for_time(definition, state, slot, actor).allowed,
        can_acknowledge=task_page
        and item.escalation_level > 0
        and permitted(definition, state, Action.ACKNOWLEDGE, slot, actor).allowed,
        can_answer=can_answer,
        request=request,
    )


# What each button on the page is, as the kind of action a link is used once for.
ACTION_KINDS = {
    "done": Action.FINISH,
    "decide": Action.FINISH,
    "request-extension": Action.ASK_FOR_TIME,
    "approve": Action.ANSWER_REQUEST,
    "refuse": Action.ANSWER_REQUEST,
    "acknowledge": Action.ACKNOWLEDGE,
}


def _check_action(definition: Definition, state: CaseState, claims: LinkClaims, actor: Actor, action: str) -> None:
    """The button pressed must be one engine/parties/ lets this person press (403, nothing recorded); whether
    the case can take it now (done already, paused) is the engine's to say."""
    kind = ACTION_KINDS.get(action)
    slot = Slot(claims.stage, claims.task)
    if kind is None or (claims.purpose == "extension") != (kind is Action.ANSWER_REQUEST):
        raise LinkError(400, "Unknown action", "Use the buttons on the page.")
    if kind is Action.ANSWER_REQUEST:
        verdict = permitted(definition, state, kind, slot, actor, request=_request(state, claims))
    elif kind is Action.ASK_FOR_TIME:
        verdict = may_ask_for_time(definition, state, slot, actor)
    else:
        verdict = permitted(definition, state, kind, slot, actor)
    if not verdict.allowed:
        raise LinkError(403, "You cannot do this here", verdict.reason[:1].upper() + verdict.reason[1:] + ".")


def _use_once(connection: Connection, claims: LinkClaims, action: str, now: datetime) -> None:
    """A link does each kind of action once: asking for more time, then marking the task done, is two uses."""
    kind = ACTION_KINDS.get(action)
    if kind is None:
        raise LinkError(400, "Unknown action", "Use the buttons on the task page.")
    if not record_link_use(connection, claims.token_id, kind, action, now):
        raise LinkError(
            409,
            "This link has been used already",
            "Each link records each kind of action once. The case shows what was done.",
        )


@dataclass(frozen=True, slots=True)
class _Form:
    """What the task page's form sent."""

    note: str | None = None
    option: str | None = None
    amount: str | None = None
    reason: str | None = None


def _command_for(
    runtime: Runtime, claims: LinkClaims, state: CaseState, stage_def, action: str, form: _Form
) -> tuple[cmd.Command, str]:
    """The engine command a button stands for, and the sentence that confirms it once done."""
    if claims.purpose == "extension":
        asked = _request(state, claims)
        if action == "approve":
            approval = extensions.approve_command(asked.number, claims.email)
            return approval, f"The extension of {asked.amount} is approved."
        if action == "refuse":
            refusal = extensions.refuse_command(asked.number, claims.email)
            return refusal, "The extension is refused; the deadline stays as it was. The person who asked is told."
        raise LinkError(400, "Unknown action", "Use the buttons on the page.")
    if action == "request-extension":
        asking = extensions.request_command(
            claims.stage, form.amount or "", form.reason or "", claims.email, claims.task
        )
        return asking, f"Your request for {asking.amount} more is sent to the approver."
    if action == "done":
        return cmd.Complete(
            claims.stage, claims.task, claims.email, form.note
        ), f"{stage_def.title} is recorded as done."
    if action == "decide":
        chosen = stage_def.decision.options.get(form.option or "") if stage_def.decision else None
        decision = cmd.Decide(claims.stage, form.option or "", claims.email, form.note)
        return decision, f"Your decision is recorded: {chosen.label if chosen else form.option}."
    if action == "acknowledge":
        return cmd.Acknowledge(claims.stage, claims.task, claims.email), "The escalation is acknowledged."
    raise LinkError(400, "Unknown action", "Use the buttons on the task page.")


def act(
    runtime: Runtime,
    claims: LinkClaims,
    action: str,
    *,
    note: str | None = None,
    option: str | None = None,
    amount: str | None = None,
    reason: str | None = None,
) -> str:
    """Do `action` for the link's person through the engine, in one transaction; return a confirmation sentence.

    Raises LinkError (the link itself cannot be used) or one of the core's refusals (CaseNotFound,
    CommandRefused, InvalidInput), which the app answers with 404, 409 and 422. A refusal rolls back the
    link's use with everything else: the link still works.
    """
    now = clock.now()
    form = _Form(note, option, amount, reason)

    def work(connection: Connection) -> str:
        stored, definition, stage_def = _load(connection, runtime, claims, for_update=True)
        actor = _check_person(runtime, definition, stored.state, claims)
        _check_action(definition, stored.state, claims, actor, action)
        command, confirmation = _command_for(runtime, claims, stored.state, stage_def, action, form)
        _use_once(connection, claims, action, now)
        run_on(connection, runtime, stored, command, now)
        return confirmation

    return in_transaction(runtime.db, work)
