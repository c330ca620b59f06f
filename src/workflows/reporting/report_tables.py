"""The timeliness report as tables: the one shape every format (table, csv, json, xlsx) is written from."""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from workflows.calendar.london import to_london
from workflows.operations.timeliness import ReturnStatus, StageTally, TimelinessReport
from workflows.reporting.complementary import Relations, protect
from workflows.reporting.disclosure import Disclosure

Value = int | float | str | None


class Kind(StrEnum):
    TEXT = "text"
    COUNT = "count"
    PERCENT = "percent"  # a fraction, 0 to 1
    NUMBER = "number"
    DATE = "date"  # ISO text, London


@dataclass(frozen=True, slots=True)
class Column:
    key: str  # the JSON field
    heading: str
    kind: Kind


@dataclass(frozen=True, slots=True)
class Table:
    key: str
    title: str
    columns: tuple[Column, ...]
    rows: list[list[Value]]
    note: str = ""

    def records(self) -> list[dict[str, Value]]:
        return [{column.key: value for column, value in zip(self.columns, row, strict=True)} for row in self.rows]


def median(values: Sequence[int]) -> float | None:
    return float(statistics.median(values)) if values else None


def percentile_90(values: Sequence[int]) -> float | None:
    """The nearest-rank 90th percentile: the smallest value at least 90% of the values do not exceed."""
    if not values:
        return None
    ordered = sorted(values)
    return float(ordered[math.ceil(0.9 * len(ordered)) - 1])


def rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _date(moment: datetime | None) -> str | None:
    return to_london(moment).date().isoformat() if moment else None


def report_tables(report: TimelinessReport, disclosure: Disclosure) -> list[Table]:
    return [
        _protected(
            _processes_table(report, disclosure), _processes_table(report, Disclosure()), PROCESS_RELATIONS, disclosure
        ),
        _protected(
            _agencies_table(report, disclosure), _agencies_table(report, Disclosure()), AGENCY_RELATIONS, disclosure
        ),
        _audit_rounds_table(report),
        _audit_returns_table(report),
    ]


AGENCY_RELATIONS = Relations(additive=(), completed="completed", within="on_time", percent="on_time_percent")
PROCESS_RELATIONS = Relations(
    additive=("stages_completed", "within_timescale", "overdue_now", "extensions"),
    completed="stages_completed",
    within="within_timescale",
    percent="within_timescale_percent",
)
ALL_STAGES = "All stages"


def _protected(shown: Table, truth: Table, relations: Relations, disclosure: Disclosure) -> Table:
    """`shown` with the complementary suppression that stops subtraction (complementary.py): within each process,
    its "All stages" row is the sum of its stage rows."""
    if not disclosure.public:
        return shown
    keys = [column.key for column in shown.columns]
    escalations = tuple(key for key in keys if key.startswith("escalations_level_"))
    relations = Relations((*relations.additive, *escalations), relations.completed, relations.within, relations.percent)
    groups: list[list[int]] = []
    if "stage" in keys:
        for row, record in enumerate(shown.records()):
            if record["stage"] == ALL_STAGES:
                groups.append([row])
            elif groups:
                groups[-1].append(row)
    counts = frozenset(column.key for column in shown.columns if column.kind is Kind.COUNT)
    protected = protect(shown.records(), truth.records(), groups, relations, disclosure, counts)
    rows = [[record[key] for key in keys] for record in protected]
    return Table(shown.key, shown.title, shown.columns, rows, shown.note)


def _escalation_levels(report: TimelinessReport) -> list[int]:
    found = {level for process in report.processes for level in process.escalations}
    return list(range(1, max(found, default=1) + 1))


def _processes_table(report: TimelinessReport, disclosure: Disclosure) -> Table:
    levels = _escalation_levels(report)
    columns = (
        Column("process", "Process", Kind.TEXT),
        Column("stage", "Stage", Kind.TEXT),
        Column("cases_started", "Cases started", Kind.COUNT),
        Column("cases_closed", "Cases closed", Kind.COUNT),
        Column("stages_completed", "Stages completed", Kind.COUNT),
        Column("within_timescale", "Within timescale", Kind.COUNT),
        Column("within_timescale_percent", "Within timescale %", Kind.PERCENT),
        Column("median_working_days", "Median working days", Kind.NUMBER),
        Column("p90_working_days", "90th percentile working days", Kind.NUMBER),
        Column("overdue_now", "Overdue now", Kind.COUNT),
        *(Column(f"escalations_level_{level}", f"Escalations level {level}", Kind.COUNT) for level in levels),
        Column("extensions", "Extensions granted", Kind.COUNT),
        Column("paused_working_days", "Working days paused", Kind.NUMBER),
    )
    rows: list[list[Value]] = []
    for process in report.processes:
        completed, within = process.completed, process.within
        rows.append(
            [
                process.title,
                ALL_STAGES,
                disclosure.count(process.started),
                disclosure.count(process.closed),
                *_timeliness(disclosure, completed, within, process.case_working_days),
                disclosure.count(process.overdue_now),
                *(disclosure.count(process.escalations[level]) for level in levels),
                disclosure.count(process.extensions),
                disclosure.figure(process.paused_working_days, process.paused_cases),
            ]
        )
        rows += [_stage_row(process.title, stage, levels, disclosure) for stage in process.stages.values()]
    note = (
        "Each process's first row is the whole process: its cases started and closed in the period, every stage "
        "completed, and working days from start to close of the cases closed. Within timescale: completed by the "
        "deadline as it stood (moved by pauses and approved extensions). Working days leave paused time out."
    )
    return Table("processes", "Processes and stages", columns, rows, note)


