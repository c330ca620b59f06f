"""A deadline is never before the moment it counts from (issue class: same-day counting after the cut-off).

An anchor at or after the day's cut-off (`day_ends_at`), or on a non-working day, starts the count on the
next working day, under both conventions.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from workflows.calendar import LONDON, Counting, Duration, Unit, WorkingDayCalendar, compute_deadline
from workflows.calendar.deadlines import anchor_instant

moments = st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2035, 12, 31))
date_only = st.dates(min_value=date(2020, 1, 1), max_value=date(2035, 12, 31))
cut_offs = st.times(min_value=time(0, 0, 1))  # a day ends some time after midnight


@st.composite
def calendars(draw: st.DrawFn, near: date) -> WorkingDayCalendar:
    offsets = draw(st.sets(st.integers(min_value=-2, max_value=40), max_size=12))
    return WorkingDayCalendar("random", {near + timedelta(days=offset): "closed" for offset in offsets})


@settings(deadline=None, max_examples=400)
@given(
    data=st.data(),
    anchor=st.one_of(moments, date_only),
    unit=st.sampled_from(list(Unit)),
    amount=st.integers(min_value=1, max_value=40),
    counting=st.sampled_from(list(Counting)),
    day_ends_at=cut_offs,
)
def test_a_deadline_is_never_before_its_anchor(data, anchor, unit, amount, counting, day_ends_at):
    if isinstance(anchor, datetime):
        anchor = anchor.replace(tzinfo=LONDON)
    day = anchor.date() if isinstance(anchor, datetime) else anchor
    calendar = data.draw(calendars(day))
    deadline = compute_deadline(Duration(amount, unit), anchor, calendar, counting, day_ends_at)
    assert deadline.at >= anchor_instant(anchor)
    if unit is Unit.WORKING_DAYS:
        assert calendar.is_working_day(deadline.day)


@settings(deadline=None, max_examples=300)
@given(anchor=moments, amount=st.integers(min_value=1, max_value=30), day_ends_at=cut_offs)
def test_after_the_cut_off_both_conventions_count_from_the_next_working_day(anchor, amount, day_ends_at):
    calendar = WorkingDayCalendar()
    anchor = anchor.replace(tzinfo=LONDON)
    late = anchor.time() >= day_ends_at
    same_day = compute_deadline(Duration(amount, Unit.WORKING_DAYS), anchor, calendar, Counting.SAME_DAY, day_ends_at)
    next_day = compute_deadline(
        Duration(amount, Unit.WORKING_DAYS), anchor, calendar, Counting.NEXT_WORKING_DAY, day_ends_at
    )
    if late or not calendar.is_working_day(anchor.date()):
        assert same_day.day == next_day.day  # day 1 is the next working day under both
    else:
        assert same_day.day == calendar.subtract_working_days(next_day.day, 1)  # the anchor day is day 1


def test_a_case_started_at_17_30_with_a_16_00_cut_off_is_due_the_next_working_day():
    """Friday 18 December 2026, 17:30, cut-off 16:00, same-day counting: day 1 is Monday 21 December."""
    started = datetime(2026, 12, 18, 17, 30, tzinfo=LONDON)
    deadline = compute_deadline(
        Duration(1, Unit.WORKING_DAYS), started, WorkingDayCalendar(), Counting.SAME_DAY, time(16, 0)
    )
    assert deadline.day == date(2026, 12, 21)
    assert deadline.at == datetime(2026, 12, 21, 16, 0, tzinfo=LONDON)
    assert deadline.skipped[0] == (
        date(2026, 12, 18),
        "after the day's cut-off (16:00): counting starts the next working day",
    )
    before_cut_off = started.replace(hour=15, minute=59)
    earlier = compute_deadline(
        Duration(1, Unit.WORKING_DAYS), before_cut_off, WorkingDayCalendar(), Counting.SAME_DAY, time(16, 0)
    )
    assert earlier.at == datetime(2026, 12, 18, 16, 0, tzinfo=LONDON)  # still that day, after its anchor
