"""Sending again what was given up on (`workflows outbox retry`): after a relay was down for longer than the retry
period, say. A message that asks someone to act on an item no longer open, or on a closed case, is not sent again
(it would ask for what is done); nor is a daily digest of a day gone by (today's digest says what is overdue now).
Everything else is: what it was sent to already stays sent, only the rest are tried."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Connection

from workflows.engine.state import CaseStatus, ItemStatus
from workflows.engine.vocabulary import MessageKind
from workflows.store.outbox import FailedMessage, failed_messages, requeue

# Messages that ask their reader to do something about one item: stale once the item is no longer open.
ASKS_TO_ACT = frozenset(
    {
        MessageKind.TASK_ASSIGNED,
        MessageKind.DECISION_NEEDED,
        MessageKind.AUDIT_ROUND_OPENED,
        MessageKind.REMINDER,
        MessageKind.DUE_TODAY,
        MessageKind.OVERDUE,
        MessageKind.ESCALATION,
        MessageKind.EXTENSION_REQUESTED,
    }
)
LIVE_CASES = frozenset({CaseStatus.OPEN, CaseStatus.PAUSED})
NO_LONGER_OPEN = "it asks for action on an item no longer open"
DIGEST_GONE_BY = "a daily digest of a day gone by"


def not_wanted(message: FailedMessage, today: str) -> str | None:
    """Why `message` is not to be sent again now (None: send it again). `today` is the London date, ISO."""
    if message.kind == MessageKind.DAILY_DIGEST:
        return DIGEST_GONE_BY if message.key.split("/")[1] < today else None
    if message.kind not in ASKS_TO_ACT:
        return None
    if message.case_status is not None and message.case_status not in LIVE_CASES:
        return NO_LONGER_OPEN
    if message.item_status is not None and message.item_status != ItemStatus.OPEN:
        return NO_LONGER_OPEN
    return None


@dataclass
class Retried:
    """What `workflows outbox retry` did: how many it queued again, and how many it left failed, by why."""

    requeued: int = 0
    left: Counter[str] = field(default_factory=Counter)


def choose(messages: list[FailedMessage], today: str) -> tuple[list[int], Retried]:
    """The ids to queue again, and the tally of what is left and why."""
    retried = Retried()
    wanted: list[int] = []
    for message in messages:
        reason = not_wanted(message, today)
        if reason is None:
            wanted.append(message.id)
        else:
            retried.left[reason] += 1
    return wanted, retried


def retry_failed(connection: Connection, since: datetime | None, wall: datetime, today: str) -> Retried:
    """Queue again, due now (real time), the messages given up on since `since` (all, when None) that are still
    wanted; in the caller's transaction."""
    wanted, retried = choose(failed_messages(connection, since), today)
    retried.requeued = requeue(connection, wanted, wall)
    return retried
