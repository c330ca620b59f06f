"""What is exported is safe to open (issue 21, class 2): no cell of a csv or xlsx report starts with what a
spreadsheet runs (`=`, `+`, `-`, `@`, a tab or carriage return, or their full-width forms), whatever the
directory's and definitions' names hold; such a cell is written as text behind an apostrophe (OWASP), and the
workbook holds no formula. Read back with Python's csv and with openpyxl."""

from __future__ import annotations

import csv
import io
from collections import Counter
from datetime import UTC, date, datetime

from hostile_text import folded
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from workflows.operations.report_period import ReportingPeriod
from workflows.operations.timeliness import AgencyTally, ProcessTally, StageTally, TimelinessReport
from workflows.reporting.disclosure import Disclosure
from workflows.reporting.documents import ReportFormat, render_report
from workflows.reporting.safe_cells import FORMULA_OPENINGS

OPENINGS = sorted(FORMULA_OPENINGS)
names = st.builds(
    lambda opening, rest: opening + rest,
    st.sampled_from([*OPENINGS, "", " ", "'", '"']),
    st.sampled_from(['HYPERLINK("http://evil.example","x")', "1+1", "cmd|' /C calc'!A0", "SUM(A1:A9)", "Agency"])
    | st.text(max_size=10),
)


def report_with(agency: str, process: str, stage: str) -> TimelinessReport:
    tally = StageTally("p", "s", stage, completed=8, within=6, working_days=[3] * 8, escalations=Counter({1: 2}))
    processes = [ProcessTally("p", process, started=9, closed=7, case_working_days=[5] * 7, stages={"s": tally})]
    agencies = [AgencyTally("a", agency, tasks=9, completed=8, within=6, overdue_now=1, escalations_received=2)]
    period = ReportingPeriod(date(2026, 4, 1), date(2027, 3, 31))
    return TimelinessReport(process, period, datetime(2026, 12, 1, tzinfo=UTC), None, processes, agencies, [])


def assert_safe(cell: str) -> None:
    assert cell[:1] not in FORMULA_OPENINGS, cell


@settings(max_examples=150, deadline=None)
@given(names, names, names, st.booleans())
def test_no_exported_cell_is_a_formula(agency, process, stage, public):
    report = report_with(agency, process, stage)
    disclosure = Disclosure(5 if public else None)
    rows = list(csv.reader(io.StringIO(render_report(report, ReportFormat.CSV, disclosure), newline="")))
    cells = [cell for row in rows for cell in row]
    for cell in cells:
        assert_safe(cell)
    for name in (agency, stage):
        text = folded(name)  # a csv cell is one line
        assert (f"'{text}" if text[:1] in FORMULA_OPENINGS else text) in cells  # kept, behind its apostrophe
    book = load_workbook(io.BytesIO(render_report(report, ReportFormat.XLSX, disclosure)))
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    assert cell.value[:1] not in FORMULA_OPENINGS, (sheet.title, cell.coordinate, cell.value)
