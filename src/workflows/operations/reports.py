"""Read-only views: a case's status, what is overdue or at risk, the audit trail, why a date is what it is."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from workflows import clock
from workflows.calendar.counting import Counting
from workflows.calendar.deadlines import compute_deadline
from workflows.calendar.london import to_london
from workflows.engine.state import CaseState, ItemState, ItemStatus
from workflows.operations.errors import CaseNotFound, InvalidInput
from workflows.operations.inputs import read_reference
from workflows.operations.runtime import Runtime
from workflows.store.audit import case_audit
from workflows.store.cases import load_case
from workflows.store.open_item_stream import stream_open_items
from workflows.store.outbox import DeliveryCounts, delivery_counts, delivery_problems, failed_since

if TYPE_CHECKING:
    from workflows.definitions.model import Process


def _load(runtime: Runtime, reference: str) -> tuple[int, CaseState]:
    reference = read_reference(reference)
    with runtime.db.connect() as connection:
        stored = load_case(connection, reference)
    if stored is None:
        raise CaseNotFound(reference)
    return stored.id, stored.state


def _iso(moment: datetime | None) -> str | None:
    return to_london(moment).isoformat() if moment else None


def _overdue(item: ItemState, now: datetime) -> bool:
    return item.status is ItemStatus.OPEN and item.due_at is not None and item.due_at < now


def status(runtime: Runtime, reference: str) -> dict[str, Any]:
    now = clock.now()
    _, state = _load(runtime, reference)
    with runtime.db.connect() as connection:
        process = runtime.pinned(connection, state.definition_hash).process
    return {
        "reference": state.reference,
        "process": state.process_id,
        # Which definition the case runs on (the one it started with), and whether the library still has it.
        "version": process.version,
        "definition": state.definition_hash[:12],
        "library_version": _library_version(runtime, state.process_id, state.definition_hash),
        "state": state.status.value,
        "stages": [
            {
                "id": stage_id,
                "state": stage.status.value,
                "owner": stage.assignee or process.stages[stage_id].owner,
                "due": _iso(stage.due_at),
                "overdue": (_overdue(stage, now) and not stage.tasks)
                or any(_overdue(task, now) for task in stage.tasks.values()),
                "tasks": [
                    {"item": item, "state": task.status.value, "due": _iso(task.due_at), "overdue": _overdue(task, now)}
                    for item, task in stage.tasks.items()
                ],
            }
            for stage_id, stage in state.stages.items()
        ],
    }


def _library_version(runtime: Runtime, process_id: str, digest: str) -> str:
    """ "same" when the library's definition is the case's; else the library's version, or "none" if it has none."""
    if process_id not in runtime.library.texts:
        return "none"
    definition, _ = runtime.current(process_id)
    return "same" if definition.hash == digest else str(definition.process.version)


@dataclass(frozen=True, slots=True)
class OpenItem:
    reference: str
    process: str
    stage: str
    task: str | None
    owner_role: str
    agency: str | None
    due_at: datetime
    working_days_overdue: int
    escalation_level: int
    at_risk: bool  # not overdue yet, but due within the at-risk window
    undelivered: tuple[str, ...] = ()  # messages about this item that could not be delivered

    def as_json(self) -> dict[str, Any]:
        return {
            "process": self.process,
            "reference": self.reference,
            "stage": self.stage,
            "task": self.task,
            "owner_role": self.owner_role,
            "agency": self.agency,
            "due": _iso(self.due_at),
            "working_days_overdue": self.working_days_overdue,
            "escalation_level": self.escalation_level,
            "status": "at risk" if self.at_risk else "overdue",
            "undelivered": list(self.undelivered),
        }


def at_risk_horizon(runtime: Runtime, calendar_name: str, now: datetime) -> datetime:
    """The end of the at-risk window counted on a calendar: items due by then are at risk."""
    settings = runtime.config.calendar_settings
    calendar = runtime.config.calendar(calendar_name)
    day_ends_at = runtime.config.day_ends_at(calendar_name)
    return compute_deadline(settings.at_risk_within, now, calendar, Counting.NEXT_WORKING_DAY, day_ends_at).at


def widest_at_risk_horizon(runtime: Runtime, now: datetime) -> datetime:
    """The end of the widest at-risk window of any calendar: the open items due by then are all that the overdue
    report may list (each item's own window is its case's calendar's: `overdue` narrows to it)."""
    return max(at_risk_horizon(runtime, name, now) for name in runtime.config.calendar_names())


def overdue(runtime: Runtime, now: datetime | None = None) -> list[OpenItem]:
    """Open items past due, then those due within the at-risk window; most overdue first.

    Working days late and the at-risk window are counted on each case's own calendar (its pinned definition's).
    A list of every item: a command that writes them out reads `overdue_items` instead, one at a time.
    """
    return list(overdue_items(runtime, now))


def overdue_items(runtime: Runtime, now: datetime | None = None) -> Iterator[OpenItem]:
    """`overdue`, one item at a time as the database hands them over: memory stays flat however many there are.
    Take them promptly (into a file, not a slow reader): the read, and on SQLite its lock, lasts until the last."""
    for item, _process in overdue_items_with_processes(runtime, now):
        yield item


