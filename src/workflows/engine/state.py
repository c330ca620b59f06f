"""Case state: plain data, serialisable to JSON, owned by the engine."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields, replace
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from workflows.engine.vocabulary import ShiftKind


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


@dataclass
class StageState(ItemState):
    opened_at: datetime | None = None
    agency: str | None = None  # whose agency role owns it, for agency-scoped owners
    anchor: str | None = None  # what the deadline counted from, for `explain`
    anchor_at: datetime | None = None
    base_due_at: datetime | None = None  # before pauses and extensions
    base_due_day: date | None = None
    skipped_days: list[tuple[date, str]] = field(default_factory=list)
    shifts: list[Shift] = field(default_factory=list)
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


# JSON: dates and datetimes as tagged ISO strings so they come back as the same types.
def _encode(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"$dt": value.isoformat()}
    if isinstance(value, date):
        return {"$d": value.isoformat()}
    if isinstance(value, dict):
        return {key: _encode(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_encode(item) for item in value]
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, dict):
        if "$dt" in value:
            return datetime.fromisoformat(value["$dt"])
        if "$d" in value:
            return date.fromisoformat(value["$d"])
        return {key: _decode(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_decode(item) for item in value]
    return value


def _item_fields(item: ItemState) -> dict[str, Any]:
    return {name: getattr(item, name) for name in _ITEM_FIELDS}


def _stage_fields(stage: StageState) -> dict[str, Any]:
    fields = {name: getattr(stage, name) for name in _STAGE_FIELDS}
    fields["shifts"] = [asdict(shift) for shift in stage.shifts]
    fields["tasks"] = {item: _item_fields(task) for item, task in stage.tasks.items()}
    return fields


def case_to_json(case: CaseState) -> dict[str, Any]:
    # Written out rather than dataclasses.asdict: this runs on every step, and asdict deep-copies.
    fields = {name: getattr(case, name) for name in _CASE_FIELDS}
    fields["stages"] = {stage_id: _stage_fields(stage) for stage_id, stage in case.stages.items()}
    fields["pauses"] = [asdict(pause) for pause in case.pauses]
    fields["extension_requests"] = [asdict(request) for request in case.extension_requests]
    return _encode(fields)


def clone(case: CaseState) -> CaseState:
    """A copy sharing nothing mutable with `case` (a structured copy: far cheaper than copy.deepcopy)."""
    facts = {name: list(value) if isinstance(value, list) else value for name, value in case.facts.items()}
    stages = {
        stage_id: replace(
            stage,
            skipped_days=list(stage.skipped_days),
            shifts=[replace(shift) for shift in stage.shifts],
            tasks={item: replace(task) for item, task in stage.tasks.items()},
        )
        for stage_id, stage in case.stages.items()
    }
    return replace(
        case,
        facts=facts,
        stages=stages,
        pauses=[replace(pause) for pause in case.pauses],
        extension_requests=[replace(request) for request in case.extension_requests],
    )


def _item(data: dict[str, Any]) -> ItemState:
    return ItemState(**{**data, "status": ItemStatus(data["status"])})


def _shift(data: dict[str, Any]) -> Shift:
    return Shift(**{**data, "kind": ShiftKind(data["kind"])})


def _extension_request(data: dict[str, Any]) -> ExtensionRequest:
    return ExtensionRequest(**{**data, "status": RequestStatus(data["status"])})


def _stage(data: dict[str, Any]) -> StageState:
    return StageState(
        **{
            **data,
            "status": ItemStatus(data["status"]),
            "skipped_days": [tuple(pair) for pair in data["skipped_days"]],
            "shifts": [_shift(shift) for shift in data["shifts"]],
            "tasks": {item: _item(task) for item, task in data["tasks"].items()},
        }
    )


def case_from_json(raw: dict[str, Any]) -> CaseState:
    data = _decode(raw)
    return CaseState(
        **{
            **data,
            "status": CaseStatus(data["status"]),
            "stages": {stage_id: _stage(stage) for stage_id, stage in data["stages"].items()},
            "pauses": [Pause(**pause) for pause in data["pauses"]],
            # States stored before requests were part of the case have none.
            "extension_requests": [_extension_request(r) for r in data.get("extension_requests", [])],
        }
    )


_ITEM_FIELDS = tuple(f.name for f in fields(ItemState))
_STAGE_FIELDS = tuple(f.name for f in fields(StageState) if f.name not in ("shifts", "tasks"))
_CASE_FIELDS = tuple(f.name for f in fields(CaseState) if f.name not in ("stages", "pauses", "extension_requests"))
