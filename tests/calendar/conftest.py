"""Fixtures for the working-day calendar tests.

The reference bank holidays come straight from the `holidays` package (England subdivision), so
tests can check the spec's stated facts against an independent source instead of trusting them.
"""

from datetime import date

import holidays
import pytest

from workflows.calendar import WorkingDayCalendar


@pytest.fixture(scope="session")
def eng_holidays() -> holidays.HolidayBase:
    """England & Wales bank holidays for every year the tests touch."""
    return holidays.country_holidays("GB", subdiv="ENG", years=range(2018, 2040))


@pytest.fixture
def calendar() -> WorkingDayCalendar:
    """A fresh calendar with no local closures."""
    return WorkingDayCalendar()


@pytest.fixture
def closure_calendar() -> WorkingDayCalendar:
    """A calendar with a couple of local closures around Christmas 2026 and a Saturday closure."""
    return WorkingDayCalendar(
        name="test-council",
        closures={
            date(2026, 12, 24): "Christmas Eve office closure",
            date(2026, 12, 29): "Winter shutdown",
            date(2026, 12, 26): "Saturday closure that is also Boxing Day",
            date(2026, 7, 11): "Saturday system migration",
        },
    )
