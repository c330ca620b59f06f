"""What the DSPs' daily pictures show, drawn from the timeliness report: the year's headline figures per process,
each process's on-time rate month by month, and what is overdue at each agency now. Counts only: no child data."""

from __future__ import annotations

from datetime import date
from typing import Any

from workflows.operations.timeliness import TimelinessReport
from workflows.reporting.cell_text import cell_text
from workflows.reporting.report_tables import Kind, rate


def headline_rows(report: TimelinessReport) -> list[dict[str, Any]]:
    """One row per process for the reporting year so far (a Prefect table artifact's rows)."""
    rows = []
    for process in report.processes:
        on_time = rate(process.within, process.completed)
        rows.append(
            {
                "Process": process.title,
                "Cases started": process.started,
                "Cases closed": process.closed,
                "Stages completed": process.completed,
                "Within timescale": process.within,
                "Within timescale %": cell_text(on_time, Kind.PERCENT) or "-",
                "Overdue now": process.overdue_now,
                "Escalations": sum(process.escalations.values()),
                "Extensions granted": process.extensions,
            }
        )
    return rows


def on_time_by_month(report: TimelinessReport, months: list[date]) -> dict[str, list[tuple[date, float | None]]]:
    """Each process with a stage completed in `months`: its share completed within the timescale, month by month
    (None for a month with none completed)."""
    series: dict[str, list[tuple[date, float | None]]] = {}
    for process in report.processes:
        points: list[tuple[date, float | None]] = []
        for month in months:
            completed, within = process.monthly.get(month, (0, 0))
            points.append((month, rate(within, completed)))
        if any(value is not None for _, value in points):
            series[process.title] = points
    return series


def overdue_by_agency(report: TimelinessReport) -> list[tuple[str, int]]:
    """Agencies with items overdue now, most first."""
    found = [(agency.name, agency.overdue_now) for agency in report.agencies if agency.overdue_now]
    return sorted(found, key=lambda pair: (-pair[1], pair[0]))
