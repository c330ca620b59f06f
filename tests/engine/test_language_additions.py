"""The language's newer ways to say when a stage is due, and to remind: each as a rule over many dates.

- `by: 30 September` (a fixed date) from `round` (a recurring round's scheduled day);
- `before: 2 working days, from: "due:panel"` (counted back from another stage's deadline);
- `counting:` per stage;
- `reminders: {at_share: [50%, 75%]}` (a share of the time allowed).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workflows.calendar import Counting
from workflows.calendar.deadlines import Deadline
from workflows.calendar.london import LONDON, london_wall_time, to_london
from workflows.engine import Definition, SetTimer, Slot, start_case
from workflows.engine.schedule.recurrence import occurrence_at
from workflows.engine.schedule.simulation import simulate
from workflows.engine.schedule.timing import moments

PANEL = """\
id: panel-papers
title: Panel papers
version: 1
calendar: partnership
reference: "PP-{year}-{seq:3}"
stages:
  papers:
    title: Send the papers
    owner: business-manager
    due: {before: 2 working days, from: "due:panel"}     # declared first: opens after the panel's deadline is set
  panel:
    title: Hold the panel
    owner: partnership-chair
    due: {in: 10 working days}
    reminders: {at_share: [50%, 75%]}
  same-day-note:
    title: Note the referral the same day
    owner: business-manager
    counting: same-day
    due: {in: 1 working day}
"""

starts = st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2034, 12, 31)).map(
    lambda moment: moment.replace(tzinfo=LONDON)
)


@pytest.fixture
def definition(load_processes, minimal_config) -> Definition:
    process = load_processes({"panel-papers.yaml": PANEL}).get("panel-papers")
    return Definition(process, minimal_config.timing_rules(process), "hash-panel")


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(started=starts)
def test_a_deadline_counted_back_from_another_stages_deadline(definition, started):
    state, _ = start_case(definition, "PP-1", {}, started)
    calendar = definition.rules.calendar
    panel, papers = state.stages["panel"], state.stages["papers"]
    assert papers.due_day == calendar.subtract_working_days(panel.due_day, 2)
    assert papers.anchor == "deadline of stage panel"


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(started=starts)
def test_a_stage_may_count_by_its_own_convention(definition, started):
    state, _ = start_case(definition, "PP-1", {}, started)
    rules = definition.rules
    own = rules.deadline(definition.process.stages["same-day-note"].due.in_, started, Counting.SAME_DAY)
    assert state.stages["same-day-note"].due_day == own.day
    before_cut_off = started.time() < rules.day_ends_at
    if rules.calendar.is_working_day(started.date()) and before_cut_off:
        assert own.day == started.date()  # the event day is day 1, though the process counts from the day after


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(started=starts)
def test_reminders_at_a_share_of_the_time_allowed(definition, started):
    """Property: each falls on the first working morning at or after that share of the window has passed,
    and before the deadline; a start sets the timer to the first of them still to come."""
    state, effects = start_case(definition, "PP-1", {}, started)
    panel = state.stages["panel"]
    rules, stage = definition.rules, definition.process.stages["panel"]
    deadline = Deadline(panel.due_at, panel.due_day)
    reminders = [m for m in moments(stage, deadline, rules, panel.anchor_at) if m.kind == "reminder"]
    window = panel.due_at - panel.anchor_at
    for moment, share in zip(reminders, (0.5, 0.75), strict=False):
        passed = panel.anchor_at + window * share
        assert passed <= moment.at < panel.due_at
        assert moment.at.time() == rules.day_starts_at and rules.calendar.is_working_day(moment.at.date())
        day_before = moment.at - timedelta(days=1)
        assert not (
            passed <= london_wall_time(day_before.date(), rules.day_starts_at)
            and rules.calendar.is_working_day(day_before.date())
        )
    (timer,) = [e for e in effects if isinstance(e, SetTimer) and e.slot == Slot("panel")]
    assert timer.at == (reminders[0].at if reminders else panel.due_at)


def test_the_yearly_report_is_due_by_30_september_whatever_day_its_round_opened(minimal_config, load_processes):
    from pathlib import Path

    from workflows.config.loader import load_config
    from workflows.definitions.library import load_library

    repo = Path(__file__).resolve().parents[2]
    config = load_config(repo / "config")
    process = load_library([repo / "processes"], config).get("yearly-report")
    rules = config.timing_rules(process)
    assert process.recurs is not None
    for number in range(15):  # the rounds of 2026 to 2040, some opening after Easter or a weekend
        opens = occurrence_at(process.recurs, number, rules)
        projection = simulate(process, rules, opens, {"agencies": ["cafcass"]})
        (due,) = [e for e in projection.events if e.kind == "due" and e.stage == "publish"]
        assert to_london(due.at).date() == date(opens.year, 9, 30)


def test_the_notification_after_a_joint_agency_response_counts_from_when_the_partnership_learnt(
    shipped_runtime, set_clock
):
    """Awareness is when the partnership learnt of the death (the response's start), however late the
    outcome of the discussion is recorded."""
    from workflows.engine.commands import Decide
    from workflows.operations import cases

    set_clock("2026-12-18T03:10")
    facts = ["death_notification_id=CD-9", "death_datetime=2026-12-18T02:00", "suspicious_circumstances=true"]
    [(_, reference, _)] = cases.trigger(shipped_runtime, "child-death", facts)
    set_clock("2026-12-23T16:00")  # recorded five days later
    cases.run(
        shipped_runtime,
        reference,
        Decide("information-sharing-discussion", "abuse-or-neglect-suspected", facts={"agencies": ["cafcass"]}),
    )
    from sqlalchemy import select

    from workflows.operations.reports import status
    from workflows.store.cases import load_case
    from workflows.store.schema import cases as case_table

    with shipped_runtime.db.connect() as connection:
        (child,) = connection.execute(
            select(case_table.c.reference).where(case_table.c.parent_reference == reference)
        ).scalars()
        notification = load_case(connection, child).state
    assert notification.facts["awareness_date"] == date(2026, 12, 18)
    assert status(shipped_runtime, child)["stages"][0]["due"] == "2026-12-29T23:59:00+00:00"
