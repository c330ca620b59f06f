"""engine/schedule/timing.py: when a stage is due, and when its reminders, overdue notices and escalation steps fall.

Pure date arithmetic on England and Wales working days (Christmas 2026: Friday 25 and Monday 28 December are bank
holidays, and so is Friday 1 January 2027); the working day starts at 09:00 and ends at 23:59:59.
"""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workflows.calendar import WorkingDayCalendar
from workflows.calendar.counting import Counting
from workflows.calendar.london import LONDON, london_wall_time
from workflows.calendar.rules import TimingRules
from workflows.definitions.model import Stage
from workflows.engine.schedule.timing import (
    MAX_OVERDUE_REMINDERS,
    Moment,
    MomentKind,
    escalation_time,
    moments,
    next_moment,
    overdue_reminder_time,
    share_reminder_time,
    stage_deadline,
)

MORNING, EVENING = time(9, 0), time(23, 59, 59)
RULES = TimingRules(WorkingDayCalendar(), Counting.NEXT_WORKING_DAY, MORNING, EVENING)
FRIDAY_18_DECEMBER = date(2026, 12, 18)


def stage(**fields) -> Stage:
    """A stage owned by the business manager, checked as a definition's stage is."""
    return Stage.model_validate({"title": "Gather returns", "owner": "business-manager", **fields})


def ladder(*working_days: int) -> list[dict[str, str]]:
    return [{"after": f"{days} working days", "notify": "partnership-chair"} for days in working_days]


def first(stream, count: int) -> list[Moment]:
    return list(itertools.islice(stream, count))


GATHER = stage(
    due={"in": "10 working days", "from": "fact:notified_on"},
    reminders={"before": ["2 working days"], "on_due_day": True, "overdue_every": "1 working day"},
    escalation=ladder(1, 3),
)


# -- when a stage is due ---------------------------------------------------------------------------------------


def test_working_days_skip_the_christmas_bank_holidays_and_end_at_the_end_of_the_day():
    deadline = stage_deadline(GATHER, FRIDAY_18_DECEMBER, RULES)
    # Mon 21 .. Thu 24 (4), Tue 29 .. Thu 31 (7), Mon 4 .. Wed 6 January (10).
    assert deadline.day == date(2027, 1, 6)
    assert deadline.at == london_wall_time(date(2027, 1, 6), EVENING)
    assert (date(2026, 12, 28), "bank holiday: Boxing Day (observed)") in deadline.skipped


def test_a_before_rule_counts_working_days_back_from_its_anchor():
    panel = stage(due={"before": "2 working days", "from": "fact:panel_on"})
    deadline = stage_deadline(panel, date(2027, 1, 4), RULES)  # Monday: Thu 31 Dec and Wed 30 Dec back
    assert (deadline.day, deadline.at) == (date(2026, 12, 30), london_wall_time(date(2026, 12, 30), EVENING))


def test_an_hours_before_rule_is_exact_elapsed_time_with_no_day():
    visit = stage(due={"before": "12 hours", "from": "fact:visit_at"})
    deadline = stage_deadline(visit, datetime(2027, 3, 10, 9, 0, tzinfo=LONDON), RULES)
    assert (deadline.at, deadline.day) == (datetime(2027, 3, 9, 21, 0, tzinfo=LONDON), None)


# Hours are elapsed time, whatever the clocks do: Python's aware arithmetic in one zone is wall-clock arithmetic,
# so every hour offset is counted in UTC (`hours_later`).


def elapsed(earlier: datetime, later: datetime) -> timedelta:
    return later.astimezone(UTC) - earlier.astimezone(UTC)


def test_an_hours_before_rule_is_exact_elapsed_time_across_the_clock_change():
    visit = stage(due={"before": "12 hours", "from": "fact:visit_at"})
    anchor = datetime(2026, 10, 25, 9, 0, tzinfo=LONDON)  # the clocks went back at 02:00 BST that morning
    deadline = stage_deadline(visit, anchor, RULES)
    assert elapsed(deadline.at, anchor) == timedelta(hours=12)  # 22:00 BST on the Saturday


