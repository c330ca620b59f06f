"""What the shell must do after a step: timers, messages to queue, audit entries, linked cases."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from workflows.engine.parties import BUSINESS_UNIT, Audience, Party
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

    Its `audience` (engine/parties/: roles at agencies, a person only when one stands in for a role or asked
    for what the message answers) says who gets it; recipients are resolved from the directory when it is sent.
    It carries no fact values: the text is rendered by the notification layer.
    """

    key: str
    kind: MessageKind
    stage: str | None
    task: str | None
    role: str | None  # the role it speaks to (its text and listings); None: the business unit
    audience: Audience = field(default_factory=lambda: Audience((BUSINESS_UNIT,)))
    agency: str | None = None
    copy_role: str | None = None  # the owner's role, named in an escalation
    due_at: datetime | None = None
    urgent: bool = False  # an hour-based deadline: sent at once, even outside working hours
    calendar: str | None = None  # whose working hours it waits for (the process's calendar)
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Readdress:
    """A task changed hands: its messages still waiting to be sent go to `to` instead of `replaced`."""

    slot: Slot
    replaced: tuple[Party, ...]
    to: tuple[Party, ...]


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


Effect = SetTimer | CancelTimer | Notify | Readdress | Audit | StartLinkedCase
