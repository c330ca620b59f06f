"""--public, for any figures and any threshold: no count from 1 to threshold - 1 is shown, and no rate, median or
total is shown that rests on one (nor an on-time count whose complement, those late, is small)."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime

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
