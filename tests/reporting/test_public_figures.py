"""--public, for any figures and any threshold: no count from 1 to threshold - 1 is shown, and no rate, median or
total is shown that rests on one (nor an on-time count whose complement, those late, is small)."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from workflows.operations.report_period import ReportingPeriod
from workflows.operations.timeliness import AgencyTally, ProcessTally, StageTally, TimelinessReport
from workflows.reporting.disclosure import WITHHELD, Disclosure
from workflows.reporting.report_tables import Kind, report_tables

counts = st.integers(min_value=0, max_value=30)


@st.composite
def stage_tallies(draw, number: int) -> StageTally:
    completed = draw(counts)
    return StageTally(
        "p",
        f"s{number}",
        f"Stage {number}",
        completed=completed,
        within=draw(st.integers(min_value=0, max_value=completed)),
        working_days=draw(st.lists(st.integers(0, 60), min_size=completed, max_size=completed)),
        overdue_now=draw(counts),
        escalations=Counter({1: draw(counts), 2: draw(counts)}),
        extensions=draw(counts),
        paused_working_days=draw(counts),
        paused_items=draw(counts),
    )


@st.composite
def reports(draw) -> TimelinessReport:
    stages = [draw(stage_tallies(number)) for number in range(draw(st.integers(1, 4)))]
    closed = draw(counts)
    process = ProcessTally(
        "p",
        "Process",
        started=draw(counts),
        closed=closed,
        case_working_days=draw(st.lists(st.integers(0, 90), min_size=closed, max_size=closed)),
        overdue_now=sum(stage.overdue_now for stage in stages),
        escalations=sum((stage.escalations for stage in stages), Counter()),
        extensions=sum(stage.extensions for stage in stages),
        paused_working_days=draw(counts),
        paused_cases=draw(counts),
        stages={stage.stage_id: stage for stage in stages},
    )
    agencies = []
    for number in range(draw(st.integers(0, 3))):
        completed = draw(counts)
        agencies.append(
            AgencyTally(
                f"a{number}",
                f"Agency {number}",
                tasks=draw(counts),
                completed=completed,
                within=draw(st.integers(0, completed)),
                overdue_now=draw(counts),
                escalations_received=draw(counts),
            )
        )
    period = ReportingPeriod(date(2026, 4, 1), date(2027, 3, 31))
    return TimelinessReport("Test", period, datetime(2026, 12, 1, tzinfo=UTC), None, [process], agencies, [])


def _small(value: object, threshold: int) -> bool:
    return isinstance(value, int) and 0 < value < threshold


@settings(deadline=None, max_examples=200)
@given(reports(), st.integers(min_value=1, max_value=12))
def test_nothing_small_is_shown_and_nothing_is_built_on_it(report, threshold):
    fewer = f"fewer than {threshold}"
    for table in report_tables(report, Disclosure(threshold))[:2]:  # audit rounds count agencies, not children
        for record in table.records():
            for column in table.columns:
                value = record[column.key]
                if column.kind is Kind.COUNT:
                    assert not _small(value, threshold), (table.key, column.key, value)
                    assert value in (None, fewer, WITHHELD) or isinstance(value, int)
            completed = record.get("stages_completed", record.get("completed"))
            within = record.get("within_timescale", record.get("on_time"))
            percent = record.get("within_timescale_percent", record.get("on_time_percent"))
            if isinstance(percent, float):
                assert isinstance(completed, int) and isinstance(within, int)
                assert not _small(completed - within, threshold)
            if isinstance(within, int) and isinstance(completed, int):
                assert not _small(completed - within, threshold)


@settings(deadline=None, max_examples=100)
@given(reports())
def test_an_internal_report_shows_every_figure(report):
    for table in report_tables(report, Disclosure())[:2]:
        for record in table.records():
            assert WITHHELD not in record.values()
            assert not any(isinstance(value, str) and value.startswith("fewer than") for value in record.values())


# -- subtraction: what a reader can work out from a public table (issue 21, class 2) -------------------------------


def _worked_out(records: list[dict], groups: list[list[int]], additive: list[str], rate_keys: tuple[str, str, str]):
    """Every count a reader can work out, as {(row, key): value}: the shown counts, then, over and over, whatever one
    relation with a single unknown gives: a group's total is the sum of its parts (each additive column, and those
    late), a row's completed is its within plus its late, a shown rate times completed is within."""
    completed_key, within_key, rate_key = rate_keys
    known = {
        (row, key): Fraction(value)
        for row, record in enumerate(records)
        for key, value in record.items()
        if isinstance(value, int) and not isinstance(value, bool)
    }
    relations = []  # [(coefficient, (row, key)), ...] summing to 0
    for row, record in enumerate(records):
        relations.append([(1, (row, within_key)), (1, (row, "late")), (-1, (row, completed_key))])
        if isinstance(record.get(rate_key), float):
            relations.append([(1, (row, within_key)), (-Fraction(record[rate_key]), (row, completed_key))])
    for total, *parts in groups:
        for key in [*additive, "late"]:
            relations.append([(1, (total, key)), *((-1, (part, key)) for part in parts)])
    while True:
        learnt = False
        for relation in relations:
            unknown = [cell for weight, cell in relation if weight and cell not in known]
            if len(unknown) == 1:
                (cell,) = unknown
                weight = next(w for w, c in relation if c == cell)
                known[cell] = -sum(w * known[c] for w, c in relation if c != cell and w) / weight
                learnt = True
        if not learnt:
            return known