@given(
    anchor=st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2030, 12, 31)),
    hours=st.integers(min_value=1, max_value=400),
)
def test_every_hours_offset_is_exact_elapsed_time(anchor, hours):
    """`before: N hours`, hour reminders and hour overdue notices: N hours of elapsed time, clock changes or not."""
    anchor = anchor.replace(tzinfo=LONDON)
    before = stage_deadline(stage(due={"before": f"{hours} hours", "from": "fact:visit_at"}), anchor, RULES)
    assert elapsed(before.at, anchor) == timedelta(hours=hours)
    timed = stage(due={"in": f"{hours + 1} hours", "from": "fact:death_at"}, reminders={"before": [f"{hours} hours"]})
    deadline = stage_deadline(timed, anchor, RULES)
    reminder = next(moments(timed, deadline, RULES))
    assert elapsed(reminder.at, deadline.at) == timedelta(hours=hours)


def test_an_hours_reminder_is_exact_elapsed_time_across_the_clock_change():
    visit = stage(due={"in": "24 hours", "from": "fact:death_at"}, reminders={"before": ["12 hours"]})
    deadline = stage_deadline(visit, datetime(2026, 10, 24, 9, 0, tzinfo=LONDON), RULES)
    assert elapsed(datetime(2026, 10, 24, 9, 0, tzinfo=LONDON), deadline.at) == timedelta(hours=24)  # in: is right
    reminder = next(moments(visit, deadline, RULES))
    assert elapsed(reminder.at, deadline.at) == timedelta(hours=12)


@pytest.mark.parametrize(
    ("anchor", "due_day"),
    [
        (date(2027, 9, 1), date(2027, 9, 30)),  # before the day: this year's
        (date(2027, 9, 30), date(2027, 9, 30)),  # on the day itself
        (date(2027, 10, 1), date(2028, 9, 30)),  # after it: next year's (a Saturday, not moved)
    ],
)
def test_a_by_rule_is_the_first_such_day_on_or_after_the_anchor(anchor, due_day):
    deadline = stage_deadline(stage(due={"by": "30 September"}), anchor, RULES)
    assert (deadline.day, deadline.at) == (due_day, london_wall_time(due_day, EVENING))


# -- reminders, notices and escalation -------------------------------------------------------------------------


def test_the_moments_of_a_working_day_stage_in_order():
    deadline = stage_deadline(GATHER, FRIDAY_18_DECEMBER, RULES)
    assert [(m.at, m.kind, m.number) for m in first(moments(GATHER, deadline, RULES), 8)] == [
        (datetime(2027, 1, 4, 9, 0, tzinfo=LONDON), MomentKind.REMINDER, 1),  # 2 working days before
        (datetime(2027, 1, 6, 9, 0, tzinfo=LONDON), MomentKind.DUE_TODAY, 1),
        (datetime(2027, 1, 6, 23, 59, 59, tzinfo=LONDON), MomentKind.DUE, 1),
        (datetime(2027, 1, 7, 9, 0, tzinfo=LONDON), MomentKind.OVERDUE, 1),  # the next working morning
        (datetime(2027, 1, 7, 23, 59, 59, tzinfo=LONDON), MomentKind.ESCALATION, 1),  # overdue 1 working day
        (datetime(2027, 1, 8, 9, 0, tzinfo=LONDON), MomentKind.OVERDUE, 2),
        (datetime(2027, 1, 11, 9, 0, tzinfo=LONDON), MomentKind.OVERDUE, 3),  # Monday: the weekend skipped
        (datetime(2027, 1, 11, 23, 59, 59, tzinfo=LONDON), MomentKind.ESCALATION, 2),  # 3 working days
    ]


def test_overdue_notices_repeat_up_to_the_limit_and_not_at_all_without_overdue_every():
    deadline = stage_deadline(GATHER, FRIDAY_18_DECEMBER, RULES)
    assert overdue_reminder_time(GATHER, deadline, RULES, 0) is None
    assert overdue_reminder_time(GATHER, deadline, RULES, MAX_OVERDUE_REMINDERS) is not None
    assert overdue_reminder_time(GATHER, deadline, RULES, MAX_OVERDUE_REMINDERS + 1) is None
    assert sum(m.kind is MomentKind.OVERDUE for m in moments(GATHER, deadline, RULES)) == MAX_OVERDUE_REMINDERS
    once = stage(due={"in": "10 working days"})
    assert overdue_reminder_time(once, deadline, RULES, 1) == datetime(2027, 1, 7, 9, 0, tzinfo=LONDON)
    assert overdue_reminder_time(once, deadline, RULES, 2) is None


