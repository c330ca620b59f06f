"""A calendar's rules for counting: which days work, the counting convention, when a day starts and ends."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from workflows.calendar.counting import Counting
from workflows.calendar.deadlines import Deadline, compute_deadline
from workflows.calendar.durations import Duration
from workflows.calendar.working_days import WorkingDayCalendar


@dataclass(frozen=True, slots=True)
class TimingRules:
    """Everything date arithmetic needs: the process's calendar and convention, the partnership's hours."""

    calendar: WorkingDayCalendar
    counting: Counting
    day_starts_at: time
    day_ends_at: time

    def deadline(self, amount: Duration, anchor: date | datetime, counting: Counting | None = None) -> Deadline:
        return compute_deadline(amount, anchor, self.calendar, counting or self.counting, self.day_ends_at)
