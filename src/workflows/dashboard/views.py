"""The DSP views as plain data and Markdown. Built from references, titles and roles only: no facts."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime

from workflows import clock
from workflows.calendar.london import short_date
from workflows.dashboard.overdue import TABLE_LIMIT, OverdueRow, describe, worst_first
from workflows.dashboard.overdue_stream import OverdueViews
from workflows.definitions.model import Process, Stage
from workflows.engine.state import CaseState, ItemStatus, StageState
from workflows.operations.reports import overdue_items_with_processes
from workflows.operations.runtime import Runtime
from workflows.store.cases import load_case, running_case_references
from workflows.store.outbox import case_messages
from workflows.text.markdown import Markdown, bold, bullets, cat, document, heading, table


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
    """A case's timeline in Markdown: stages and dates, what was sent to whom (roles), pauses, extensions. Every value
    in it (titles from the definition and the directory, reasons people gave, servers' replies) is escaped."""
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

    status = cat("Status: ", bold(state.status.value), f". Started {short_date(state.started_at)}.")
    if state.closed_at:
        status = cat(status, f" Closed {short_date(state.closed_at)}.")
    stages = table(
        ["stage", "status", "owner", "due", "finished", "decision"],
        (_stage_row(process.stages[stage_id], stage, role_title) for stage_id, stage in state.stages.items()),
    )
    moves = _pauses_and_extensions(process, state)
    messages = table(
        ["queued", "kind", "stage", "to", "copy", "status"],
        (
            [
                short_date(row.created_at),
                row.kind,
                (process.stages[row.stage].title if row.stage in process.stages else "-")
                + (f" [{row.task}]" if row.task else ""),
                role_title(row.role),
                role_title(row.copy_role) if row.copy_role else "",
                row.status + (f": {row.error}" if row.error else ""),
            ]
            for row in sent
        ),
    )
    return document(
        heading(1, f"{reference}: {process.title}"),
        status,
        stages,
        *moves,
        heading(2, "Messages"),
        messages,
    )


def _stage_row(stage_def: Stage, stage: StageState, role_title: Callable[[str | None], str]) -> list[str]:
    tasks = ""
    if stage.tasks:
        done = sum(task.status is ItemStatus.DONE for task in stage.tasks.values())
        tasks = f" ({done}/{len(stage.tasks)} returned)"
    decision = stage.decision or ""
    if stage.decided_automatically:
        decision += " (unresolved at deadline)"
    return [
        stage_def.title,
        f"{stage.status.value}{tasks}",
        role_title(stage_def.owner),
        short_date(stage.due_at, with_time=stage_def.due.is_elapsed_time),
        short_date(stage.finished_at),
        decision,
    ]


def _pauses_and_extensions(process: Process, state: CaseState) -> list[Markdown | list[Markdown]]:
    shifts = [
        (process.stages[stage_id].title + (f" [{task}]" if task else ""), shift)
        for stage_id, stage in state.stages.items()
        for task, item in [(None, stage), *stage.tasks.items()]
        for shift in item.shifts
    ]
    if not state.pauses and not shifts:
        return []
    lines = [
        [
            f"Paused {short_date(pause.started_at)}",
            f" to {short_date(pause.ended_at)}" if pause.ended_at else " (still paused)",
            ": ",
            pause.reason,
        ]
        for pause in state.pauses
    ]
    lines += [[f"{title}: {shift.kind} of {shift.amount} (", shift.reason, ")"] for title, shift in shifts]
    return [heading(2, "Pauses and extensions"), bullets(lines)]


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
