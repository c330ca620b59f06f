"""`workflows report` over a history whose answers are worked out by hand.

Dates (England and Wales): Good Friday 3 April and Easter Monday 6 April 2026; Good Friday 26 March and Easter
Monday 29 March 2027. The reporting year runs April to March (config default).

review (one stage, 5 working days from the start):
  A  started Mon 30 Mar 2026 (the year before), done Thu 2 Apr: on time, 3 working days, closed in 2026-27
  B  started Wed 3 Jun, due Wed 10 Jun, done Fri 12 Jun: late, 7 working days
  C  started Mon 1 Jun, paused Tue 2 Jun to Mon 8 Jun (4 working days), done Wed 10 Jun: on time (the pause
     moved the deadline), 7 - 4 = 3 working days
  D  started Mon 1 Jun, due Mon 8 Jun, extended 3 working days on Fri 5 Jun, done Wed 10 Jun: on time, 7
  E  started Tue 30 Mar 2027 (this year), done Thu 1 Apr 2027 (next year): on time, 2 working days
audit (recurring; returns from each agency, 10 working days): F started Mon 1 Jun 2026, due Mon 15 Jun; the
  police return on Wed 10 Jun; the council's is never returned, escalated on Wed 17 Jun.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workflows.calendar.london import to_london
from workflows.engine import commands as cmd
from workflows.operations import cases
from workflows.operations.report_period import ReportingPeriod, period_from_options, reporting_year_containing
from workflows.operations.runtime import Runtime
from workflows.operations.sweeper import tick
from workflows.operations.timeliness import ReturnStatus, timeliness_report
from workflows.reporting.disclosure import WITHHELD, Disclosure
from workflows.reporting.documents import ReportFormat, render_report
from workflows.reporting.report_tables import report_tables

REVIEW = """\
id: review
title: Review
version: 1
calendar: partnership
reference: "RV-{year}-{seq:3}"
extension_approver: partnership-chair
pause:
  reasons: {proceedings: Parallel proceedings}
stages:
  notify:
    title: Notify the panel
    owner: business-manager
    due: {in: 5 working days}
"""

AUDIT = """\
id: audit
title: Agency audit
version: 1
calendar: partnership
reference: "AU-{year}-{seq:2}"
recurs: {every: 1 year, starting: 2035-04-02}
facts:
  agencies: {type: agency-list, required: true, from_directory: {audit: section-11}}
stages:
  returns:
    title: Self-assessment return
    owner: agency-safeguarding-lead
    for_each: agencies
    due: {in: 10 working days}
    escalation:
      - {after: 1 working day, notify: business-manager}
