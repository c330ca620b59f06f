"""What can happen to a case: the business unit's and practitioners' commands, and timers firing."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from workflows.calendar.durations import Duration
from workflows.engine.state import Slot


@dataclass(frozen=True, slots=True)
class Complete:
    stage: str
    task: str | None = None
    by: str | None = None
    note: str | None = None


@dataclass(frozen=True, slots=True)
class Decide:
    stage: str
    option: str
    by: str | None = None
    note: str | None = None
    # Facts for the process the option starts, known only when deciding (e.g. which agencies).
    facts: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Pause:
    reason: str
    by: str | None = None


@dataclass(frozen=True, slots=True)
class Resume:
    by: str | None = None


@dataclass(frozen=True, slots=True)
class Extend:
    stage: str
    amount: Duration
    reason: str
    approved_by: str
    # The roles the approver holds, looked up in the directory by the shell: the engine stays pure.
    approver_roles: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True, slots=True)
class RequestExtension:
    """Someone asks for more time on a stage (or one task of it); the approver role is told."""

    stage: str
    amount: Duration
    reason: str
    by: str
    task: str | None = None


@dataclass(frozen=True, slots=True)
class ApproveExtension:
    """The approver grants request `request`: the deadline moves as an Extend would move it."""

    request: int
    by: str
    # The roles the approver holds, looked up in the directory by the shell, as for Extend.
    approver_roles: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True, slots=True)
class RefuseExtension:
    """The approver refuses request `request`: the deadline stays, and the person who asked is told."""

    request: int
    by: str
    approver_roles: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True, slots=True)
class Reassign:
    stage: str
    to: str
    reason: str
    task: str | None = None
    by: str | None = None


@dataclass(frozen=True, slots=True)
class Cancel:
    reason: str
    by: str | None = None


@dataclass(frozen=True, slots=True)
class Acknowledge:
    """The recipient of an escalation says they have it in hand (stops nothing; recorded)."""

    stage: str
    task: str | None = None
    by: str | None = None


@dataclass(frozen=True, slots=True)
class FireTimer:
    slot: Slot


Command = (
    Complete
    | Decide
    | Pause
    | Resume
    | Extend
    | RequestExtension
    | ApproveExtension
    | RefuseExtension
    | Reassign
    | Cancel
    | Acknowledge
    | FireTimer
)
