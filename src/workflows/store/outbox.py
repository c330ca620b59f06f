"""The outbox table: messages queued (by this module only), claimed for sending, and their outcomes recorded.

Delivery decides what an outcome means (notify/outcomes.py); this module only reads and writes the rows. Every
write about a message's delivery bumps its case's revision, so the DSP view republishes the case.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, Row, and_, false, func, not_, or_, select, update

from workflows.clock import wall_now
from workflows.engine.effects import Notify
from workflows.engine.parties import Audience, Party
from workflows.engine.state import Slot
from workflows.engine.vocabulary import OutboxStatus
from workflows.store.schema import cases, items, outbox
from workflows.store.upsert import insert_ignoring_duplicates, insert_new

# (the id of the case it is about, or None for a partnership-wide message such as the daily digest; the message)
CaseMessage = tuple[int | None, Notify]


def queue_messages(
    connection: Connection,
    messages: Iterable[CaseMessage],
    now: datetime,
    *,
    report: bool = True,
    ready_at: datetime | None = None,
) -> list[str]:
    """Put messages in the outbox, due at once, in one statement; return the keys this call queued (with
    `report=False`, nothing: the statement then needs no RETURNING, which costs a sweep dearly).

    `now` is when they were queued as the case sees it (a rehearsal's clock, if set); `ready_at` when they may be
    sent, on the real clock (by default, now): a message queued in a rehearsal months ahead is not held for months.
    A key already queued is skipped: a retried step or a second sweeper queues nothing twice. The one writer of
    outbox rows, so that every message (an engine step's, the digest's) has the same shape.
    """
    ready = ready_at or wall_now()
    rows = [_row(case_id, message, now, ready) for case_id, message in messages]
    if not report:
        insert_ignoring_duplicates(connection, outbox, rows, ["key"])
        return []
    return insert_new(connection, outbox, rows, "key")


def _row(case_id: int | None, message: Notify, now: datetime, ready: datetime) -> dict[str, Any]:
    named = next((party.person for party in message.audience.to if party.person), None)
    return {
        "key": message.key,
        "case_id": case_id,
        "kind": message.kind,
        "stage": message.stage,
        "task": message.task,
        "role": message.role,
        "agency": message.agency,
        "assignee": named,  # for listings: the person it is addressed to, where it names one
        "copy_role": message.copy_role,
        "audience": message.audience.as_json(),
        "due_at": message.due_at,
        "urgent": message.urgent,
        "calendar": message.calendar,
        "details": message.details,
        "created_at": now,
        "status": OutboxStatus.PENDING,
        "attempts": 0,
        "next_attempt_at": ready,
    }


def readdress(
    connection: Connection, case_id: int, slot: Slot, replaced: tuple[Party, ...], to: tuple[Party, ...]
) -> int:
    """Messages about `slot` not yet sent to everyone go to `to` instead of `replaced` (a task that changed hands);
    how many changed. Recipients already served keep their outcome."""
    query = select(outbox.c.id, outbox.c.audience).where(
        outbox.c.case_id == case_id,
        outbox.c.stage == slot.stage,
        outbox.c.task.is_(None) if slot.task is None else outbox.c.task == slot.task,
        outbox.c.status == OutboxStatus.PENDING,
    )
    changed = 0
    for row in connection.execute(query).all():
        before = Audience.from_json(row.audience or {})
        after = before.replacing(replaced, to)
        if after != before:
            connection.execute(update(outbox).where(outbox.c.id == row.id).values(audience=after.as_json()))
            changed += 1
    return changed


def latest_digest_day(connection: Connection) -> str | None:
    """The day (ISO) of the latest daily digest queued, from its key `digest/<day>/<role>`."""
    latest = connection.execute(select(func.max(outbox.c.key)).where(outbox.c.key.like("digest/%"))).scalar()
    return latest.split("/")[1] if latest else None


def queued_keys(connection: Connection, keys: Iterable[str]) -> set[str]:
    """Which of `keys` are in the outbox already (in any state)."""
    wanted = sorted(set(keys))
    if not wanted:
        return set()
    return set(connection.execute(select(outbox.c.key).where(outbox.c.key.in_(wanted))).scalars())


@dataclass(frozen=True, slots=True)
class SendingHours:
    """The calendars in working hours now, and the calendar a message naming none waits for."""

    open_calendars: frozenset[str]
    default_calendar: str


def _may_go_now(hours: SendingHours) -> ColumnElement[bool]:
    """Urgent, or its calendar (the default one when it names none) is in working hours now. Never NULL, so
    that its negation counts what waits."""
    calendar = func.coalesce(outbox.c.calendar, hours.default_calendar)
    in_hours = calendar.in_(sorted(hours.open_calendars)) if hours.open_calendars else false()
    return or_(outbox.c.urgent.is_(True), in_hours)


def claimers(connection: Connection, wall: datetime) -> list[str]:
    """The deliverers holding unexpired claims on messages now (real time)."""
    query = select(outbox.c.claimed_by).where(
        outbox.c.status == OutboxStatus.PENDING, outbox.c.claimed_until >= wall, outbox.c.claimed_by.is_not(None)
    )
    return sorted(set(connection.execute(query.distinct()).scalars()))


def claim_batch(
    connection: Connection,
    wall: datetime,
    limit: int,
    claim: tuple[str, datetime],
    hours: SendingHours,
    gone: Iterable[str] = (),
) -> list[Row[Any]]:
    """Pending messages due now (real time) that may go in these sending hours, claimed for `claim` (this
    deliverer's name, and until when, in real time) against other deliverers; each with its case's reference and
    definition hash. A claim that has run out, or whose deliverer is `gone` (killed on this machine), is taken over."""
    claimer, hold_until = claim
    free = [outbox.c.claimed_until.is_(None), outbox.c.claimed_until < wall]
    if gone:
        free.append(outbox.c.claimed_by.in_(sorted(gone)))
    ready = [
        outbox.c.status == OutboxStatus.PENDING,
        outbox.c.next_attempt_at <= wall,
        or_(*free),
        _may_go_now(hours),
    ]
    ids = [
        row.id
        for row in connection.execute(
            select(outbox.c.id).where(and_(*ready)).order_by(outbox.c.id).limit(limit).with_for_update(skip_locked=True)
        )
    ]
    if not ids:
        return []
    connection.execute(update(outbox).where(outbox.c.id.in_(ids)).values(claimed_until=hold_until, claimed_by=claimer))
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
    """Each recipient's outcome so far, so that a crash resends only to those not yet served."""
    connection.execute(update(outbox).where(outbox.c.id == message_id).values(recipients=recipients))


def record_finished(
    connection: Connection,
    message_id: int,
    status: OutboxStatus,
    sent_at: datetime | None,
    recipients: dict[str, str],
    error: str | None,
) -> None:
    """A message every recipient has an outcome for: its status, released, one more attempt counted."""
    connection.execute(
        update(outbox)
        .where(outbox.c.id == message_id)
        .values(
            status=status,
            sent_at=sent_at,
            failed_at=wall_now() if status == OutboxStatus.FAILED else None,
            recipients=recipients,
            claimed_until=None,
            claimed_by=None,
            error=error,
            attempts=outbox.c.attempts + 1,
        )
    )
    _touch_case_of(connection, message_id)


def record_failed(connection: Connection, message_id: int, reason: str) -> None:
    """A message given up on."""
    connection.execute(
        update(outbox)
        .where(outbox.c.id == message_id)
        .values(status=OutboxStatus.FAILED, failed_at=wall_now(), claimed_until=None, claimed_by=None, error=reason)
    )
    _touch_case_of(connection, message_id)


def record_retry(
    connection: Connection, message_id: int, attempts: int, retry_at: datetime, failing_since: datetime, reason: str
) -> None:
    """A message that failed for now: released, to be tried again at `retry_at` (real time)."""
    connection.execute(
        update(outbox)
        .where(outbox.c.id == message_id)
        .values(
            attempts=attempts,
            next_attempt_at=retry_at,
            failing_since=failing_since,
            claimed_until=None,
            claimed_by=None,
            error=reason,
        )
    )
    _touch_case_of(connection, message_id)


@dataclass(frozen=True, slots=True)
class FailedMessage:
    """A message given up on, with what it is about as things stand now (for `workflows outbox retry`)."""

    id: int
    key: str
    kind: str
    item_status: str | None  # its stage or task's status now; None when it is about no item
    case_status: str | None  # its case's status now; None for a message about no case (the digest)


def failed_messages(connection: Connection, since: datetime | None) -> list[FailedMessage]:
    """Messages given up on (at or after `since`, real time, when given), oldest first."""
    task = func.coalesce(outbox.c.task, "")
    query = (
        select(outbox.c.id, outbox.c.key, outbox.c.kind, items.c.status.label("item"), cases.c.status.label("case"))
        .outerjoin(cases, cases.c.id == outbox.c.case_id)
        .outerjoin(
            items, and_(items.c.case_id == outbox.c.case_id, items.c.stage == outbox.c.stage, items.c.task == task)
        )
        .where(outbox.c.status == OutboxStatus.FAILED)
        .order_by(outbox.c.id)
    )
    if since is not None:
        query = query.where(outbox.c.failed_at >= since)
    return [FailedMessage(row.id, row.key, row.kind, row.item, row.case) for row in connection.execute(query)]


def requeue(connection: Connection, ids: list[int], wall: datetime) -> int:
    """Messages given up on, pending again and due now (real time), their tries counted afresh; how many. Each
    recipient it reached stays reached (its progress is kept): only the others are tried."""
    changed = 0
    for chunk in range(0, len(ids), 500):
        changed += connection.execute(
            update(outbox)
            .where(outbox.c.id.in_(ids[chunk : chunk + 500]), outbox.c.status == OutboxStatus.FAILED)
            .values(
                status=OutboxStatus.PENDING,
                attempts=0,
                next_attempt_at=wall,
                failing_since=None,
                failed_at=None,
                claimed_until=None,
                claimed_by=None,
            )
        ).rowcount
    return changed


@dataclass(frozen=True, slots=True)
class DeliveryCounts:
    """The DSPs' headline about mail: given up on lately, waiting to be sent, and of those, failing for now."""

    failed: int
    waiting: int
    failing: int


def delivery_counts(connection: Connection, failed_since: datetime) -> DeliveryCounts:
    pending = outbox.c.status == OutboxStatus.PENDING
    query = select(
        func.count().filter(and_(outbox.c.status == OutboxStatus.FAILED, outbox.c.failed_at >= failed_since)),
        func.count().filter(pending),
        func.count().filter(and_(pending, outbox.c.failing_since.is_not(None))),
    ).where(outbox.c.status.in_([OutboxStatus.FAILED, OutboxStatus.PENDING]))
    failed, waiting, failing = connection.execute(query).one()
    return DeliveryCounts(failed, waiting, failing)


def release(connection: Connection, ids: list[int]) -> None:
    """Claimed messages not tried after all (the connection was lost): another deliverer may take them now."""
    if ids:
        connection.execute(update(outbox).where(outbox.c.id.in_(ids)).values(claimed_until=None, claimed_by=None))


def waiting_for_hours(connection: Connection, wall: datetime, hours: SendingHours) -> int:
    """Pending messages held back only because their calendar is outside working hours."""
    query = (
        select(func.count())
        .select_from(outbox)
        .where(outbox.c.status == OutboxStatus.PENDING, outbox.c.next_attempt_at <= wall, not_(_may_go_now(hours)))
    )
    return connection.execute(query).scalar_one()


def listing(connection: Connection, status: str | None = None, limit: int = 200) -> list[dict[str, Any]]:
    """The newest messages (optionally in one status), for `workflows outbox`."""
    query = (
        select(outbox, cases.c.reference)
        .outerjoin(cases, cases.c.id == outbox.c.case_id)
        .order_by(outbox.c.id.desc())
        .limit(limit)
    )
    if status:
        query = query.where(outbox.c.status == status)
    return [
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
        for row in connection.execute(query)
    ]


def case_messages(connection: Connection, case_id: int) -> list[Row[Any]]:
    """A case's messages in the order they were queued: kind, stage, task, roles, status, when, any error. No
    recipients: the case's timeline names roles, not people."""
    query = (
        select(
            outbox.c.kind,
            outbox.c.stage,
            outbox.c.task,
            outbox.c.role,
            outbox.c.copy_role,
            outbox.c.status,
            outbox.c.created_at,
            outbox.c.error,
        )
        .where(outbox.c.case_id == case_id)
        .order_by(outbox.c.id)
    )
    return list(connection.execute(query))


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


def failed_since(connection: Connection, since: datetime, limit: int) -> list[Row]:
    """Messages given up on since `since` (real time), newest first: reference (None for a partnership-wide
    message), kind, stage, task, error and when it was queued."""
    query = (
        select(cases.c.reference, outbox.c.kind, outbox.c.stage, outbox.c.task, outbox.c.error, outbox.c.created_at)
        .select_from(outbox.outerjoin(cases, cases.c.id == outbox.c.case_id))
        .where(outbox.c.status == OutboxStatus.FAILED, outbox.c.failed_at >= since)
        .order_by(outbox.c.failed_at.desc(), outbox.c.id.desc())
        .limit(limit)
    )
    return list(connection.execute(query))


def record_sent_when_queued(connection: Connection, case_ids: list[int]) -> int:
    """Record the pending messages of these cases as sent when they were queued: for the main job's invented
    history, whose messages belong to the past and must not be emailed now. How many."""
    query = (
        update(outbox)
        .where(outbox.c.case_id.in_(case_ids), outbox.c.status == OutboxStatus.PENDING.value)
        .values(status=OutboxStatus.SENT.value, sent_at=outbox.c.created_at, next_attempt_at=None)
    )
    return connection.execute(query).rowcount
