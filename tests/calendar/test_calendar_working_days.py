"""Working days: weekends, England & Wales bank holidays (with substitute days), local closures."""

from datetime import date, timedelta

import holidays
import pytest

from workflows.calendar import Counting, WorkingDayCalendar

SAME_DAY = Counting.SAME_DAY
NEXT = Counting.NEXT_WORKING_DAY


# --- the spec's stated holiday facts, checked against the holidays package first -----------------


def test_christmas_2026_boxing_day_substitute(eng_holidays: holidays.HolidayBase, calendar: WorkingDayCalendar) -> None:
    assert date(2026, 12, 25).weekday() == 4  # Friday
    assert date(2026, 12, 26).weekday() == 5  # Saturday
    assert date(2026, 12, 28) in eng_holidays
    assert "Boxing Day" in eng_holidays[date(2026, 12, 28)]
    assert not calendar.is_working_day(date(2026, 12, 28))
    assert calendar.non_working_reason(date(2026, 12, 28)) == f"bank holiday: {eng_holidays[date(2026, 12, 28)]}"
    # 29 Dec 2026 is an ordinary Tuesday.
    assert date(2026, 12, 29) not in eng_holidays
    assert calendar.is_working_day(date(2026, 12, 29))


def test_easter_2026(eng_holidays: holidays.HolidayBase, calendar: WorkingDayCalendar) -> None:
    assert eng_holidays.get(date(2026, 4, 3)) == "Good Friday"
    assert eng_holidays.get(date(2026, 4, 6)) == "Easter Monday"
    assert calendar.non_working_reason(date(2026, 4, 3)) == "bank holiday: Good Friday"
    assert calendar.non_working_reason(date(2026, 4, 6)) == "bank holiday: Easter Monday"
    assert calendar.is_working_day(date(2026, 4, 2))  # Maundy Thursday is a working day
    assert calendar.is_working_day(date(2026, 4, 7))
    # Thursday before Easter -> next working day is the Tuesday after.
    assert calendar.next_working_day(date(2026, 4, 2)) == date(2026, 4, 7)


def test_christmas_2027_double_substitute(eng_holidays: holidays.HolidayBase, calendar: WorkingDayCalendar) -> None:
    assert date(2027, 12, 25).weekday() == 5  # Saturday
    assert date(2027, 12, 26).weekday() == 6  # Sunday
    for day in (date(2027, 12, 27), date(2027, 12, 28)):
        assert day in eng_holidays
        assert "(observed)" in eng_holidays[day]
        assert calendar.non_working_reason(day) == f"bank holiday: {eng_holidays[day]}"
    assert calendar.next_working_day(date(2027, 12, 24)) == date(2027, 12, 29)


def test_new_year_2028_substitute(eng_holidays: holidays.HolidayBase, calendar: WorkingDayCalendar) -> None:
    assert date(2028, 1, 1).weekday() == 5  # Saturday
    assert date(2028, 1, 3) in eng_holidays
    assert "New Year" in eng_holidays[date(2028, 1, 3)]
    assert not calendar.is_working_day(date(2028, 1, 3))
    assert calendar.next_working_day(date(2027, 12, 31)) == date(2028, 1, 4)


@pytest.mark.parametrize(
    ("good_friday", "easter_monday"),
    [
        (date(2020, 4, 10), date(2020, 4, 13)),
        (date(2024, 3, 29), date(2024, 4, 1)),
        (date(2025, 4, 18), date(2025, 4, 21)),
        (date(2026, 4, 3), date(2026, 4, 6)),
        (date(2027, 3, 26), date(2027, 3, 29)),
        (date(2028, 4, 14), date(2028, 4, 17)),
        (date(2030, 4, 19), date(2030, 4, 22)),
        (date(2035, 3, 23), date(2035, 3, 26)),
    ],
)
def test_easter_in_several_years(
    eng_holidays: holidays.HolidayBase,
    calendar: WorkingDayCalendar,
    good_friday: date,
    easter_monday: date,
) -> None:
    assert eng_holidays.get(good_friday) == "Good Friday"
    assert eng_holidays.get(easter_monday) == "Easter Monday"
    assert good_friday.weekday() == 4
    assert easter_monday == good_friday + timedelta(days=3)
    assert not calendar.is_working_day(good_friday)
    assert not calendar.is_working_day(easter_monday)
    # The whole long weekend is skipped: Thursday -> Tuesday.
    assert calendar.next_working_day(good_friday - timedelta(days=1)) == easter_monday + timedelta(days=1)
    assert calendar.working_days_between(good_friday - timedelta(days=1), easter_monday + timedelta(days=1)) == 1


