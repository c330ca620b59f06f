"""What can happen to a case: the business unit's and practitioners' commands, and timers firing."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from workflows.calendar.durations import Duration
from workflows.engine.parties import Actor
from workflows.engine.state import Slot

# Every command a person gives carries `actor`: what the directory says `by` holds, looked up by the shell (the
# engine stays pure) and checked by the engine against engine/parties/. Without `by`, the business unit acts
# from the command line.


@dataclass(frozen=True, slots=True)
class Complete:
    stage: str
    task: str | None = None
    by: str | None = None
    note: str | None = None
    actor: Actor | None = None


@dataclass(frozen=True, slots=True)
class Decide:
    stage: str
    option: str
    by: str | None = None
    note: str | None = None
    # Facts for the process the option starts, known only when deciding (e.g. which agencies).
    facts: dict[str, Any] = field(default_factory=dict)
    actor: Actor | None = None


@dataclass(frozen=True, slots=True)
class Pause:
    reason: str
    by: str | None = None


@dataclass(frozen=True, slots=True)
class Resume:
    by: str | None = None


@dataclass(frozen=True, slots=True)
class Extend:
    """An approver's extension given directly (no request): the stage, or only one task of it, moves."""

    stage: str
    amount: Duration
    reason: str
    approved_by: str
    task: str | None = None
    actor: Actor | None = None  # the approver, as the directory has them


@dataclass(frozen=True, slots=True)
class RequestExtension:
    """Someone asks for more time on a stage (or one task of it); the approver role is told."""

    stage: str
    amount: Duration
    reason: str
    by: str
    task: str | None = None
    actor: Actor | None = None


@dataclass(frozen=True, slots=True)
class ApproveExtension:
    """The approver grants request `request`: the deadline of what was asked about moves, as an Extend would."""

    request: int
    by: str
    actor: Actor | None = None


@dataclass(frozen=True, slots=True)
class RefuseExtension:
    """The approver refuses request `request`: the deadline stays, and the person who asked is told."""

    request: int
    by: str
    actor: Actor | None = None


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
    actor: Actor | None = None


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
