"""What the shell must do after a step: timers, messages to queue, audit entries, linked cases."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from workflows.engine.state import Slot
from workflows.engine.vocabulary import AuditAction, MessageKind


@dataclass(frozen=True, slots=True)
class SetTimer:
    """Wake this slot at `at` (replacing any timer it had)."""

    slot: Slot
    at: datetime


@dataclass(frozen=True, slots=True)
class CancelTimer:
    slot: Slot


@dataclass(frozen=True, slots=True)
class Notify:
    """A message to queue. `key` is unique per message: queuing the same key twice sends it once.

    Carries roles (a person only when one stands in for the role, or asked for what the message answers) and
    no fact values: recipients are resolved from the directory and the text rendered by the notification layer.
    """

    key: str
    kind: MessageKind
    stage: str | None
    task: str | None
    role: str | None  # None: the partnership's business unit (or the assignee, when there is one)
    agency: str | None = None
    assignee: str | None = None  # a person put in place of the role
    copy_role: str | None = None  # escalations copy the owner
    due_at: datetime | None = None
    urgent: bool = False  # an hour-based deadline: sent at once, even outside working hours
    calendar: str | None = None  # whose working hours it waits for (the process's calendar)
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Audit:
    action: AuditAction
    detail: str
    actor: str | None = None
    stage: str | None = None
    task: str | None = None


@dataclass(frozen=True, slots=True)
class StartLinkedCase:
    """A decision option started another process: the shell starts it in the same transaction."""

    process_id: str
    facts: dict[str, Any]
    parent_reference: str
    business_key: str
    at: datetime | None = None  # when the decision was taken (an automatic one: at the deadline)


Effect = SetTimer | CancelTimer | Notify | Audit | StartLinkedCase
