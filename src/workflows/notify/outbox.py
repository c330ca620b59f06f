"""The outbox table as delivery sees it: claim a batch, record each recipient, mark sent or failed."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Connection, and_, false, func, not_, or_, select, update

from workflows.store.schema import cases, outbox

MAX_ATTEMPTS = 10


def backoff(attempts: int) -> timedelta:
    """1, 2, 4 ... minutes, at most an hour, between tries after a temporary failure."""
    return timedelta(minutes=min(60, 2 ** max(0, attempts - 1)))


def may_go_now(open_calendars: set[str], default_calendar: str) -> ColumnElement[bool]:
    """Urgent, or its calendar (the default one when it names none) is in working hours now. Never NULL, so
    that its negation counts what waits."""
    calendar = func.coalesce(outbox.c.calendar, default_calendar)
    in_hours = calendar.in_(sorted(open_calendars)) if open_calendars else false()
    return or_(outbox.c.urgent.is_(True), in_hours)


def claim_batch(
    connection: Connection, now: datetime, limit: int, hold_until: datetime, *, sendable: ColumnElement[bool]
) -> list[Any]:
    """Pending messages due now that may go now (`may_go_now`), locked against other deliverers until
    `hold_until`."""
    ready = [
        outbox.c.status == "pending",
        outbox.c.next_attempt_at <= now,
        or_(outbox.c.claimed_until.is_(None), outbox.c.claimed_until < now),
        sendable,
    ]
    ids = [
        row.id
        for row in connection.execute(
            select(outbox.c.id).where(and_(*ready)).order_by(outbox.c.id).limit(limit).with_for_update(skip_locked=True)
        )
    ]
    if not ids:
        return []
    connection.execute(update(outbox).where(outbox.c.id.in_(ids)).values(claimed_until=hold_until))
    query = (
        select(outbox, cases.c.reference, cases.c.definition_hash)
        .outerjoin(cases, cases.c.id == outbox.c.case_id)
        .where(outbox.c.id.in_(ids))
        .order_by(outbox.c.id)
    )
    return list(connection.execute(query))


def _touch_case_of(connection: Connection, message_id: int) -> None:
    """A message's outcome is part of its case's view: let the next sweep republish it."""
    of_message = select(outbox.c.case_id).where(outbox.c.id == message_id).scalar_subquery()
    connection.execute(update(cases).where(cases.c.id == of_message).values(revision=cases.c.revision + 1))


def save_progress(connection: Connection, message_id: int, recipients: dict[str, str]) -> None:
    connection.execute(update(outbox).where(outbox.c.id == message_id).values(recipients=recipients))


def finish(connection: Connection, message_id: int, now: datetime, recipients: dict[str, str], note: str | None) -> str:
    """Every recipient has an outcome: sent if anyone got it, failed if all refused."""
    refused = {address: outcome for address, outcome in recipients.items() if outcome != "sent"}
    status = "sent" if len(refused) < len(recipients) else "failed"
    problems = [f"{address} {outcome}" for address, outcome in refused.items()] + ([note] if note else [])
    connection.execute(
        update(outbox)
        .where(outbox.c.id == message_id)
        .values(
            status=status,
            sent_at=now if status == "sent" else None,
            recipients=recipients,
            claimed_until=None,
            error="; ".join(problems) or None,
            attempts=outbox.c.attempts + 1,
        )
    )
    _touch_case_of(connection, message_id)
    return status


def fail(connection: Connection, message_id: int, reason: str) -> None:
    connection.execute(
        update(outbox).where(outbox.c.id == message_id).values(status="failed", claimed_until=None, error=reason)
    )
    _touch_case_of(connection, message_id)


def defer(connection: Connection, message_id: int, attempts: int, now: datetime, reason: str) -> str:
    """A temporary failure: try again later, or give up after MAX_ATTEMPTS."""
    tried = attempts + 1
    if tried >= MAX_ATTEMPTS:
        fail(connection, message_id, f"gave up after {tried} attempts: {reason}")
        return "failed"
    connection.execute(
        update(outbox)
        .where(outbox.c.id == message_id)
        .values(attempts=tried, next_attempt_at=now + backoff(tried), claimed_until=None, error=reason)
    )
    _touch_case_of(connection, message_id)
    return "deferred"


def release(connection: Connection, ids: list[int]) -> None:
    if ids:
        connection.execute(update(outbox).where(outbox.c.id.in_(ids)).values(claimed_until=None))


def waiting_for_hours(connection: Connection, now: datetime, sendable: ColumnElement[bool]) -> int:
    """Pending messages held back only because their calendar is outside working hours."""
    query = (
        select(func.count())
        .select_from(outbox)
        .where(outbox.c.status == "pending", outbox.c.next_attempt_at <= now, not_(sendable))
    )
    return connection.execute(query).scalar_one()


def listing(connection: Connection, status: str | None = None, limit: int = 200) -> list[dict[str, Any]]:
    query = (
        select(outbox, cases.c.reference)
        .outerjoin(cases, cases.c.id == outbox.c.case_id)
        .order_by(outbox.c.id.desc())
        .limit(limit)
    )
    if status:
        query = query.where(outbox.c.status == status)
    rows = []
    for row in connection.execute(query):
        rows.append(
            {
                "key": row.key,
                "kind": row.kind,
                "reference": row.reference,
                "stage": row.stage,
                "task": row.task,
                "role": row.role,
                "status": row.status,
                "attempts": row.attempts,
                "created_at": row.created_at.isoformat(),
                "sent_at": row.sent_at.isoformat() if row.sent_at else None,
                "recipients": row.recipients or {},
                "error": row.error,
            }
        )
    return rows


def delivery_problems(connection: Connection, since: datetime | None = None) -> dict[tuple[int, str, str], list[str]]:
    """Delivery problems per item (case id, stage, task), for the overdue report.

    Messages with an error are few, so they are read whole rather than matched against a list of open cases
    (a list that, in a national deployment, is longer than a statement may carry).
    """
    query = select(outbox.c.case_id, outbox.c.stage, outbox.c.task, outbox.c.kind, outbox.c.error).where(
        outbox.c.error.is_not(None), outbox.c.case_id.is_not(None)
    )
    if since is not None:
        query = query.where(outbox.c.created_at >= since)
    found: dict[tuple[int, str, str], list[str]] = {}
    for row in connection.execute(query):
        found.setdefault((row.case_id, row.stage or "", row.task or ""), []).append(f"{row.kind}: {row.error}")
    return found