def test_an_hour_deadline_is_overdue_at_once_and_escalates_by_the_clock():
    visit = stage(
        due={"in": "24 hours", "from": "fact:death_at"},
        reminders={"before": ["12 hours"], "overdue_every": "2 hours"},
        escalation=[{"after": "4 hours", "notify": "partnership-chair"}],
    )
    anchor = datetime(2026, 10, 24, 22, 30, tzinfo=LONDON)  # 24 hours later is 21:30 GMT: the clocks went back
    deadline = stage_deadline(visit, anchor, RULES)
    assert deadline.at == datetime(2026, 10, 25, 21, 30, tzinfo=LONDON)
    assert [(m.at, m.kind) for m in first(moments(visit, deadline, RULES), 5)] == [
        (datetime(2026, 10, 25, 9, 30, tzinfo=LONDON), MomentKind.REMINDER),
        (deadline.at, MomentKind.DUE),
        (deadline.at, MomentKind.OVERDUE),
        (datetime(2026, 10, 25, 23, 30, tzinfo=LONDON), MomentKind.OVERDUE),
        (datetime(2026, 10, 26, 1, 30, tzinfo=LONDON), MomentKind.ESCALATION),
    ]


def test_a_decision_with_an_automatic_option_advances_at_its_deadline_and_never_escalates():
    decide = stage(
        due={"in": "5 working days"},
        reminders={"before": ["1 working day"], "overdue_every": "1 working day"},
        escalation=ladder(1),
        decision={
            "when_unresolved": "move-on",
            "options": {"move-on": {"label": "Move on"}, "stop": {"label": "Stop"}},
        },
    )
    deadline = stage_deadline(decide, FRIDAY_18_DECEMBER, RULES)
    assert [m.kind for m in moments(decide, deadline, RULES)] == [MomentKind.REMINDER, MomentKind.ADVANCE]


def test_reminders_at_a_share_of_the_time_allowed_go_out_on_a_working_morning():
    halfway = stage(due={"in": "10 working days"}, reminders={"at_share": ["50%"]})
    deadline = stage_deadline(halfway, FRIDAY_18_DECEMBER, RULES)
    start = london_wall_time(FRIDAY_18_DECEMBER, time(0, 0))
    # Half of 18 Dec 00:00 .. 6 Jan 23:59:59 is late on Sunday 27 December; Monday 28 is a bank holiday.
    assert share_reminder_time(0.5, start, deadline, RULES) == datetime(2026, 12, 29, 9, 0, tzinfo=LONDON)
    # No repeat and no ladder: the reminder, the deadline and the one overdue notice every late item gets.
    assert [(m.at, m.kind) for m in moments(halfway, deadline, RULES, window_start=start)] == [
        (datetime(2026, 12, 29, 9, 0, tzinfo=LONDON), MomentKind.REMINDER),
        (deadline.at, MomentKind.DUE),
        (datetime(2027, 1, 7, 9, 0, tzinfo=LONDON), MomentKind.OVERDUE),
    ]
    assert MomentKind.REMINDER not in {m.kind for m in moments(halfway, deadline, RULES)}  # no window: no share


def test_escalation_is_the_end_of_the_working_day_the_item_has_been_overdue_for():
    deadline = stage_deadline(GATHER, FRIDAY_18_DECEMBER, RULES)
    one, three = GATHER.escalation
    assert escalation_time(one, deadline, RULES) == datetime(2027, 1, 7, 23, 59, 59, tzinfo=LONDON)
    assert escalation_time(three, deadline, RULES) == datetime(2027, 1, 11, 23, 59, 59, tzinfo=LONDON)