@pytest.mark.parametrize("year", range(2020, 2036))
def test_christmas_and_new_year_agree_with_holidays_package(
    eng_holidays: holidays.HolidayBase, calendar: WorkingDayCalendar, year: int
) -> None:
    """Every day from 20 Dec to 10 Jan is classified exactly as the reference says."""
    day = date(year, 12, 20)
    while day <= date(year + 1, 1, 10):
        expected_working = day.weekday() < 5 and day not in eng_holidays
        assert calendar.is_working_day(day) is expected_working, day
        day += timedelta(days=1)
    # Two bank holidays fall on or after Christmas Day every year, and exactly one for New Year.
    christmas_period = [d for d in eng_holidays if date(year, 12, 25) <= d <= date(year, 12, 31)]
    new_year_period = [d for d in eng_holidays if date(year + 1, 1, 1) <= d <= date(year + 1, 1, 7)]
    weekday_christmas = [d for d in christmas_period if d.weekday() < 5]
    weekday_new_year = [d for d in new_year_period if d.weekday() < 5]
    assert len(weekday_christmas) == 2, christmas_period
    assert len(weekday_new_year) == 1, new_year_period


@pytest.mark.parametrize(
    ("day", "reason"),
    [
        # Boxing Day on a Saturday reads as Boxing Day, not as a weekend.
        (date(2026, 12, 26), "bank holiday: Boxing Day"),
        (date(2027, 12, 25), "bank holiday: Christmas Day"),
        (date(2027, 12, 26), "bank holiday: Boxing Day"),
        (date(2028, 1, 1), "bank holiday: New Year's Day"),
        (date(2026, 12, 25), "bank holiday: Christmas Day"),
        (date(2026, 5, 4), "bank holiday: May Day"),
        (date(2026, 8, 31), "bank holiday: Late Summer Bank Holiday"),
        (date(2026, 12, 19), "weekend (Saturday)"),
        (date(2026, 12, 20), "weekend (Sunday)"),
        (date(2026, 12, 18), None),
        (date(2026, 12, 21), None),
    ],
)
def test_non_working_reason(calendar: WorkingDayCalendar, day: date, reason: str | None) -> None:
    assert calendar.non_working_reason(day) == reason
    assert calendar.is_working_day(day) is (reason is None)


def test_one_off_bank_holidays(eng_holidays: holidays.HolidayBase, calendar: WorkingDayCalendar) -> None:
    # State funeral (19 Sep 2022) and the Coronation (8 May 2023) were extra bank holidays.
    for day in (date(2022, 9, 19), date(2023, 5, 8), date(2022, 6, 3)):
        assert day in eng_holidays
        assert day.weekday() < 5
        assert not calendar.is_working_day(day)
        assert calendar.non_working_reason(day) == f"bank holiday: {eng_holidays[day]}"


def test_every_day_2020_to_2035_agrees_with_reference(
    eng_holidays: holidays.HolidayBase, calendar: WorkingDayCalendar
) -> None:
    day, last = date(2020, 1, 1), date(2035, 12, 31)
    while day <= last:
        assert calendar.is_working_day(day) is (day.weekday() < 5 and day not in eng_holidays), day
        day += timedelta(days=1)


def test_ordinary_year_has_expected_working_day_count(calendar: WorkingDayCalendar) -> None:
    # 2026: 261 weekdays, 8 bank holidays all on weekdays (Boxing Day moves to Monday 28th).
    assert calendar.working_days_between(date(2025, 12, 31), date(2026, 12, 31)) == 261 - 8


# --- local closures --------------------------------------------------------------------------------


def test_local_closure_is_not_a_working_day(closure_calendar: WorkingDayCalendar) -> None:
    assert not closure_calendar.is_working_day(date(2026, 12, 24))
    assert closure_calendar.non_working_reason(date(2026, 12, 24)) == "local closure: Christmas Eve office closure"
    assert closure_calendar.non_working_reason(date(2026, 12, 29)) == "local closure: Winter shutdown"


def test_bank_holiday_named_before_closure(closure_calendar: WorkingDayCalendar) -> None:
    assert closure_calendar.non_working_reason(date(2026, 12, 26)) == "bank holiday: Boxing Day"


def test_closure_named_before_weekend(closure_calendar: WorkingDayCalendar) -> None:
    assert closure_calendar.non_working_reason(date(2026, 7, 11)) == "local closure: Saturday system migration"


def test_closures_do_not_leak_between_calendars(closure_calendar: WorkingDayCalendar) -> None:
    assert not closure_calendar.is_working_day(date(2026, 12, 24))
    assert WorkingDayCalendar().is_working_day(date(2026, 12, 24))


