"""From an anchor and a duration to a deadline: day units, month clamping, exact hours across DST."""

from datetime import UTC, date, datetime, time, timedelta, timezone

import pytest

from workflows.calendar import (
    LONDON,
    Counting,
    Deadline,
    Duration,
    Unit,
    WorkingDayCalendar,
    compute_deadline,
    parse_duration,
)
from workflows.calendar.deadlines import END_OF_DAY, add_months, anchor_day, anchor_instant

SAME_DAY = Counting.SAME_DAY
NEXT = Counting.NEXT_WORKING_DAY
BST = timezone(timedelta(hours=1))


def deadline(text: str, anchor: date | datetime, calendar: WorkingDayCalendar | None = None, **kwargs) -> Deadline:
    return compute_deadline(parse_duration(text), anchor, calendar or WorkingDayCalendar(), **kwargs)


# --- working days -----------------------------------------------------------------------------------


def test_five_working_days_from_18_dec_2026_next_working_day() -> None:
    result = deadline("5 working days", date(2026, 12, 18))
    assert result.day == date(2026, 12, 29)
    assert result.at == datetime(2026, 12, 29, 23, 59, 59, tzinfo=LONDON)
    assert result.display() == "2026-12-29"
    assert result.skipped == (
        (date(2026, 12, 19), "weekend (Saturday)"),
        (date(2026, 12, 20), "weekend (Sunday)"),
        (date(2026, 12, 25), "bank holiday: Christmas Day"),
        (date(2026, 12, 26), "bank holiday: Boxing Day"),
        (date(2026, 12, 27), "weekend (Sunday)"),
        (date(2026, 12, 28), "bank holiday: Boxing Day (observed)"),
    )


def test_default_counting_is_next_working_day() -> None:
    explicit = deadline("5 working days", date(2026, 12, 18), counting=NEXT)
    assert deadline("5 working days", date(2026, 12, 18)) == explicit


def test_five_working_days_from_18_dec_2026_same_day() -> None:
    result = deadline("5 working days", date(2026, 12, 18), counting=SAME_DAY)
    assert result.day == date(2026, 12, 24)
    assert result.at == datetime(2026, 12, 24, 23, 59, 59, tzinfo=LONDON)
    assert result.display() == "2026-12-24"
    assert result.skipped == (
        (date(2026, 12, 19), "weekend (Saturday)"),
        (date(2026, 12, 20), "weekend (Sunday)"),
    )


def test_same_day_from_a_non_working_anchor_lists_the_anchor_as_skipped() -> None:
    result = deadline("1 working day", date(2026, 12, 26), counting=SAME_DAY)
    assert result.day == date(2026, 12, 29)
    assert [day for day, _ in result.skipped] == [date(2026, 12, 26), date(2026, 12, 27), date(2026, 12, 28)]
    assert result.skipped[0] == (date(2026, 12, 26), "bank holiday: Boxing Day")


def test_next_working_day_never_lists_the_anchor_as_skipped() -> None:
    result = deadline("1 working day", date(2026, 12, 26))
    assert result.day == date(2026, 12, 29)
    assert [day for day, _ in result.skipped] == [date(2026, 12, 27), date(2026, 12, 28)]


def test_skipped_includes_local_closures(closure_calendar: WorkingDayCalendar) -> None:
    result = deadline("5 working days", date(2026, 12, 18), closure_calendar)
    assert result.day == date(2026, 12, 31)
    reasons = dict(result.skipped)
    assert reasons[date(2026, 12, 24)] == "local closure: Christmas Eve office closure"
    assert reasons[date(2026, 12, 26)] == "bank holiday: Boxing Day"
    assert reasons[date(2026, 12, 29)] == "local closure: Winter shutdown"
    assert date(2026, 12, 31) not in reasons


def test_no_skipped_days_when_none_are_crossed() -> None:
    result = deadline("3 working days", date(2026, 6, 1))
    assert result.day == date(2026, 6, 4)
    assert result.skipped == ()


