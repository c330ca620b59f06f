"""What a delivery attempt makes of its message: sent, failed, or tried again later after a back-off.

The rules are delivery's; the rows are written by the store (store/outbox.py).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection

from workflows.engine.vocabulary import OutboxStatus
from workflows.store import outbox

DEFERRED = "deferred"  # not a status of its own: the message stays pending, due again later


def backoff(attempts: int) -> timedelta:
    """1, 2, 4 ... minutes, at most an hour, between tries after a temporary failure."""
    return timedelta(minutes=min(60, 2 ** max(0, attempts - 1)))


def finish(connection: Connection, message_id: int, now: datetime, recipients: dict[str, str], note: str | None) -> str:
    """Every recipient has an outcome: sent if anyone got it, failed if all refused. Returns the outcome, as
    delivery counts it."""
    refused = {address: outcome for address, outcome in recipients.items() if outcome != OutboxStatus.SENT}
    status = OutboxStatus.SENT if len(refused) < len(recipients) else OutboxStatus.FAILED
    problems = [f"{address} {outcome}" for address, outcome in refused.items()] + ([note] if note else [])
    sent_at = now if status is OutboxStatus.SENT else None
    outbox.record_finished(connection, message_id, status, sent_at, recipients, "; ".join(problems) or None)
    return status.value


def defer(connection: Connection, message: Any, wall: datetime, reason: str, retry_for: timedelta) -> str:
    """A temporary failure: try again after a back-off (real time), or give up once it has been failing for
    `retry_for`."""
    tried = message.attempts + 1
    failing_since = message.failing_since or wall
    if wall - failing_since >= retry_for:
        hours = (wall - failing_since).total_seconds() / 3600
        outbox.record_failed(connection, message.id, f"gave up after {tried} attempts over {hours:.0f} hours: {reason}")
        return OutboxStatus.FAILED.value
    outbox.record_retry(connection, message.id, tried, wall + backoff(tried), failing_since, reason)
    return DEFERRED
