"""The dates the product works with, so no date arithmetic runs off the end of what Python can represent.

Dates people give (facts, `--from` and `--start` anchors, WORKFLOWS_NOW, dates written in a definition) lie in the
years 1990 to 2200: far outside any plausible case, and refused with a message that names what was given, never
its value. The calendar itself counts in a wider range, 1900 to 2399, so a deadline ten years (the longest
duration, see durations.py) past the last allowed anchor, extended or escalated, still has a date; a result
outside it raises `CalendarRangeError` instead of Python's OverflowError.
"""

from __future__ import annotations

from datetime import date, datetime

FIRST_YEAR = 1990
LAST_YEAR = 2200
CALENDAR_FIRST = date(1900, 1, 1)
CALENDAR_LAST = date(2399, 12, 31)
YEARS = f"the years {FIRST_YEAR} to {LAST_YEAR}"


class CalendarRangeError(ValueError):
    """A date the calendar would have to count to lies outside its range (CALENDAR_FIRST to CALENDAR_LAST)."""

    def __init__(self, message: str | None = None) -> None:
        super().__init__(
            message
            or f"the date falls outside the calendar ({CALENDAR_FIRST.year} to {CALENDAR_LAST.year}): "
            "check the dates and amounts given"
        )


def day_of(moment: date | datetime) -> date:
    return moment.date() if isinstance(moment, datetime) else moment


def plausible(moment: date | datetime) -> bool:
    """Whether a date people give lies in FIRST_YEAR to LAST_YEAR."""
    return FIRST_YEAR <= day_of(moment).year <= LAST_YEAR


def in_calendar(moment: date | datetime) -> date:
    """The day of `moment`; CalendarRangeError when it is outside the calendar's range."""
    day = day_of(moment)
    if not CALENDAR_FIRST <= day <= CALENDAR_LAST:
        raise CalendarRangeError()
    return day