def test_working_days_across_easter_2026() -> None:
    result = deadline("2 working days", date(2026, 4, 2))  # Maundy Thursday
    assert result.day == date(2026, 4, 8)
    assert dict(result.skipped) == {
        date(2026, 4, 3): "bank holiday: Good Friday",
        date(2026, 4, 4): "weekend (Saturday)",
        date(2026, 4, 5): "weekend (Sunday)",
        date(2026, 4, 6): "bank holiday: Easter Monday",
    }


def test_working_days_across_christmas_and_new_year_2027() -> None:
    result = deadline("5 working days", date(2027, 12, 23))
    # 24, 29, 30, 31 Dec 2027 then 4 Jan 2028 (3 Jan is the New Year substitute).
    assert result.day == date(2028, 1, 4)
    skipped = dict(result.skipped)
    assert skipped[date(2027, 12, 27)].startswith("bank holiday: ")
    assert skipped[date(2027, 12, 28)].startswith("bank holiday: ")
    assert skipped[date(2028, 1, 3)].startswith("bank holiday: New Year's Day")


def test_datetime_anchor_uses_the_london_date() -> None:
    # 23:30 UTC on 30 June is 00:30 BST on 1 July: the London day is 1 July (a Wednesday).
    utc_anchor = datetime(2026, 6, 30, 23, 30, tzinfo=UTC)
    assert anchor_day(utc_anchor) == date(2026, 7, 1)
    assert deadline("1 working day", utc_anchor).day == date(2026, 7, 2)
    assert deadline("1 working day", utc_anchor, counting=SAME_DAY).day == date(2026, 7, 1)
    # In winter London is UTC, so the date does not move.
    assert anchor_day(datetime(2026, 1, 14, 23, 30, tzinfo=UTC)) == date(2026, 1, 14)


def test_naive_datetime_anchor_is_london_wall_time() -> None:
    naive = datetime(2026, 7, 1, 0, 30)
    assert anchor_day(naive) == date(2026, 7, 1)
    assert anchor_instant(naive) == datetime(2026, 6, 30, 23, 30, tzinfo=UTC)
    assert deadline("1 working day", naive).day == date(2026, 7, 2)


def test_date_anchor_instant_is_london_midnight() -> None:
    assert anchor_instant(date(2026, 7, 1)) == datetime(2026, 6, 30, 23, 0, tzinfo=UTC)
    assert anchor_instant(date(2026, 1, 1)) == datetime(2026, 1, 1, 0, 0, tzinfo=UTC)


# --- end of day, display ----------------------------------------------------------------------------


def test_day_deadline_ends_at_end_of_london_day_in_summer_and_winter() -> None:
    assert time(23, 59, 59) == END_OF_DAY
    summer = deadline("1 working day", date(2026, 7, 1))
    assert summer.at.tzinfo is LONDON
    assert summer.at.isoformat() == "2026-07-02T23:59:59+01:00"
    assert summer.at.astimezone(UTC) == datetime(2026, 7, 2, 22, 59, 59, tzinfo=UTC)
    winter = deadline("1 working day", date(2026, 1, 14))
    assert winter.at.isoformat() == "2026-01-15T23:59:59+00:00"


def test_custom_day_ends_at() -> None:
    result = deadline("5 working days", date(2026, 12, 18), day_ends_at=time(17, 0))
    assert result.day == date(2026, 12, 29)
    assert result.at == datetime(2026, 12, 29, 17, 0, tzinfo=LONDON)
    assert result.display() == "2026-12-29"
    summer = deadline("2 weeks", date(2026, 6, 1), day_ends_at=time(17, 30))
    assert summer.at.isoformat() == "2026-06-15T17:30:00+01:00"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("10 calendar days", "2026-12-28"),
        ("2 weeks", "2027-01-01"),
        ("1 month", "2027-01-18"),
        ("2 years", "2028-12-18"),
        ("5 working days", "2026-12-29"),
    ],
)
def test_display_of_day_units_is_a_date(text: str, expected: str) -> None:
    result = deadline(text, date(2026, 12, 18))
    assert result.display() == expected
    assert result.day is not None
    assert result.day.isoformat() == expected
    assert result.at == datetime.combine(result.day, END_OF_DAY, tzinfo=LONDON)


