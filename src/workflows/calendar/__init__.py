"""Working-day calendars, durations and statutory deadlines (Europe/London)."""

from workflows.calendar.bounds import CalendarRangeError
from workflows.calendar.counting import Counting
from workflows.calendar.deadlines import Deadline, compute_deadline
from workflows.calendar.durations import Duration, DurationError, Unit, parse_duration
from workflows.calendar.london import LONDON
from workflows.calendar.working_days import WorkingDayCalendar

__all__ = [
    "LONDON",
    "CalendarRangeError",
    "Counting",
    "Deadline",
    "Duration",
    "DurationError",
    "Unit",
    "WorkingDayCalendar",
    "compute_deadline",
    "parse_duration",
]
