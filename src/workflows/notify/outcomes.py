"""What a delivery attempt makes of its message: sent, failed, or tried again later after a back-off.

The rules are delivery's; the rows are written by the store (store/outbox.py).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Connection

from workflows.engine.vocabulary import OutboxStatus
from workflows.store import outbox

MAX_ATTEMPTS = 10
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


def defer(connection: Connection, message_id: int, attempts: int, now: datetime, reason: str) -> str:
    """A temporary failure: try again later, or give up after MAX_ATTEMPTS."""
    tried = attempts + 1
    if tried >= MAX_ATTEMPTS:
        outbox.record_failed(connection, message_id, f"gave up after {tried} attempts: {reason}")
        return OutboxStatus.FAILED.value
    outbox.record_retry(connection, message_id, tried, now + backoff(tried), reason)
    return DEFERRED