"""

YEAR_2026 = ReportingPeriod(date(2026, 4, 1), date(2027, 3, 31))
NOW = to_london(datetime(2027, 4, 15, 12, 0))
CHAIR = "cal@partnership.example"


@pytest.fixture
def runtime(tmp_path: Path, config_dir: Path, db_url: str):
    processes = tmp_path / "processes"
    processes.mkdir()
    (processes / "review.yaml").write_text(REVIEW)
    (processes / "audit.yaml").write_text(AUDIT)
    opened = Runtime.open(config_dir, processes, db_url, create=True)
    yield opened
    opened.db.dispose()


@pytest.fixture
def history(runtime, set_clock) -> dict[str, str]:
    def start(moment: str, process: str, facts: dict | None = None) -> str:
        set_clock(moment)
        return cases.start(runtime, process, facts or {})[0]

    def done(moment: str, reference: str, stage: str, task: str | None = None) -> None:
        cases.run(
            runtime,
            reference,
            cmd.Complete(stage, task, by="bea@partnership.example"),
            to_london(datetime.fromisoformat(moment)),
        )

    refs = {}
    refs["A"] = start("2026-03-30T10:00", "review")
    done("2026-04-02T10:00", refs["A"], "notify")
    refs["B"] = start("2026-06-03T09:00", "review")
    done("2026-06-12T10:00", refs["B"], "notify")
    refs["C"] = start("2026-06-01T09:00", "review")
    cases.run(runtime, refs["C"], cmd.Pause("proceedings"), to_london(datetime(2026, 6, 2, 10)))
    cases.run(runtime, refs["C"], cmd.Resume(), to_london(datetime(2026, 6, 8, 10)))
    done("2026-06-10T10:00", refs["C"], "notify")
    refs["D"] = start("2026-06-01T09:30", "review")
    set_clock("2026-06-05T10:00")
    cases.extend(runtime, refs["D"], "notify", "3 working days", "waiting for police records", CHAIR)
    done("2026-06-10T10:00", refs["D"], "notify")
    refs["F"] = start("2026-06-01T09:00", "audit", {"agencies": ["city-council", "police"]})
    done("2026-06-10T10:00", refs["F"], "returns", "police")
    tick(runtime, to_london(datetime(2026, 6, 17, 12, 0)))
    refs["E"] = start("2027-03-30T10:00", "review")
    done("2027-04-01T10:00", refs["E"], "notify")
    return refs


def _rows(runtime, period: ReportingPeriod, disclosure: Disclosure | None = None, process: str | None = None):
    disclosure = disclosure or Disclosure()
    report = timeliness_report(runtime, period, process, NOW)
    return {table.key: table.records() for table in report_tables(report, disclosure)}


def _row(records, **match):
    found = [row for row in records if all(row[key] == value for key, value in match.items())]
    assert len(found) == 1, (match, records)
    return found[0]


def test_the_reporting_year_counts_what_it_holds_and_nothing_either_side(runtime, history):
    tables = _rows(runtime, YEAR_2026)
    review = _row(tables["processes"], process="Review", stage="All stages")
    assert review["cases_started"] == 4  # B, C, D, E: A started the year before
    assert review["cases_closed"] == 4  # A, B, C, D: E closed the year after
    assert review["stages_completed"] == 4
    assert review["within_timescale"] == 3  # B was late; C's pause and D's extension moved their deadlines
    assert review["within_timescale_percent"] == pytest.approx(0.75)
    assert review["median_working_days"] == 5.0  # cases of 3, 7, 3 and 7 working days
    assert review["p90_working_days"] == 7.0
    assert review["extensions"] == 1
    assert review["paused_working_days"] == 4
    assert review["overdue_now"] == 0
    stage = _row(tables["processes"], process="Review", stage="Notify the panel")
    assert (stage["stages_completed"], stage["within_timescale"], stage["median_working_days"]) == (4, 3, 5.0)
    assert stage["paused_working_days"] == 4 and stage["extensions"] == 1
    assert stage["cases_started"] is None


def test_the_years_either_side_hold_the_cases_that_crossed_their_boundary(runtime, history):
    before = _row(
        _rows(runtime, reporting_year_containing(date(2025, 12, 1), 4))["processes"],
        stage="All stages",
        process="Review",
    )
    assert (before["cases_started"], before["cases_closed"], before["stages_completed"]) == (1, 0, 0)
    after = _row(
        _rows(runtime, reporting_year_containing(date(2027, 4, 1), 4))["processes"],
        stage="All stages",
        process="Review",
    )
    assert (after["cases_started"], after["cases_closed"], after["stages_completed"], after["within_timescale"]) == (
        0,
        1,
        1,
        1,
    )
    assert after["median_working_days"] == 2.0


def test_agencies_and_the_audit_round(runtime, history):
    tables = _rows(runtime, YEAR_2026)
    police = _row(tables["agencies"], agency="Police")
    assert (police["tasks"], police["completed"], police["on_time"], police["overdue_now"]) == (1, 1, 1, 0)
    assert police["on_time_percent"] == 1.0
    council = _row(tables["agencies"], agency="City Council")
    assert (council["tasks"], council["completed"], council["overdue_now"], council["escalations_received"]) == (
        1,
        0,
        1,
        1,
    )
    assert council["on_time_percent"] is None
    audit = _row(tables["processes"], process="Agency audit", stage="All stages")
    assert (audit["overdue_now"], audit["escalations_level_1"], audit["stages_completed"]) == (1, 1, 0)
    round_row = _row(tables["audit_rounds"], round=history["F"])
    assert (round_row["returns"], round_row["on_time"], round_row["overdue"], round_row["late"]) == (2, 1, 1, 0)
    returns = {row["agency"]: row for row in tables["audit_returns"]}
    assert returns["Police"]["status"] == ReturnStatus.ON_TIME.value
    assert (returns["Police"]["due"], returns["Police"]["returned"]) == ("2026-06-15", "2026-06-10")
    assert returns["City Council"]["status"] == ReturnStatus.OVERDUE.value
    assert returns["City Council"]["returned"] is None


def test_one_process_only(runtime, history):
    tables = _rows(runtime, YEAR_2026, process="audit")
    assert {row["process"] for row in tables["processes"]} == {"Agency audit"}
    assert [row["agency"] for row in tables["agencies"]] == ["City Council", "Police"]


def test_public_figures_hide_small_counts_and_whatever_is_built_on_them(runtime, history):
    tables = _rows(runtime, YEAR_2026, Disclosure(5))
    review = _row(tables["processes"], process="Review", stage="All stages")
    assert review["cases_started"] == "fewer than 5"
    assert review["stages_completed"] == "fewer than 5"
    assert review["within_timescale_percent"] == WITHHELD
    assert review["median_working_days"] == WITHHELD
    assert review["overdue_now"] == 0  # nobody is pointed at by a zero
    # A threshold of 3: four completed show, but three on time would tell the reader that one was late.
    review = _row(_rows(runtime, YEAR_2026, Disclosure(3))["processes"], process="Review", stage="All stages")
    assert review["stages_completed"] == 4
    assert review["within_timescale"] == WITHHELD
    assert review["within_timescale_percent"] == WITHHELD
    assert review["median_working_days"] == 5.0


def test_every_format_carries_the_same_figures(runtime, history, tmp_path):
    report = timeliness_report(runtime, YEAR_2026, None, NOW)
    public = Disclosure(5)
    as_json = json.loads(render_report(report, ReportFormat.JSON, public))
    review = _row(as_json["tables"]["processes"], process="Review", stage="All stages")
    assert review["cases_started"] == "fewer than 5" and as_json["public"] is True
    internal = json.loads(render_report(report, ReportFormat.JSON, Disclosure()))
    assert (
        _row(internal["tables"]["processes"], process="Review", stage="All stages")["within_timescale_percent"] == 75.0
    )
    text = render_report(report, ReportFormat.TABLE, Disclosure())
    assert "75.0%" in text and "Audit returns by agency" in text
    rows = list(csv.reader(io.StringIO(render_report(report, ReportFormat.CSV, Disclosure()))))
    heading = rows.index(["Processes and stages"]) + 1
    assert rows[heading][:3] == ["Process", "Stage", "Cases started"]
    assert rows[heading + 1 + 2][:9] == ["Review", "All stages", "4", "4", "4", "3", "75.0%", "5", "7"]

    from openpyxl import load_workbook

    path = tmp_path / "report.xlsx"
    path.write_bytes(render_report(report, ReportFormat.XLSX, Disclosure()))
    book = load_workbook(path)
    assert book.sheetnames == ["About", "Processes and stages", "Agencies", "Audit rounds", "Audit returns by agency"]
    sheet = book["Processes and stages"]
    assert sheet.freeze_panes == "A2" and sheet["A1"].font.bold
    headings = [cell.value for cell in sheet[1]]
    values = {heading: cell.value for heading, cell in zip(headings, sheet[4], strict=False)}
    assert values["Process"] == "Review" and values["Within timescale %"] == pytest.approx(0.75)
    assert sheet.cell(row=4, column=headings.index("Within timescale %") + 1).number_format == "0.0%"


def test_period_options():
    assert period_from_options(None, None, date(2027, 2, 1), 4) == YEAR_2026
    assert period_from_options(date(2026, 4, 1), None, date(2030, 1, 1), 4) == YEAR_2026
    assert period_from_options(None, date(2026, 5, 1), date(2030, 1, 1), 1) == ReportingPeriod(
        date(2026, 1, 1), date(2026, 5, 1)
    )
    from workflows.operations.errors import InvalidInput

    with pytest.raises(InvalidInput, match="ends"):
        period_from_options(date(2026, 5, 2), date(2026, 5, 1), date(2030, 1, 1), 4)


@pytest.fixture
def command_line(runtime, tmp_path, config_dir, db_url, monkeypatch):
    """`workflows report` as typed, on the history's database, its config and processes."""
    from workflows.cli.main import cli

    monkeypatch.setenv("WORKFLOWS_DB_URL", db_url)
    monkeypatch.setenv("WORKFLOWS_CONFIG", str(config_dir))
    monkeypatch.setenv("WORKFLOWS_PROCESSES", str(tmp_path / "processes"))
    monkeypatch.setenv("WORKFLOWS_NOW", NOW.isoformat())

    def run(*args: str):
        return CliRunner().invoke(cli, ["report", *args], catch_exceptions=False)

    return run