def test_deadline_is_frozen() -> None:
    result = deadline("1 working day", date(2026, 6, 1))
    with pytest.raises(AttributeError):
        result.day = date(2026, 6, 3)  # type: ignore[misc]


# --- calendar days, weeks, months, years --------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "anchor", "expected"),
    [
        ("10 calendar days", date(2026, 12, 18), date(2026, 12, 28)),
        ("1 calendar day", date(2026, 2, 28), date(2026, 3, 1)),
        ("1 calendar day", date(2028, 2, 28), date(2028, 2, 29)),
        ("6 weeks", date(2026, 11, 30), date(2027, 1, 11)),
        ("1 week", date(2026, 12, 28), date(2027, 1, 4)),
        ("3 months", date(2026, 11, 30), date(2027, 2, 28)),
        ("1 month", date(2026, 1, 31), date(2026, 2, 28)),
        ("1 month", date(2028, 1, 31), date(2028, 2, 29)),
        ("1 month", date(2026, 3, 31), date(2026, 4, 30)),
        ("1 month", date(2026, 12, 31), date(2027, 1, 31)),
        ("12 months", date(2026, 12, 31), date(2027, 12, 31)),
        ("13 months", date(2027, 1, 31), date(2028, 2, 29)),
        ("1 year", date(2028, 2, 29), date(2029, 2, 28)),
        ("4 years", date(2028, 2, 29), date(2032, 2, 29)),
        ("2 years", date(2026, 6, 15), date(2028, 6, 15)),
    ],
)
def test_calendar_units(text: str, anchor: date, expected: date) -> None:
    result = deadline(text, anchor)
    assert result.day == expected
    assert result.skipped == ()


def test_calendar_units_are_not_rolled_to_a_working_day() -> None:
    # The spec defines no roll-forward for calendar units: a month from 25 Nov is Christmas Day.
    assert deadline("1 month", date(2026, 11, 25)).day == date(2026, 12, 25)
    assert deadline("7 calendar days", date(2026, 12, 19)).day == date(2026, 12, 26)


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2028, 1, 31), 1, date(2028, 2, 29)),
        (date(2026, 1, 30), 1, date(2026, 2, 28)),
        (date(2026, 1, 28), 1, date(2026, 2, 28)),
        (date(2026, 8, 31), 1, date(2026, 9, 30)),
        (date(2026, 5, 31), 6, date(2026, 11, 30)),
        (date(2026, 10, 31), 4, date(2027, 2, 28)),
        (date(2026, 12, 15), 1, date(2027, 1, 15)),
        (date(2026, 11, 15), 2, date(2027, 1, 15)),
        (date(2026, 1, 1), 24, date(2028, 1, 1)),
        (date(2028, 2, 29), 12, date(2029, 2, 28)),
        (date(2028, 2, 29), 48, date(2032, 2, 29)),
        (date(2026, 12, 31), 0, date(2026, 12, 31)),
    ],
)
def test_add_months_clamps_to_month_end(start: date, months: int, expected: date) -> None:
    assert add_months(start, months) == expected


# --- hours: exact elapsed time across DST ---------------------------------------------------------------


def test_72_hours_across_autumn_clock_change_2026() -> None:
    anchor = datetime(2026, 10, 24, 22, 30, tzinfo=BST)
    result = deadline("72 hours", anchor)
    assert result.at == datetime(2026, 10, 27, 21, 30, tzinfo=UTC)
    assert result.at.isoformat() == "2026-10-27T21:30:00+00:00"
    assert result.display() == "2026-10-27T21:30:00+00:00"
    assert result.day is None
    assert result.skipped == ()
    assert result.at.tzinfo is LONDON
    assert result.at.astimezone(UTC) - anchor.astimezone(UTC) == timedelta(hours=72)


