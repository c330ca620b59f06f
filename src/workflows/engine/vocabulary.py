"""The words the engine and its shell share: message kinds, audit actions, actions people take, clock shifts,
outbox statuses.

StrEnums, so a member is its stored text: rows written before these existed read back unchanged, and a
member compares equal to the plain string (`MessageKind.REMINDER == "reminder"`). Defined here, in the lowest
layer that uses them, so the store, notify, web and dashboard import them from one place.
"""

from __future__ import annotations

from enum import StrEnum


class MessageKind(StrEnum):
    """What a queued message is about. Each kind has its templates in `notifications/<kind>.*.j2`."""

    TASK_ASSIGNED = "task-assigned"
    DECISION_NEEDED = "decision-needed"
    AUDIT_ROUND_OPENED = "audit-round-opened"
    REMINDER = "reminder"
    DUE_TODAY = "due-today"
    OVERDUE = "overdue"
    ESCALATION = "escalation"
    EXTENSION_REQUESTED = "extension-requested"
    EXTENSION_APPROVED = "extension-approved"
    EXTENSION_REFUSED = "extension-refused"
    DEADLINE_MOVED = "deadline-moved"
    CASE_CLOSED = "case-closed"
    DAILY_DIGEST = "daily-digest"


class AuditAction(StrEnum):
    """What an audit entry records."""

    CASE_STARTED = "case-started"
    STAGE_OPENED = "stage-opened"
    STAGE_DONE = "stage-done"
    TASK_DONE = "task-done"
    OVERDUE = "overdue"
    ESCALATED = "escalated"
    ADVANCED = "advanced"
    PAUSED = "paused"
    RESUMED = "resumed"
    EXTENSION_REQUESTED = "extension-requested"
    EXTENDED = "extended"
    EXTENSION_REFUSED = "extension-refused"
    REASSIGNED = "reassigned"
    DEADLINE_MOVED = "deadline-moved"
    ACKNOWLEDGED = "acknowledged"
    CASE_CLOSED = "case-closed"
    CASE_CANCELLED = "case-cancelled"
    LINKED_CASE = "linked-case"
    CYCLE_SCHEDULED = "cycle-scheduled"


class Action(StrEnum):
    """What a person may do about an item (docs/messages.md: who may act). A link is used once per action."""

    FINISH = "finish"  # mark it done, or record the decision
    ASK_FOR_TIME = "ask-for-time"  # request an extension
    ANSWER_REQUEST = "answer-request"  # approve or refuse a request for more time
    ACKNOWLEDGE = "acknowledge"  # say an escalation is in hand


class ShiftKind(StrEnum):
    """Why a deadline moved."""

    PAUSE = "pause"
    EXTENSION = "extension"


class OutboxStatus(StrEnum):
    """Where a queued message is: waiting (or being retried), delivered to someone, or given up on."""

    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"
