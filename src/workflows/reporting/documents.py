"""The timeliness report written in the format asked for: its heading, its definitions, then its tables."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from workflows.calendar.london import to_london
from workflows.operations.timeliness import TimelinessReport
from workflows.reporting.disclosure import Disclosure
from workflows.reporting.report_tables import report_tables


class ReportFormat(StrEnum):
    TABLE = "table"
    CSV = "csv"
    JSON = "json"
    XLSX = "xlsx"


# What the figures mean, as README.md's "Reporting" says it: printed with every report.
DEFINITIONS = (
    ("Period", "Whole days in London time, both ends included. Without --from and --to: the reporting year."),
    (
        "Within timescale",
        "A stage (or an agency's task) done by its deadline as it stood: the deadline its process set when it "
        "opened, later by the working days the case was paused, and later again by any extension the approver "
        "granted. Extensions are counted in their own column.",
    ),
    (
        "Working days",
        "From the day a stage opened to the day it was done, counting working days on the process's calendar and "
        "leaving out the working days the case was paused. Median, and 90th percentile by nearest rank.",
    ),
    ("Overdue now", "Open items of running cases past their deadline when the report was made."),
    ("Escalations", "Escalation steps taken in the period, by the level of the ladder they reached."),
)


def report_heading(report: TimelinessReport, disclosure: Disclosure) -> list[str]:
    lines = [
        f"{report.partnership}: timeliness, {report.period.label()}",
        f"made {to_london(report.generated_at):%Y-%m-%d %H:%M} (London)"
        + (f", process {report.process_filter}" if report.process_filter else ""),
    ]
    if disclosure.public:
        lines.append(
            f"for publication: counts of 1 to {disclosure.suppress_below - 1} show as 'fewer than "  # type: ignore[operator]
            f"{disclosure.suppress_below}', figures built on them are withheld, and so is whatever else would let "
            "them be worked out by subtraction"
        )
    return lines


def render_report(report: TimelinessReport, output: ReportFormat, disclosure: Disclosure) -> str | bytes:
    tables = report_tables(report, disclosure)
    heading = report_heading(report, disclosure)
    if output is ReportFormat.TABLE:
        from workflows.reporting.text_output import text_report

        return text_report(heading, tables)
    if output is ReportFormat.CSV:
        from workflows.reporting.csv_output import csv_report

        return csv_report(heading, tables)
    if output is ReportFormat.JSON:
        from workflows.reporting.json_output import json_report

        return json_report(_about(report, disclosure), tables)
    from workflows.reporting.xlsx_output import xlsx_report

    about = [("Report", heading[0]), ("Made", heading[1])]
    about += [("Publication", heading[2])] if disclosure.public else []
    return xlsx_report(about + list(DEFINITIONS), tables)


def _about(report: TimelinessReport, disclosure: Disclosure) -> dict[str, Any]:
    return {
        "partnership": report.partnership,
        "period": {"from": report.period.first_day.isoformat(), "to": report.period.last_day.isoformat()},
        "generated_at": to_london(report.generated_at).isoformat(),
        "process": report.process_filter,
        "public": disclosure.public,
        "suppress_below": disclosure.suppress_below,
        "definitions": dict(DEFINITIONS),
    }