def test_the_command_line_reports_the_year_in_each_format(command_line, history, tmp_path):
    found = command_line("--format", "json", "--public")
    assert found.exit_code == 0, found.output
    document = json.loads(found.stdout)
    assert document["period"] == {"from": "2026-04-01", "to": "2027-03-31"}  # the reporting year of NOW's day
    assert document["period"] and document["suppress_below"] == 5
    workbook = tmp_path / "year.xlsx"
    written = command_line("--from", "2026-04-01", "--to", "2027-03-31", "--format", "xlsx", "--output", str(workbook))
    assert written.exit_code == 0, written.output
    assert workbook.read_bytes()[:2] == b"PK"
    assert "Review" in command_line("--process", "review").stdout


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("--from", "2026-13-01"), "--from: write a date as YYYY-MM-DD"),
        (("--from", "2026-05-02", "--to", "2026-05-01"), "the period ends (2026-05-01) before it starts"),
        (("--process", "reveiw"), "no process 'reveiw'"),
        (("--format", "pdf"), "Invalid value for '--format'"),
        (("--to", "9999-12-31"), "--to: a date in the years 1990 to 2200"),
        (("--from", "0001-01-01"), "--from: a date in the years 1990 to 2200"),
        (("--from", "2026-04-01\x00"), "--from: write a date as YYYY-MM-DD"),
    ],
)
def test_the_command_line_refuses_what_it_cannot_read(command_line, args, says):
    found = command_line(*args)
    assert found.exit_code == 2, found.output
    assert says in found.output and "Traceback" not in found.output