def test_72_hours_across_spring_clock_change_2026() -> None:
    # Clocks go forward at 01:00 UTC on 29 Mar 2026: the wall clock gains an hour.
    anchor = datetime(2026, 3, 27, 22, 30, tzinfo=UTC)
    result = deadline("72 hours", anchor)
    assert result.at.isoformat() == "2026-03-30T23:30:00+01:00"
    assert result.display() == "2026-03-30T23:30:00+01:00"
    assert result.at.astimezone(UTC) == datetime(2026, 3, 30, 22, 30, tzinfo=UTC)


def test_24_hours_across_spring_forward_is_not_the_same_wall_time() -> None:
    result = deadline("24 hours", datetime(2026, 3, 28, 12, 0, tzinfo=LONDON))
    assert result.display() == "2026-03-29T13:00:00+01:00"


def test_24_hours_across_fall_back_is_not_the_same_wall_time() -> None:
    result = deadline("24 hours", datetime(2026, 10, 24, 12, 0, tzinfo=LONDON))
    assert result.display() == "2026-10-25T11:00:00+00:00"


def test_one_hour_through_the_repeated_hour() -> None:
    # 00:30 BST on 25 Oct 2026 + 1h = 01:30 BST (first pass); + 2h = 01:30 GMT (second pass).
    anchor = datetime(2026, 10, 25, 0, 30, tzinfo=LONDON)
    first = deadline("1 hour", anchor).at
    second = deadline("2 hours", anchor).at
    assert first.isoformat() == "2026-10-25T01:30:00+01:00"
    assert second.isoformat() == "2026-10-25T01:30:00+00:00"
    assert second.astimezone(UTC) - first.astimezone(UTC) == timedelta(hours=1)


def test_one_hour_over_the_spring_gap() -> None:
    # 00:30 GMT on 29 Mar 2026 + 1h = 02:30 BST (01:xx never happens on the wall clock).
    result = deadline("1 hour", datetime(2026, 3, 29, 0, 30, tzinfo=LONDON))
    assert result.display() == "2026-03-29T02:30:00+01:00"


def test_hours_from_a_date_anchor_start_at_london_midnight() -> None:
    # Midnight on 29 Mar 2026 is GMT; 24 elapsed hours later the clock reads 01:00 BST.
    result = deadline("24 hours", date(2026, 3, 29))
    assert result.display() == "2026-03-30T01:00:00+01:00"
    assert result.day is None
    autumn = deadline("24 hours", date(2026, 10, 25))
    assert autumn.display() == "2026-10-25T23:00:00+00:00"


def test_hours_from_a_naive_anchor_read_as_london_wall_time() -> None:
    result = deadline("2 hours", datetime(2026, 7, 1, 9, 15))
    assert result.display() == "2026-07-01T11:15:00+01:00"


def test_hours_ignore_working_days_and_day_ends_at() -> None:
    # 48 hours from Christmas Eve lands on Boxing Day: elapsed time knows nothing of holidays.
    result = deadline("48 hours", datetime(2026, 12, 24, 9, 0, tzinfo=UTC), day_ends_at=time(17, 0))
    assert result.display() == "2026-12-26T09:00:00+00:00"


def test_compute_deadline_accepts_a_constructed_duration() -> None:
    result = compute_deadline(Duration(5, Unit.WORKING_DAYS), date(2026, 12, 18), WorkingDayCalendar())
    assert result.day == date(2026, 12, 29)


def test_hours_landing_in_the_repeated_hour_display_the_gmt_offset() -> None:
    # 00:59 UTC on 25 Oct 2020 is 01:59 BST; one hour later is the second 01:59, now GMT.
    result = deadline("1 hour", datetime(2020, 10, 25, 0, 59, tzinfo=UTC))
    assert result.display() == "2020-10-25T01:59:00+00:00"
    assert result.at.fold == 1
    assert result.at.astimezone(UTC) == datetime(2020, 10, 25, 1, 59, tzinfo=UTC)
