"""The bank holiday table the calendar reads is what the locked `holidays` package says, for every year in it."""

from __future__ import annotations

import holidays

from workflows.calendar import bank_holiday_table as table
from workflows.calendar.bank_holiday_table_build import TABLE, table_text
from workflows.calendar.working_days import WorkingDayCalendar

REGENERATE = "regenerate it: .venv/bin/python -m workflows.calendar.bank_holiday_table_build"


def test_the_table_is_what_the_package_gives_for_every_year() -> None:
    calendar = WorkingDayCalendar()
    for year in range(table.FIRST_YEAR, table.LAST_YEAR + 1):
        expected = dict(holidays.country_holidays("GB", subdiv="ENG", years=year).items())
        read = {day: calendar.bank_holiday(day) for day in expected}
        assert read == expected, f"{year} differs from the holidays package: {REGENERATE}"
        assert calendar._holidays_for(year) == expected, f"{year} has other holidays: {REGENERATE}"


def test_the_table_file_is_the_builder_output() -> None:
    assert TABLE.read_text() == table_text(), REGENERATE


def test_years_outside_the_table_still_come_from_the_package() -> None:
    year = table.FIRST_YEAR - 1
    expected = dict(holidays.country_holidays("GB", subdiv="ENG", years=year).items())
    assert WorkingDayCalendar()._holidays_for(year) == expected and expected
