"""engine/schedule/recurrence.py: when each round of a recurring process opens.

Rounds are counted from the first date, never chained (a month-end start never drifts), and a round falling on a
non-working day opens at the start of the next working day (England and Wales; the day starts at 09:00).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workflows.calendar import WorkingDayCalendar
from workflows.calendar.counting import Counting
from workflows.calendar.london import LONDON, london_wall_time
from workflows.calendar.rules import TimingRules
from workflows.definitions.model import Recurrence
from workflows.engine.schedule.recurrence import latest_due, next_occurrence, occurrence_at, occurrence_day

MORNING = time(9, 0)
RULES = TimingRules(WorkingDayCalendar(), Counting.NEXT_WORKING_DAY, MORNING, time(23, 59, 59))


def every(interval: str, starting: date) -> Recurrence:
    return Recurrence.model_validate({"every": interval, "starting": starting})


def opens(day: date) -> datetime:
    return london_wall_time(day, MORNING)


@pytest.mark.parametrize(
    ("interval", "starting", "days"),
    [
        # Counted from 31 January each time: clamped to the month's end, and back to the 31st when there is one.
        ("1 month", date(2027, 1, 31), [date(2027, 1, 31), date(2027, 2, 28), date(2027, 3, 31), date(2027, 4, 30)]),
        ("3 months", date(2026, 11, 30), [date(2026, 11, 30), date(2027, 2, 28), date(2027, 5, 30), date(2027, 8, 30)]),
        ("2 weeks", date(2027, 1, 4), [date(2027, 1, 4), date(2027, 1, 18), date(2027, 2, 1), date(2027, 2, 15)]),
        ("1 year", date(2028, 2, 29), [date(2028, 2, 29), date(2029, 2, 28), date(2030, 2, 28), date(2032, 2, 29)]),
        ("2 years", date(2026, 4, 1), [date(2026, 4, 1), date(2028, 4, 1), date(2030, 4, 1), date(2032, 4, 1)]),
    ],
)
def test_occurrence_days_are_counted_from_the_first_never_chained(interval, starting, days):
    recurrence = every(interval, starting)
    numbers = [0, 1, 2, 4] if interval == "1 year" else [0, 1, 2, 3]
    assert [occurrence_day(recurrence, number) for number in numbers] == days


def test_a_round_on_a_non_working_day_opens_the_next_working_morning():
    section_11 = every("2 years", date(2026, 4, 1))
    assert occurrence_at(section_11, 0, RULES) == opens(date(2026, 4, 1))  # a Wednesday
    assert occurrence_at(section_11, 1, RULES) == opens(date(2028, 4, 3))  # Saturday 1 April 2028: Monday
    christmas = every("1 year", date(2026, 12, 25))
    assert occurrence_at(christmas, 0, RULES) == opens(date(2026, 12, 29))  # Christmas, Boxing Day observed
    assert occurrence_day(christmas, 1) == date(2027, 12, 25)  # the nominal day is not moved on
    closed = replace(RULES, calendar=WorkingDayCalendar("local", {date(2026, 4, 1): "Office move"}))
    assert occurrence_at(section_11, 0, closed) == opens(date(2026, 4, 2))  # a local closure counts too


def test_next_occurrence_is_the_first_round_strictly_after_the_moment():
    quarterly = every("3 months", date(2027, 1, 4))
    first = occurrence_at(quarterly, 0, RULES)
    assert next_occurrence(quarterly, RULES, datetime(2026, 6, 1, tzinfo=LONDON)) == 0
    assert next_occurrence(quarterly, RULES, first - timedelta(seconds=1)) == 0
    assert next_occurrence(quarterly, RULES, first) == 1  # the round opening now is not next
    assert next_occurrence(quarterly, RULES, datetime(2027, 12, 31, tzinfo=LONDON)) == 4  # 4 January 2028


def test_after_a_long_outage_only_the_latest_round_due_is_started():
    monthly = every("1 month", date(2027, 1, 4))
    assert latest_due(monthly, RULES, 0, datetime(2027, 1, 4, 8, 59, tzinfo=LONDON)) == 0  # not due: still `first`
    assert latest_due(monthly, RULES, 0, opens(date(2027, 1, 4))) == 0
    assert (
        latest_due(monthly, RULES, 0, datetime(2027, 6, 3, 12, 0, tzinfo=LONDON)) == 4
    )  # Tue 4 May; Fri 4 June is not due yet
    assert latest_due(monthly, RULES, 5, datetime(2027, 6, 3, 12, 0, tzinfo=LONDON)) == 5  # never below `first`


# -- properties ------------------------------------------------------------------------------------------------

RECURRENCES = st.builds(
    every,
    st.sampled_from(["1 week", "2 weeks", "1 month", "3 months", "6 months", "1 year", "2 years"]),
    st.dates(date(2025, 1, 1), date(2029, 12, 31)),
)
MOMENTS = st.datetimes(datetime(2024, 1, 1), datetime(2034, 12, 31), timezones=st.just(LONDON))


@settings(deadline=None)
@given(recurrence=RECURRENCES, after=MOMENTS, later_by=st.timedeltas(timedelta(0), timedelta(days=800)))
def test_next_occurrence_is_strictly_after_its_input_the_first_such_and_monotone(recurrence, after, later_by):
    number = next_occurrence(recurrence, RULES, after)
    assert occurrence_at(recurrence, number, RULES) > after
    if number:
        assert occurrence_at(recurrence, number - 1, RULES) <= after
    assert next_occurrence(recurrence, RULES, after + later_by) >= number


@settings(deadline=None)
@given(recurrence=RECURRENCES, count=st.integers(1, 30))
def test_rounds_open_on_working_mornings_in_order_never_before_their_nominal_day(recurrence, count):
    opened = [occurrence_at(recurrence, number, RULES) for number in range(count)]
    assert opened == sorted(opened) and len(set(opened)) == count
    for number, at in enumerate(opened):
        nominal = occurrence_day(recurrence, number)
        assert at.time() == MORNING
        assert RULES.calendar.is_working_day(at.date())
        assert nominal <= at.date() < nominal + timedelta(days=7)  # the longest England and Wales closure is 4 days


@settings(deadline=None)
@given(recurrence=RECURRENCES, first=st.integers(0, 10), now=MOMENTS)
def test_latest_due_is_the_last_round_due_by_now_and_never_below_the_first(recurrence, first, now):
    latest = latest_due(recurrence, RULES, first, now)
    assert latest >= first
    assert occurrence_at(recurrence, latest + 1, RULES) > now
    if occurrence_at(recurrence, first, RULES) <= now:
        assert occurrence_at(recurrence, latest, RULES) <= now
        assert latest == next_occurrence(recurrence, RULES, now) - 1
    else:
        assert latest == first