def overdue_items_with_processes(runtime: Runtime, now: datetime | None = None) -> Iterator[tuple[OpenItem, Process]]:
    """`overdue_items`, each with the process its case started with (its pinned definition), for views that
    name stages by their titles. The connection stays open until the last item is taken (or the iterator closed).
    """
    now = now or clock.now()
    horizons: dict[str, datetime] = {}
    problems: dict[tuple[int, str, str], list[str]] | None = None
    with runtime.db.connect() as connection:
        for row in stream_open_items(connection, widest_at_risk_horizon(runtime, now)):
            if problems is None:  # read once, and only when something is listed
                problems = delivery_problems(connection)
            definition = runtime.pinned(connection, row.definition_hash)
            calendar_name = definition.rules.calendar.name
            if calendar_name not in horizons:
                horizons[calendar_name] = at_risk_horizon(runtime, calendar_name, now)
            due = to_london(row.due_at)
            if due > horizons[calendar_name]:
                continue  # at risk on a wider calendar, not on its own
            late = due < now
            calendar = runtime.config.calendar(calendar_name)
            item = OpenItem(
                reference=row.reference,
                process=row.process_id,
                stage=row.stage,
                task=row.task or None,
                owner_role=row.owner_role,
                agency=row.agency,
                due_at=due,
                working_days_overdue=calendar.working_days_between(due.date(), now.date()) if late else 0,
                escalation_level=row.escalation_level,
                at_risk=not late,
                undelivered=tuple(problems.get((row.id, row.stage, row.task or ""), ())),
            )
            yield item, definition.process


# How far back `overdue` and the DSP view list messages that could not be delivered.
UNDELIVERED_WITHIN = timedelta(days=14)  # "failed lately": the DSP views and `workflows overdue` alike


def mail_counts(runtime: Runtime) -> DeliveryCounts:
    """Given up on lately (UNDELIVERED_WITHIN), waiting to be sent, and failing for now: the DSPs' headline."""
    with runtime.db.connect() as connection:
        return delivery_counts(connection, clock.wall_now() - UNDELIVERED_WITHIN)


UNDELIVERED_LIMIT = 100


@dataclass(frozen=True, slots=True)
class Undelivered:
    """A message given up on: failed with its reason, whatever its item's state (open, done, or none at all)."""

    reference: str | None  # None: a partnership-wide message, such as the daily digest
    kind: str
    stage: str | None
    task: str | None
    reason: str
    queued_at: datetime

    def line(self) -> str:
        where = f"{self.reference or 'partnership'}" + (f" {self.stage}" if self.stage else "")
        where += f"[{self.task}]" if self.task else ""
        return f"{where} {self.kind}: {self.reason}"


def undelivered(runtime: Runtime) -> list[Undelivered]:
    """Messages given up on in the last UNDELIVERED_WITHIN of real time (delivery runs on the real clock, whatever
    a rehearsal's says), newest first (at most UNDELIVERED_LIMIT)."""
    with runtime.db.connect() as connection:
        rows = failed_since(connection, clock.wall_now() - UNDELIVERED_WITHIN, UNDELIVERED_LIMIT)
    return [
        Undelivered(row.reference, row.kind, row.stage, row.task, row.error or "no reason recorded", row.created_at)
        for row in rows
    ]


def history(runtime: Runtime, reference: str) -> list[dict[str, Any]]:
    case_id, _ = _load(runtime, reference)
    with runtime.db.connect() as connection:
        return [
            {
                "at": _iso(row.at),
                "actor": row.actor,
                "action": row.action,
                "stage": row.stage,
                "task": row.task,
                "detail": row.detail,
                "clock_set": row.clock_set,
            }
            for row in case_audit(connection, case_id)
        ]


def explain(runtime: Runtime, reference: str, stage_id: str, task: str | None = None) -> list[str]:
    """Why a stage's due date (or one task's of it) is what it is, in plain lines."""
    _, state = _load(runtime, reference)
    stage = state.stages.get(stage_id)
    if stage is None:
        raise InvalidInput(f"{reference} has no stage {stage_id!r} (stages: {', '.join(state.stages)})", field="stage")
    if task is not None and task not in stage.tasks:
        known = f" (tasks: {', '.join(stage.tasks)})" if stage.tasks else ""
        raise InvalidInput(f"stage {stage_id!r} of {reference} has no task {task!r}{known}", field="task")
    with runtime.db.connect() as connection:
        definition = runtime.pinned(connection, state.definition_hash)
    stage_def = definition.process.stages[stage_id]
    rules = definition.rules
    if stage.due_at is None:
        return [f"{stage_def.title}: not open yet, so it has no due date ({stage.status.value})"]
    lines = [
        f"{stage_def.title} ({stage_id}) in {reference}, {definition.process.title} v{definition.process.version}",
        f"rule: {stage_def.due}",
        f"anchor: {stage.anchor} = {_iso(stage.anchor_at)}",
        f"calendar: {rules.calendar.name}, counting {(stage_def.counting or rules.counting).value}, "
        f"day ends {rules.day_ends_at:%H:%M}",
    ]
    lines += [f"skipped {day.isoformat()}: {reason}" for day, reason in stage.skipped_days]
    base = stage.base_due_day.isoformat() if stage.base_due_day else _iso(stage.base_due_at)
    lines.append(f"due by the rule: {base}")
    item = stage.tasks[task] if task is not None else stage
    for shift in [*stage.shifts, *(item.shifts if task is not None else [])]:
        who = f", by {shift.by}" if shift.by else ""
        lines.append(f"{shift.kind} of {shift.amount} ({shift.reason}{who}) on {to_london(shift.at):%Y-%m-%d}")
    if task is not None and item.status is ItemStatus.DONE:
        lines.append(f"task {task}: done, against the deadline it had then")
    due = item.due_day.isoformat() if item.due_day else _iso(item.due_at)
    lines.append(f"due: {due} (late after {_iso(item.due_at)})")
    return lines
