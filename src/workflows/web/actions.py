"""What a link lets its holder do, each through the engine in one transaction, each link once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection

from workflows import clock
from workflows.calendar.london import long_date
from workflows.engine import commands as cmd
from workflows.engine.state import CaseState, ExtensionRequest, ItemStatus
from workflows.links.tokens import LinkClaims, LinkError
from workflows.operations import extensions
from workflows.operations.cases import run_on
from workflows.operations.errors import CaseNotFound
from workflows.operations.runtime import Runtime
from workflows.operations.transactions import in_transaction
from workflows.store.cases import load_case
from workflows.store.link_uses import record_link_use


@dataclass(frozen=True, slots=True)
class TaskView:
    """What the task page shows: no fact of the case, ever."""

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
    can_extend: bool
    request: dict[str, str] | None  # for an approver: the extension asked for


def _people(runtime: Runtime, role: str, agency: str | None) -> set[str]:
    directory = runtime.config.directory
    found = directory.role_holders(role, agency) + directory.role_holders(role, agency, deputies=True)
    return {person.email.lower() for person in found}


def _load(connection: Connection, runtime: Runtime, claims: LinkClaims, *, for_update: bool = False):
    stored = load_case(connection, claims.reference, for_update=for_update)
    if stored is None:
        raise CaseNotFound(claims.reference)
    definition = runtime.pinned(connection, stored.state.definition_hash)
    stage = definition.process.stages.get(claims.stage)
    if stage is None or claims.stage not in stored.state.stages:
        raise LinkError(404, "This task no longer exists", "Ask the partnership business unit.")
    return stored, definition, stage


def _item(state: CaseState, claims: LinkClaims):
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


def _check_person(runtime: Runtime, state: CaseState, stage_def, claims: LinkClaims, approver: str | None) -> None:
    """The link's person must still be someone this task (or this request) is for, for every action and the page.

    The task is the owner role's holders' (deputies too), or, once it is reassigned, the person put in their place
    only: the holders' links stop working (403). Those the stage involves besides keep theirs (a reassignment
    replaces the owner, not the others, as their messages do), and so do the roles the escalation ladder has
    reached (they may still act on what was escalated to them).
    """
    item = _item(state, claims)
    agency = claims.task if stage_def.for_each else state.stages[claims.stage].agency
    if claims.purpose == "extension":
        allowed = _people(runtime, approver, None) if approver else set()
    else:
        allowed = {item.assignee.lower()} if item.assignee else _people(runtime, stage_def.owner, agency)
        for party in stage_def.involves:
            allowed |= _people(runtime, party.role, state.facts.get(party.agency) if party.agency else None)
        for step in stage_def.escalation[: item.escalation_level]:
            allowed |= _people(runtime, step.notify, agency)
    if claims.email.lower() not in allowed:
        raise LinkError(
            403,
            "This link is not yours to use",
            "It was issued to someone who no longer holds this task. Ask the business unit.",
        )


def describe(runtime: Runtime, claims: LinkClaims) -> TaskView:
    now = clock.now()
    with runtime.db.connect() as connection:
        stored, definition, stage_def = _load(connection, runtime, claims)
        _check_person(runtime, stored.state, stage_def, claims, definition.process.extension_approver)
        request = None
        if claims.purpose == "extension":
            asked = _request(stored.state, claims)
            request = {"amount": asked.amount, "reason": asked.reason, "by": asked.requested_by, "status": asked.status}
    item = _item(stored.state, claims)
    agency = runtime.config.directory.agencies.get(claims.task or stored.state.stages[claims.stage].agency or "")
    return TaskView(
        reference=claims.reference,
        process=definition.process.title,
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
        can_extend=definition.process.extension_approver is not None,
        request=request,
    )


def _use_once(connection: Connection, claims: LinkClaims, action: str, now: datetime) -> None:
    if not record_link_use(connection, claims.token_id, action, now):
        raise LinkError(
            409, "This link has been used already", "Each link records one action. The case shows what was done."
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
            approval = extensions.approve_command(runtime, asked.number, claims.email)
            return approval, f"The extension of {asked.amount} is approved."
        if action == "refuse":
            refusal = extensions.refuse_command(runtime, asked.number, claims.email)
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
        _check_person(runtime, stored.state, stage_def, claims, definition.process.extension_approver)
        command, confirmation = _command_for(runtime, claims, stored.state, stage_def, action, form)
        _use_once(connection, claims, action, now)
        run_on(connection, runtime, stored, command, now)
        return confirmation

    return in_transaction(runtime.db, work)