@settings(deadline=None, max_examples=300)
@given(reports(), st.integers(min_value=2, max_value=12))
def test_no_small_count_can_be_worked_out_by_subtraction(report, threshold):
    """The public tables give no small count away, whatever a reader adds and subtracts: a stage's figure from the
    "All stages" row less the other stages, those late from completed less within, within from a rate."""
    public = {table.key: table for table in report_tables(report, Disclosure(threshold))}
    truth = {table.key: table for table in report_tables(report, Disclosure())}
    for key, rate_keys in (
        ("processes", ("stages_completed", "within_timescale", "within_timescale_percent")),
        ("agencies", ("completed", "on_time", "on_time_percent")),
    ):
        records, actual = public[key].records(), truth[key].records()
        groups: list[list[int]] = []
        for row, record in enumerate(records):
            if record.get("stage") == "All stages":
                groups.append([row])
            elif groups:
                groups[-1].append(row)
        additive = [
            column.key
            for column in public[key].columns
            if column.key in ("stages_completed", "within_timescale", "overdue_now", "extensions")
            or column.key.startswith("escalations_level_")
        ]
        counted = {column.key for column in public[key].columns if column.kind is Kind.COUNT}
        known = _worked_out(records, groups, additive, rate_keys)
        for row, record in enumerate(actual):
            late = record[rate_keys[0]] - record[rate_keys[1]]
            for cell_key, value in [*((k, v) for k, v in record.items() if k in counted), ("late", late)]:
                if isinstance(value, int) and _small(value, threshold):
                    assert (row, cell_key) not in known, (key, row, cell_key, value, records[row])


def test_the_testers_subtraction_no_longer_works():
    """Issue 21's example: a withheld stage was the "All stages" row less the other stage rows."""
    stages = [
        StageTally("p", "a", "Arrange the conference", completed=11, within=8, working_days=[1] * 11),
        StageTally("p", "b", "Hold it", completed=20, within=20, working_days=[1] * 20),
        StageTally("p", "c", "Send the plan", completed=3, within=3, working_days=[1] * 3),
    ]
    process = ProcessTally("p", "Conference", stages={stage.stage_id: stage for stage in stages})
    period = ReportingPeriod(date(2026, 4, 1), date(2027, 3, 31))
    report = TimelinessReport("Test", period, datetime(2026, 12, 1, tzinfo=UTC), None, [process], [], [])
    rows = report_tables(report, Disclosure(5))[0].records()
    total, arrange, hold, send = rows
    assert send["stages_completed"] == "fewer than 5"
    shown = [row["stages_completed"] for row in (total, arrange, hold)]
    assert sum(isinstance(value, str) for value in shown) >= 1  # another figure withheld beside it
    assert arrange["within_timescale"] == WITHHELD  # its 3 late could otherwise be read