def test_closures_mapping_is_copied() -> None:
    closures = {date(2026, 6, 1): "Training day"}
    calendar = WorkingDayCalendar(closures=closures)
    closures[date(2026, 6, 2)] = "Added later"
    assert not calendar.is_working_day(date(2026, 6, 1))
    assert calendar.is_working_day(date(2026, 6, 2))


def test_closure_with_empty_reason_is_still_a_closure() -> None:
    calendar = WorkingDayCalendar(closures={date(2026, 6, 1): ""})
    assert not calendar.is_working_day(date(2026, 6, 1))


def test_repr_names_calendar_and_closure_count(closure_calendar: WorkingDayCalendar) -> None:
    assert repr(closure_calendar) == "WorkingDayCalendar('test-council', 4 closures)"
    assert repr(WorkingDayCalendar()) == "WorkingDayCalendar('england-and-wales', 0 closures)"


# --- stepping and counting ----------------------------------------------------------------------------


def test_next_working_day_is_strictly_after(calendar: WorkingDayCalendar) -> None:
    assert calendar.next_working_day(date(2026, 6, 1)) == date(2026, 6, 2)  # Mon -> Tue
    assert calendar.next_working_day(date(2026, 6, 5)) == date(2026, 6, 8)  # Fri -> Mon
    assert calendar.next_working_day(date(2026, 6, 6)) == date(2026, 6, 8)  # Sat -> Mon
    assert calendar.next_working_day(date(2026, 12, 24)) == date(2026, 12, 29)


def test_working_day_on_or_after(calendar: WorkingDayCalendar) -> None:
    assert calendar.working_day_on_or_after(date(2026, 6, 1)) == date(2026, 6, 1)
    assert calendar.working_day_on_or_after(date(2026, 6, 6)) == date(2026, 6, 8)
    assert calendar.working_day_on_or_after(date(2026, 12, 25)) == date(2026, 12, 29)


def test_five_working_days_from_friday_before_christmas_2026(calendar: WorkingDayCalendar) -> None:
    anchor = date(2026, 12, 18)
    assert anchor.weekday() == 4
    assert calendar.add_working_days(anchor, 5) == date(2026, 12, 29)
    assert calendar.add_working_days(anchor, 5, NEXT) == date(2026, 12, 29)
    assert calendar.add_working_days(anchor, 5, SAME_DAY) == date(2026, 12, 24)


def test_five_working_days_with_closures(closure_calendar: WorkingDayCalendar) -> None:
    # 21, 22, 23 count; 24 closed; 25-28 holidays/weekend; 29 closed; 30, 31 count.
    assert closure_calendar.add_working_days(date(2026, 12, 18), 5) == date(2026, 12, 31)
    assert closure_calendar.add_working_days(date(2026, 12, 18), 5, SAME_DAY) == date(2026, 12, 30)


@pytest.mark.parametrize(
    ("anchor", "amount", "counting", "expected"),
    [
        (date(2026, 6, 1), 1, NEXT, date(2026, 6, 2)),
        (date(2026, 6, 1), 1, SAME_DAY, date(2026, 6, 1)),
        (date(2026, 6, 1), 5, NEXT, date(2026, 6, 8)),
        (date(2026, 6, 1), 5, SAME_DAY, date(2026, 6, 5)),
        # Non-working anchor: same-day behaves exactly like next-working-day.
        (date(2026, 6, 6), 1, NEXT, date(2026, 6, 8)),
        (date(2026, 6, 6), 1, SAME_DAY, date(2026, 6, 8)),
        (date(2026, 6, 6), 5, SAME_DAY, date(2026, 6, 12)),
        (date(2026, 12, 25), 1, SAME_DAY, date(2026, 12, 29)),
        (date(2026, 12, 25), 1, NEXT, date(2026, 12, 29)),
        # Across Easter 2026 (3 and 6 April).
        (date(2026, 4, 1), 3, NEXT, date(2026, 4, 8)),
        (date(2026, 4, 1), 3, SAME_DAY, date(2026, 4, 7)),
        # Across Christmas and New Year 2027/28: 27, 28 Dec and 3 Jan are holidays.
        (date(2027, 12, 24), 1, NEXT, date(2027, 12, 29)),
        (date(2027, 12, 24), 4, NEXT, date(2028, 1, 4)),
        (date(2027, 12, 24), 4, SAME_DAY, date(2027, 12, 31)),
        (date(2027, 12, 24), 5, SAME_DAY, date(2028, 1, 4)),
        # Across Christmas 2022: 26 (Boxing Day), 27 (Christmas substitute), 2 Jan 2023 (New Year sub).
        (date(2022, 12, 23), 5, NEXT, date(2023, 1, 4)),
        (date(2022, 12, 23), 5, SAME_DAY, date(2023, 1, 3)),
        # 20 working days: four plain weeks with no holidays.
        (date(2026, 6, 1), 20, NEXT, date(2026, 6, 29)),
    ],
)
def test_add_working_days_known_answers(
    calendar: WorkingDayCalendar, anchor: date, amount: int, counting: Counting, expected: date
) -> None:
    assert calendar.add_working_days(anchor, amount, counting) == expected


