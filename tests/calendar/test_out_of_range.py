"""Dates out of range (issue 12, section 1): an anchor or an amount at or beyond the bounds is answered or refused
with the calendar's own error, never Python's OverflowError or `year 10050 is out of range`."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workflows.calendar import CalendarRangeError, Counting, DurationError, WorkingDayCalendar, compute_deadline
from workflows.calendar.bounds import CALENDAR_FIRST, CALENDAR_LAST, FIRST_YEAR, LAST_YEAR
from workflows.calendar.durations import _LARGEST, Unit, parse_duration

CALENDAR = WorkingDayCalendar()
UNITS = st.sampled_from(list(Unit))
COUNTINGS = st.sampled_from(list(Counting))
ANY_DAY = st.dates(min_value=date.min, max_value=date.max)
ANY_MOMENT = (
    ANY_DAY
    | st.datetimes(min_value=datetime.min, max_value=datetime.max)
    | st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=st.just(UTC))
)
PLAUSIBLE_DAY = st.dates(min_value=date(FIRST_YEAR, 1, 1), max_value=date(LAST_YEAR, 12, 31))


@settings(max_examples=150, deadline=None)
@given(unit=UNITS, amount=st.integers(min_value=1, max_value=20_000), anchor=ANY_MOMENT, counting=COUNTINGS)
def test_any_anchor_and_amount_is_answered_inside_the_calendar_or_refused_by_it(unit, amount, anchor, counting):
    try:
        duration = parse_duration(f"{amount} {unit.value}")
    except DurationError as error:
        assert amount > _LARGEST[unit] and "too long" in str(error)
        return
    try:
        deadline = compute_deadline(duration, anchor, CALENDAR, counting)
    except CalendarRangeError as error:
        assert "outside the calendar" in str(error)
        return
    assert CALENDAR_FIRST <= (deadline.day or deadline.at.date()) <= CALENDAR_LAST + timedelta(days=1)


@settings(max_examples=60, deadline=None)
@given(unit=UNITS, data=st.data(), anchor=PLAUSIBLE_DAY, counting=COUNTINGS)
def test_every_allowed_amount_from_every_allowed_anchor_has_an_answer(unit, data, anchor, counting):
    """The bounds fit together: the longest duration from the last allowed day still lies inside the calendar."""
    amount = data.draw(st.integers(min_value=1, max_value=_LARGEST[unit]) | st.just(_LARGEST[unit]))
    deadline = compute_deadline(parse_duration(f"{amount} {unit.value}"), anchor, CALENDAR, counting)
    assert (deadline.day or deadline.at.date()) >= anchor


@settings(max_examples=100, deadline=None)
@given(digits=st.integers(min_value=7, max_value=6000), unit=UNITS)
def test_an_amount_of_many_digits_is_too_long_in_one_short_line(digits, unit):
    text = f"{'9' * digits} {unit.value}"
    with pytest.raises(DurationError, match="too long") as refused:
        parse_duration(text)
    assert len(str(refused.value)) < 200 and "\n" not in str(refused.value)


@pytest.mark.parametrize(
    ("duration", "anchor"),
    [
        ("3650 working days", date(9990, 1, 1)),
        ("10 years", date(9995, 1, 1)),
        ("8760 hours", datetime(9999, 12, 31, 23, 0)),
        ("1 working day", date(9999, 12, 31)),
        ("5 working days", date(2399, 12, 28)),
        ("1 month", date(1, 1, 1)),
    ],
)
def test_the_issue_examples_raise_the_calendars_own_error(duration, anchor):
    with pytest.raises(CalendarRangeError):
        compute_deadline(parse_duration(duration), anchor, CALENDAR)


@settings(max_examples=50, deadline=None)
@given(day=st.dates(min_value=date(2399, 12, 1), max_value=date.max) | st.dates(max_value=date(1900, 1, 10)))
def test_stepping_past_the_calendars_ends_raises_its_error(day):
    for step in (CALENDAR.next_working_day, lambda d: CALENDAR.subtract_working_days(d, 30)):
        try:
            result = step(day)
        except CalendarRangeError:
            continue
        assert CALENDAR_FIRST <= result <= CALENDAR_LAST