def _on_time(disclosure: Disclosure, completed: int, within: int) -> list[Value]:
    """Completed, within the timescale, and the percentage: each shown only if nothing small can be read from it."""
    return [
        disclosure.count(completed),
        disclosure.part_of(within, completed),
        disclosure.figure(rate(within, completed), completed, within, completed - within),
    ]


def _timeliness(disclosure: Disclosure, completed: int, within: int, taken: Sequence[int]) -> list[Value]:
    return [
        *_on_time(disclosure, completed, within),
        disclosure.figure(median(taken), len(taken)),
        disclosure.figure(percentile_90(taken), len(taken)),
    ]


def _stage_row(process_title: str, stage: StageTally, levels: list[int], disclosure: Disclosure) -> list[Value]:
    return [
        process_title,
        stage.title,
        None,
        None,
        *_timeliness(disclosure, stage.completed, stage.within, stage.working_days),
        disclosure.count(stage.overdue_now),
        *(disclosure.count(stage.escalations[level]) for level in levels),
        disclosure.count(stage.extensions),
        disclosure.figure(stage.paused_working_days, stage.paused_items),
    ]


def _agencies_table(report: TimelinessReport, disclosure: Disclosure) -> Table:
    columns = (
        Column("agency", "Agency", Kind.TEXT),
        Column("tasks", "Tasks", Kind.COUNT),
        Column("completed", "Completed", Kind.COUNT),
        Column("on_time", "On time", Kind.COUNT),
        Column("on_time_percent", "On time %", Kind.PERCENT),
        Column("overdue_now", "Overdue now", Kind.COUNT),
        Column("escalations_received", "Escalations received", Kind.COUNT),
    )
    rows: list[list[Value]] = [
        [
            agency.name,
            disclosure.count(agency.tasks),
            *_on_time(disclosure, agency.completed, agency.within),
            disclosure.count(agency.overdue_now),
            disclosure.count(agency.escalations_received),
        ]
        for agency in report.agencies
    ]
    note = "Tasks: the agency's items that opened in the period. On time: completed in the period by the deadline."
    return Table("agencies", "Agencies", columns, rows, note)


def _audit_rounds_table(report: TimelinessReport) -> Table:
    statuses = list(ReturnStatus)
    columns = (
        Column("round", "Round", Kind.TEXT),
        Column("process", "Audit", Kind.TEXT),
        Column("started", "Started", Kind.DATE),
        Column("state", "State", Kind.TEXT),
        Column("returns", "Returns asked for", Kind.COUNT),
        *(Column(status.name.lower(), status.value.capitalize(), Kind.COUNT) for status in statuses),
    )
    rows: list[list[Value]] = [
        [
            found.reference,
            found.process_title,
            _date(found.started_at),
            found.state,
            len(found.returns),
            *(found.count(status) for status in statuses),
        ]
        for found in report.audit_rounds
    ]
    note = "Audit rounds count agencies' and schools' returns, not children: --public leaves them as they are."
    return Table("audit_rounds", "Audit rounds", columns, rows, note)


def _audit_returns_table(report: TimelinessReport) -> Table:
    columns = (
        Column("round", "Round", Kind.TEXT),
        Column("stage", "Return", Kind.TEXT),
        Column("agency", "Agency", Kind.TEXT),
        Column("due", "Due", Kind.DATE),
        Column("returned", "Returned", Kind.DATE),
        Column("status", "Status", Kind.TEXT),
    )
    rows: list[list[Value]] = [
        [
            found.round_reference,
            found.stage_title,
            found.agency_name,
            _date(found.due_at),
            _date(found.returned_at),
            found.status.value,
        ]
        for audit_round in report.audit_rounds
        for found in audit_round.returns
    ]
    return Table("audit_returns", "Audit returns by agency", columns, rows)
