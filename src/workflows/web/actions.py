"""What a link lets its holder do, each through the engine in one transaction, each link once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, select, update
from sqlalchemy.exc import IntegrityError

from workflows import clock
from workflows.calendar.durations import DurationError, parse_duration
from workflows.calendar.london import long_date
from workflows.engine import commands as cmd
from workflows.engine.state import CaseState, ItemStatus
from workflows.operations.cases import run_on
from workflows.operations.errors import OperationError
from workflows.operations.runtime import Runtime
from workflows.operations.transactions import in_transaction
from workflows.store import repository as repo
from workflows.store.schema import extension_requests, link_uses, outbox
from workflows.store.view_revisions import touch_cases
from workflows.web.tokens import LinkClaims, LinkError


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
    stored = repo.load_case(connection, claims.reference, for_update=for_update)
    if stored is None:
        raise LinkError(404, "This case no longer exists", "Ask the partnership business unit.")
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


def _check_person(runtime: Runtime, state: CaseState, stage_def, claims: LinkClaims, approver: str | None) -> None:
    """The link's person must still be someone this task (or this request) is for."""
    item = _item(state, claims)
    agency = claims.task if stage_def.for_each else state.stages[claims.stage].agency
    if claims.purpose == "extension":
        allowed = _people(runtime, approver, None) if approver else set()
    else:
        allowed = _people(runtime, stage_def.owner, agency)
        for party in stage_def.involves:
            allowed |= _people(runtime, party.role, state.facts.get(party.agency) if party.agency else None)
        for step in stage_def.escalation[: item.escalation_level]:
            allowed |= _people(runtime, step.notify, agency)
        if item.assignee:
            allowed.add(item.assignee.lower())
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
        if claims.purpose == "extension" and claims.request is not None:
            row = connection.execute(
                select(extension_requests).where(extension_requests.c.id == claims.request)
            ).first()
            if row is None:
                raise LinkError(404, "This request no longer exists", "Ask the partnership business unit.")
            request = {"amount": row.amount, "reason": row.reason, "by": row.requested_by, "status": row.status}
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
    try:
        with connection.begin_nested():
            connection.execute(link_uses.insert().values(token_id=claims.token_id, used_at=now, action=action))
    except IntegrityError:
        raise LinkError(
            409, "This link has been used already", "Each link records one action. The case shows what was done."
        ) from None


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
    """Do `action` for the link's person; return a confirmation sentence. Raises LinkError or OperationError."""
    now = clock.now()

    def work(connection: Connection) -> str:
        stored, definition, stage_def = _load(connection, runtime, claims, for_update=True)
        _check_person(runtime, stored.state, stage_def, claims, definition.process.extension_approver)
        if claims.purpose == "extension":
            return _decide_request(connection, runtime, claims, stored, action, now)
        if action == "request-extension":
            return _request_extension(connection, runtime, claims, stored, definition, amount, reason, now)
        _use_once(connection, claims, action, now)
        if action == "done":
            run_on(connection, runtime, stored, cmd.Complete(claims.stage, claims.task, claims.email, note), now)
            return f"{stage_def.title} is recorded as done."
        if action == "decide":
            run_on(connection, runtime, stored, cmd.Decide(claims.stage, option or "", claims.email, note), now)
            label = stage_def.decision.options[option].label if stage_def.decision and option else option
            return f"Your decision is recorded: {label}."
        if action == "acknowledge":
            run_on(connection, runtime, stored, cmd.Acknowledge(claims.stage, claims.task, claims.email), now)
            return "The escalation is acknowledged."
        raise LinkError(400, "Unknown action", "Use the buttons on the task page.")

    return in_transaction(runtime.db, work)


def _request_extension(connection, runtime, claims, stored, definition, amount, reason, now) -> str:
    if not definition.process.extension_approver:
        raise OperationError("this process does not allow extensions")
    try:
        duration = parse_duration(amount or "")
    except DurationError as error:
        raise OperationError(str(error)) from None
    if not (reason or "").strip():
        raise OperationError("say why the extension is needed")
    _use_once(connection, claims, "request-extension", now)
    request_id = connection.execute(
        extension_requests.insert().values(
            case_id=stored.id,
            stage=claims.stage,
            task=claims.task,
            amount=str(duration),
            reason=reason.strip(),
            requested_by=claims.email,
            requested_at=now,
            status="pending",
        )
    ).inserted_primary_key[0]
    item = _item(stored.state, claims)
    connection.execute(
        outbox.insert().values(
            key=f"{claims.reference}/{claims.stage}[{claims.task or ''}]/extension-requested-{request_id}",
            case_id=stored.id,
            kind="extension-requested",
            stage=claims.stage,
            task=claims.task,
            role=definition.process.extension_approver,
            agency=claims.task,
            due_at=item.due_at,
            details={"request": request_id, "amount": str(duration)},
            created_at=now,
            status="pending",
            attempts=0,
            next_attempt_at=now,
            urgent=False,
            calendar=definition.rules.calendar.name,
        )
    )
    touch_cases(connection, [stored.id])
    repo.add_audit(
        connection,
        stored.id,
        "extension-requested",
        f"{claims.stage}: {duration}",
        now,
        runtime.clock_set,
        actor=claims.email,
    )
    return f"Your request for {duration} more is sent to the approver."


def _decide_request(connection, runtime, claims, stored, action, now) -> str:
    if action not in ("approve", "refuse"):
        raise LinkError(400, "Unknown action", "Use the buttons on the page.")
    row = connection.execute(select(extension_requests).where(extension_requests.c.id == claims.request)).first()
    if row is None or row.status != "pending":
        raise LinkError(409, "This request has been decided already", "The case shows the outcome.")
    _use_once(connection, claims, action, now)
    connection.execute(
        update(extension_requests)
        .where(extension_requests.c.id == row.id)
        .values(status="approved" if action == "approve" else "refused", decided_by=claims.email, decided_at=now)
    )
    if action == "refuse":
        repo.add_audit(
            connection,
            stored.id,
            "extension-refused",
            f"{row.stage}: {row.amount}",
            now,
            runtime.clock_set,
            actor=claims.email,
        )
        stage = stored.state.stages[row.stage]
        item = stage.tasks.get(row.task) if row.task else stage
        connection.execute(  # the person who asked hears the answer
            outbox.insert().values(
                key=f"{claims.reference}/{row.stage}[{row.task or ''}]/extension-refused-{row.id}",
                case_id=stored.id,
                kind="extension-refused",
                stage=row.stage,
                task=row.task,
                role=None,
                assignee=row.requested_by,
                agency=row.task,
                due_at=item.due_at if item else None,
                details={"request": row.id},
                created_at=now,
                status="pending",
                attempts=0,
                next_attempt_at=now,
                urgent=False,
                calendar=runtime.pinned(connection, stored.state.definition_hash).rules.calendar.name,
            )
        )
        touch_cases(connection, [stored.id])
        return "The extension is refused; the deadline stays as it was. The person who asked is told."
    roles = runtime.config.directory.roles_of(claims.email)
    run_on(
        connection,
        runtime,
        stored,
        cmd.Extend(row.stage, parse_duration(row.amount), row.reason, claims.email, roles),
        now,
    )
    return f"The extension of {row.amount} is approved."