@pytest.mark.parametrize("amount", [0, -1, -5])
def test_add_working_days_rejects_non_positive(calendar: WorkingDayCalendar, amount: int) -> None:
    with pytest.raises(ValueError, match="at least 1"):
        calendar.add_working_days(date(2026, 6, 1), amount)


def test_working_days_between_is_half_open(calendar: WorkingDayCalendar) -> None:
    monday, tuesday, friday = date(2026, 6, 1), date(2026, 6, 2), date(2026, 6, 5)
    assert calendar.working_days_between(monday, monday) == 0
    assert calendar.working_days_between(monday, tuesday) == 1  # start excluded, end included
    assert calendar.working_days_between(monday, friday) == 4
    assert calendar.working_days_between(date(2026, 5, 31), friday) == 5  # Sunday start
    assert calendar.working_days_between(friday, date(2026, 6, 7)) == 0  # into a weekend
    assert calendar.working_days_between(friday, monday) == 0  # end before start


def test_working_days_between_across_christmas_2026(calendar: WorkingDayCalendar) -> None:
    assert calendar.working_days_between(date(2026, 12, 18), date(2026, 12, 29)) == 5
    assert calendar.working_days_between(date(2026, 12, 24), date(2026, 12, 28)) == 0
    assert calendar.working_days_between(date(2026, 12, 24), date(2026, 12, 29)) == 1


def test_non_working_days_inclusive_with_reasons(calendar: WorkingDayCalendar) -> None:
    assert list(calendar.non_working_days(date(2026, 12, 19), date(2026, 12, 29))) == [
        (date(2026, 12, 19), "weekend (Saturday)"),
        (date(2026, 12, 20), "weekend (Sunday)"),
        (date(2026, 12, 25), "bank holiday: Christmas Day"),
        (date(2026, 12, 26), "bank holiday: Boxing Day"),
        (date(2026, 12, 27), "weekend (Sunday)"),
        (date(2026, 12, 28), "bank holiday: Boxing Day (observed)"),
    ]
    assert list(calendar.non_working_days(date(2026, 12, 21), date(2026, 12, 24))) == []
    assert list(calendar.non_working_days(date(2026, 12, 29), date(2026, 12, 19))) == []


def test_non_working_days_across_year_boundary_2027(calendar: WorkingDayCalendar) -> None:
    days = dict(calendar.non_working_days(date(2027, 12, 24), date(2028, 1, 4)))
    assert sorted(days) == [
        date(2027, 12, 25),
        date(2027, 12, 26),
        date(2027, 12, 27),
        date(2027, 12, 28),
        date(2028, 1, 1),
        date(2028, 1, 2),
        date(2028, 1, 3),
    ]
    assert days[date(2027, 12, 25)] == "bank holiday: Christmas Day"
    assert days[date(2028, 1, 1)] == "bank holiday: New Year's Day"
    assert days[date(2028, 1, 2)] == "weekend (Sunday)"
    assert days[date(2028, 1, 3)].startswith("bank holiday: New Year's Day")


# --- counting backwards (reminders ahead of a deadline) ------------------------------------------------


@pytest.mark.parametrize(
    ("day", "amount", "expected"),
    [
        (date(2026, 12, 29), 1, date(2026, 12, 24)),
        (date(2026, 12, 29), 5, date(2026, 12, 18)),
        (date(2026, 4, 7), 1, date(2026, 4, 2)),  # back over Easter 2026
        (date(2028, 1, 4), 2, date(2027, 12, 30)),  # back over 3 Jan 2028 and Christmas substitutes
        (date(2028, 1, 4), 3, date(2027, 12, 29)),
        (date(2026, 6, 8), 1, date(2026, 6, 5)),  # Monday -> Friday
        (date(2026, 6, 7), 1, date(2026, 6, 5)),  # from a Sunday
    ],
)
def test_subtract_working_days_known_answers(
    calendar: WorkingDayCalendar, day: date, amount: int, expected: date
) -> None:
    assert calendar.subtract_working_days(day, amount) == expected


def test_subtract_working_days_skips_closures(closure_calendar: WorkingDayCalendar) -> None:
    assert closure_calendar.subtract_working_days(date(2026, 12, 30), 1) == date(2026, 12, 23)
