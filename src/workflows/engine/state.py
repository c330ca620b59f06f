"""Case state: plain data owned by the engine (stored as JSON by engine/state_codec.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any, TypeVar

from workflows.engine.vocabulary import ShiftKind

_Record = TypeVar("_Record")
_Item = TypeVar("_Item", bound="ItemState")


class CaseStatus(StrEnum):
    OPEN = "open"
    PAUSED = "paused"
    CLOSED = "closed"
    CANCELLED = "cancelled"


class ItemStatus(StrEnum):
    WAITING = "waiting"
    OPEN = "open"
    DONE = "done"
    SKIPPED = "skipped"
    CANCELLED = "cancelled"


@dataclass(frozen=True, slots=True, order=True)
class Slot:
    """What a timer belongs to: a stage, or one fanned-out task of it."""

    stage: str
    task: str | None = None

    def __str__(self) -> str:
        return self.stage if self.task is None else f"{self.stage}[{self.task}]"


@dataclass
class Shift:
    """A move of a deadline: a pause (working days or hours) or an approved extension."""

    kind: ShiftKind
    amount: str  # e.g. "3 working days", "5 hours"
    reason: str
    by: str | None
    at: datetime


@dataclass
class ItemState:
    """The part of a stage or task that has its own clock: status, deadline, timers fired, escalation."""

    status: ItemStatus = ItemStatus.WAITING
    due_at: datetime | None = None
    due_day: date | None = None
    fired_through: datetime | None = None  # every timed moment up to here has been handled
    escalation_level: int = 0
    assignee: str | None = None  # a person put in place of the role holders
    finished_at: datetime | None = None
    finished_by: str | None = None
    note: str | None = None
    acknowledged_level: int = 0
    # A stage's pauses and extensions; a task's own extensions (its stage's moves are the stage's).
    shifts: list[Shift] = field(default_factory=list)
    # Where the deadline would be without any extension: set by the first one, so a limit on them all can be kept.
    unextended_due_at: datetime | None = None
    unextended_due_day: date | None = None


@dataclass
class StageState(ItemState):
    opened_at: datetime | None = None
    agency: str | None = None  # whose agency role owns it, for agency-scoped owners
    anchor: str | None = None  # what the deadline counted from, for `explain`
    anchor_at: datetime | None = None
    base_due_at: datetime | None = None  # before pauses and extensions
    base_due_day: date | None = None
    skipped_days: list[tuple[date, str]] = field(default_factory=list)
    due_version: int = 0  # raised whenever the deadline moves, so notices about it get new keys
    decision: str | None = None
    decided_automatically: bool = False
    tasks: dict[str, ItemState] = field(default_factory=dict)


@dataclass
class Pause:
    started_at: datetime
    reason: str
    ended_at: datetime | None = None


class RequestStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REFUSED = "refused"


@dataclass
class ExtensionRequest:
    """Someone asked for more time on a stage (or one task of it); the process's approver role answers.

    `number` is the case's own count of requests, and what an approver's link names. Requests kept in the
    table before they became case state keep that table's id as their number, so links already sent still work.
    """

    number: int
    stage: str
    task: str | None
    amount: str  # as the duration writes itself, e.g. "5 working days"
    reason: str
    requested_by: str
    requested_at: datetime
    status: RequestStatus = RequestStatus.PENDING
    decided_by: str | None = None
    decided_at: datetime | None = None


@dataclass
class CaseState:
    reference: str
    process_id: str
    definition_hash: str
    status: CaseStatus
    started_at: datetime
    facts: dict[str, Any]
    stages: dict[str, StageState]
    pauses: list[Pause] = field(default_factory=list)
    parent_reference: str | None = None
    children: list[str] = field(default_factory=list)
    closed_at: datetime | None = None
    close_reason: str | None = None
    extension_requests: list[ExtensionRequest] = field(default_factory=list)

    def items(self) -> list[tuple[Slot, ItemState]]:
        """Every item with a clock: a stage without tasks, or each task of a fanned-out stage."""
        found: list[tuple[Slot, ItemState]] = []
        for stage_id, stage in self.stages.items():
            if stage.tasks:
                found += [(Slot(stage_id, item), task) for item, task in stage.tasks.items()]
            else:
                found.append((Slot(stage_id), stage))
        return found

    def item(self, slot: Slot) -> ItemState:
        stage = self.stages[slot.stage]
        return stage if slot.task is None else stage.tasks[slot.task]

    @property
    def pause(self) -> Pause | None:
        return self.pauses[-1] if self.pauses and self.pauses[-1].ended_at is None else None

    def extension_request(self, number: int) -> ExtensionRequest | None:
        return next((request for request in self.extension_requests if request.number == number), None)

    def next_request_number(self) -> int:
        return max((request.number for request in self.extension_requests), default=0) + 1


def _copy(value: _Record) -> _Record:
    """A shallow copy of a state dataclass: its fields' dict copied, without dataclasses.replace's __init__ call
    (which costs several times more, and clone runs on every engine step)."""
    copied = object.__new__(type(value))
    copied.__dict__.update(value.__dict__)
    return copied


def clone(case: CaseState) -> CaseState:
    """A copy sharing nothing mutable with `case` (a structured copy: far cheaper than copy.deepcopy)."""
    copied = _copy(case)
    copied.facts = {name: list(value) if isinstance(value, list) else value for name, value in case.facts.items()}
    copied.stages = {stage_id: _copy_stage(stage) for stage_id, stage in case.stages.items()}
    copied.pauses = [_copy(pause) for pause in case.pauses]
    copied.children = list(case.children)
    copied.extension_requests = [_copy(request) for request in case.extension_requests]
    return copied


def _copy_item(item: _Item) -> _Item:
    copied = _copy(item)
    copied.shifts = [_copy(shift) for shift in item.shifts]
    return copied


def _copy_stage(stage: StageState) -> StageState:
    copied = _copy_item(stage)
    copied.skipped_days = list(stage.skipped_days)
    copied.tasks = {item: _copy_item(task) for item, task in stage.tasks.items()}
    return copied