def test_the_dsps_pictures_are_drawn_from_the_same_figures(runtime, history):
    from workflows.operations.report_period import months_ending
    from workflows.reporting.headlines import headline_rows, on_time_by_month, overdue_by_agency

    report = timeliness_report(runtime, YEAR_2026, None, NOW)
    months = months_ending(date(2027, 3, 31), 12)
    assert months[0] == date(2026, 4, 1) and months[-1] == date(2027, 3, 1)
    series = on_time_by_month(report, months)
    assert list(series) == ["Review"]  # the audit completed no stage
    by_month = dict(series["Review"])
    assert by_month[date(2026, 4, 1)] == 1.0  # A
    assert by_month[date(2026, 6, 1)] == pytest.approx(2 / 3)  # B late; C and D on time
    assert by_month[date(2026, 5, 1)] is None
    assert overdue_by_agency(report) == [("City Council", 1)]
    review = next(row for row in headline_rows(report) if row["Process"] == "Review")
    assert (review["Cases started"], review["Within timescale %"], review["Extensions granted"]) == (4, "75.0%", 1)


@settings(deadline=None, max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    first=st.one_of(st.none(), st.dates().map(date.isoformat), st.text(max_size=12)),
    last=st.one_of(st.none(), st.dates().map(date.isoformat), st.text(max_size=12)),
)
def test_any_period_typed_is_reported_or_refused_in_one_line(runtime, command_line, first, last):
    args = [*(("--from", first) if first is not None else ()), *(("--to", last) if last is not None else ())]
    found = command_line(*args, "--format", "json")
    if found.exit_code == 0:
        document = json.loads(found.stdout)
        assert document["period"]["from"] <= document["period"]["to"]
    else:
        assert found.exit_code == 2, found.output
        assert found.output.count("\n") <= 3 and "Traceback" not in found.output