def test_next_moment_is_the_first_strictly_after_the_moment_given():
    deadline = stage_deadline(GATHER, FRIDAY_18_DECEMBER, RULES)
    reminder, due_today, *_ = moments(GATHER, deadline, RULES)
    assert next_moment(GATHER, deadline, RULES, reminder.at - timedelta(seconds=1)) == reminder
    assert next_moment(GATHER, deadline, RULES, reminder.at) == due_today
    once = stage(due={"in": "1 working day"})  # no reminders, no repeat, no ladder: one overdue notice
    assert next_moment(once, deadline, RULES, deadline.at) == Moment(
        datetime(2027, 1, 7, 9, 0, tzinfo=LONDON), MomentKind.OVERDUE, 1
    )
    assert next_moment(once, deadline, RULES, datetime(2027, 1, 7, 9, 0, tzinfo=LONDON)) is None


# -- properties ------------------------------------------------------------------------------------------------


@st.composite
def working_day_stages(draw) -> Stage:
    """A stage counted in working days, with any reminders, repeat and rising escalation ladder."""
    before = draw(st.lists(st.integers(1, 10), max_size=3, unique=True))
    steps = draw(st.lists(st.integers(1, 15), max_size=3, unique=True))
    every = draw(st.one_of(st.none(), st.integers(1, 5)))
    return stage(
        due={"in": f"{draw(st.integers(1, 30))} working days"},
        reminders={
            "before": [f"{days} working days" for days in before],
            "on_due_day": draw(st.booleans()),
            "overdue_every": None if every is None else f"{every} working days",
        },
        escalation=ladder(*sorted(steps)),
    )


@st.composite
def calendars(draw) -> WorkingDayCalendar:
    """England and Wales plus a few local closures near the anchors drawn."""
    closed = draw(st.sets(st.dates(date(2026, 1, 1), date(2028, 12, 31)), max_size=8))
    return WorkingDayCalendar("random", dict.fromkeys(closed, "closed"))


ANCHORS = st.dates(date(2026, 1, 1), date(2027, 12, 31))


@settings(deadline=None)
@given(stage_=working_day_stages(), anchor=ANCHORS, calendar=calendars())
def test_reminders_fall_on_working_mornings_before_the_deadline_and_everything_comes_in_time_order(
    stage_, anchor, calendar
):
    rules = TimingRules(calendar, Counting.NEXT_WORKING_DAY, MORNING, EVENING)
    deadline = stage_deadline(stage_, anchor, rules)
    assert calendar.is_working_day(deadline.day)
    timeline = first(moments(stage_, deadline, rules), 40)
    assert [m.at for m in timeline] == sorted(m.at for m in timeline)
    ahead = [m for m in timeline if m.kind in (MomentKind.REMINDER, MomentKind.DUE_TODAY)]
    assert timeline[: len(ahead)] == ahead  # every message ahead of the deadline comes first
    assert len(ahead) == len({m.at for m in ahead})  # one message a morning
    for moment in ahead:
        assert moment.at < deadline.at
        assert moment.at.time() == MORNING
        assert calendar.is_working_day(moment.at.date())
    assert sum(m.kind is MomentKind.DUE_TODAY for m in ahead) == stage_.reminders.on_due_day
    (due,) = [m for m in timeline if m.kind is MomentKind.DUE]
    assert due.at == deadline.at
    for moment in timeline[len(ahead) + 1 :]:
        assert moment.kind in (MomentKind.OVERDUE, MomentKind.ESCALATION)
        assert moment.at > deadline.at
        assert calendar.is_working_day(moment.at.date())
    escalations = [m.at for m in timeline if m.kind is MomentKind.ESCALATION]
    assert escalations == [escalation_time(step, deadline, rules) for step in stage_.escalation][: len(escalations)]


@settings(deadline=None)
@given(stage_=working_day_stages(), anchor=ANCHORS, minutes=st.integers(-60 * 24 * 30, 60 * 24 * 90))
def test_next_moment_is_strictly_later_and_nothing_falls_between(stage_, anchor, minutes):
    deadline = stage_deadline(stage_, anchor, RULES)
    after = deadline.at + timedelta(minutes=minutes)
    found = next_moment(stage_, deadline, RULES, after)
    later = [m for m in moments(stage_, deadline, RULES) if m.at > after]
    if found is None:
        assert later == []
    else:
        assert found.at > after
        assert found == later[0]
        assert min(m.at for m in later) == found.at
