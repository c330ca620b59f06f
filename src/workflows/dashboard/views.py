"""The DSP views as plain data and Markdown. Built from references, titles and roles only: no facts."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from workflows import clock
from workflows.calendar.london import short_date
from workflows.dashboard.overdue import TABLE_LIMIT, OverdueRow, describe, worst_first
from workflows.dashboard.overdue_stream import OverdueViews
from workflows.engine.state import ItemStatus
from workflows.operations.reports import overdue_items_with_processes
from workflows.operations.runtime import Runtime
from workflows.store.cases import load_case, running_case_references
from workflows.store.outbox import case_messages


def overdue_rows(runtime: Runtime, now: datetime | None = None) -> Iterator[OverdueRow]:
    """Every overdue or at-risk item, one at a time as the database streams them (earliest due first), titled
    from the definition its case started with. Reads definition hashes, never a case's state (nor its facts)."""
    directory = runtime.config.directory
    for item, process in overdue_items_with_processes(runtime, now or clock.now()):
        yield describe(item, process, directory)


def overdue_list(runtime: Runtime, now: datetime | None = None) -> list[OverdueRow]:
    """Every overdue or at-risk item, worst first (all of them in memory: the views stream `overdue_rows`)."""
    return sorted(overdue_rows(runtime, now), key=worst_first)


def overdue_views(runtime: Runtime, now: datetime | None = None, limit: int = TABLE_LIMIT) -> OverdueViews:
    """Both overdue views, from one streamed query: however many items, only the table's worst are held."""
    views = OverdueViews(limit)
    for row in overdue_rows(runtime, now):
        views.add(row)
    return views


def case_timeline(runtime: Runtime, reference: str) -> str:
    """A case's timeline in Markdown: stages and dates, what was sent to whom (roles), pauses, extensions."""
    with runtime.db.connect() as connection:
        stored = load_case(connection, reference)
        if stored is None:
            raise KeyError(reference)
        process = runtime.pinned(connection, stored.state.definition_hash).process
        sent = case_messages(connection, stored.id)
    state = stored.state
    roles = runtime.config.directory.roles

    def role_title(key: str | None) -> str:
        return roles[key].title if key in roles else (key or "business unit")

    lines = [
        f"# {reference}: {process.title}",
        "",
        f"Status: **{state.status.value}**. Started {short_date(state.started_at)}."
        + (f" Closed {short_date(state.closed_at)}." if state.closed_at else ""),
        "",
        "| stage | status | owner | due | finished | decision |",
        "|---|---|---|---|---|---|",
    ]
    for stage_id, stage in state.stages.items():
        stage_def = process.stages[stage_id]
        tasks = ""
        if stage.tasks:
            done = sum(task.status is ItemStatus.DONE for task in stage.tasks.values())
            tasks = f" ({done}/{len(stage.tasks)} returned)"
        decision = stage.decision or ""
        if stage.decided_automatically:
            decision += " (unresolved at deadline)"
        lines.append(
            f"| {stage_def.title} | {stage.status.value}{tasks} | {role_title(stage_def.owner)} | "
            f"{short_date(stage.due_at, with_time=stage_def.due.is_elapsed_time)} | "
            f"{short_date(stage.finished_at)} | {decision} |"
        )
    shifts = [(stage_id, shift) for stage_id, stage in state.stages.items() for shift in stage.shifts]
    if state.pauses or shifts:
        lines += ["", "## Pauses and extensions", ""]
        for pause in state.pauses:
            until = f" to {short_date(pause.ended_at)}" if pause.ended_at else " (still paused)"
            lines.append(f"- Paused {short_date(pause.started_at)}{until}: {pause.reason}")
        for stage_id, shift in shifts:
            lines.append(f"- {process.stages[stage_id].title}: {shift.kind} of {shift.amount} ({shift.reason})")
    lines += ["", "## Messages", "", "| queued | kind | stage | to | copy | status |", "|---|---|---|---|---|---|"]
    for row in sent:
        stage = process.stages[row.stage].title if row.stage in process.stages else "-"
        task = f" [{row.task}]" if row.task else ""
        status = row.status + (f": {row.error}" if row.error else "")
        lines.append(
            f"| {short_date(row.created_at)} | {row.kind} | {stage}{task} | {role_title(row.role)} | "
            f"{role_title(row.copy_role) if row.copy_role else ''} | {status} |"
        )
    return "\n".join(lines) + "\n"


@dataclass(frozen=True, slots=True)
class RoundProgress:
    reference: str
    process: str
    returned: int
    total: int

    @property
    def percent(self) -> float:
        return 100.0 * self.returned / self.total if self.total else 100.0


def audit_round_progress(runtime: Runtime) -> list[RoundProgress]:
    """For each open round of a recurring, fanned-out process: how many agencies or schools have returned."""
    recurring = {pid for pid, process in runtime.library.processes.items() if process.recurs}
    progress = []
    with runtime.db.connect() as connection:
        for reference in running_case_references(connection, recurring):
            stored = load_case(connection, reference)
            assert stored is not None
            process = runtime.pinned(connection, stored.state.definition_hash).process
            # The round's returns: its first fanned-out stage (before it opens, nobody has returned yet).
            returns = next((stage_id for stage_id, stage in process.stages.items() if stage.for_each), None)
            if returns is None:
                continue
            stage = stored.state.stages[returns]
            total = len(stage.tasks) or len(stored.state.facts.get(process.stages[returns].for_each or "") or [])
            returned = sum(task.status is ItemStatus.DONE for task in stage.tasks.values())
            progress.append(RoundProgress(reference, stored.state.process_id, returned, total))
    return progress
