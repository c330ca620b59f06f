"""When a stage is due, and when its reminders and escalation steps fall: pure date arithmetic.

Shared by the simulation and the engine, so a projected timeline and a running case agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from workflows.calendar.counting import Counting
from workflows.calendar.deadlines import Deadline, add_months, compute_deadline
from workflows.calendar.durations import Duration, Unit
from workflows.calendar.london import london_wall_time, to_london
from workflows.calendar.working_days import WorkingDayCalendar
from workflows.definitions.model import EscalationStep, Stage

# A stage overdue for this many reminders has a problem no further reminder will solve.
MAX_OVERDUE_REMINDERS = 100


@dataclass(frozen=True, slots=True)
class TimingRules:
    """Everything date arithmetic needs: the process's calendar and convention, the partnership's hours."""

    calendar: WorkingDayCalendar
    counting: Counting
    day_starts_at: time
    day_ends_at: time

    def deadline(self, amount: Duration, anchor: date | datetime) -> Deadline:
        return compute_deadline(amount, anchor, self.calendar, self.counting, self.day_ends_at)


def _shift_day(rules: TimingRules, day: date, amount: Duration, sign: int) -> date:
    match amount.unit:
        case Unit.WORKING_DAYS:
            if sign > 0:
                return rules.calendar.add_working_days(day, amount.amount, Counting.NEXT_WORKING_DAY)
            return rules.calendar.subtract_working_days(day, amount.amount)
        case Unit.CALENDAR_DAYS:
            return day + timedelta(days=sign * amount.amount)
        case Unit.WEEKS:
            return day + timedelta(weeks=sign * amount.amount)
        case Unit.MONTHS:
            return add_months(day, sign * amount.amount)
        case _:
            return add_months(day, sign * 12 * amount.amount)


def offset_from(deadline: Deadline, amount: Duration, rules: TimingRules, *, sign: int, at: time) -> datetime:
    """`amount` after (sign=1) or before (sign=-1) a deadline; day units land at wall time `at`."""
    if amount.unit is Unit.HOURS:
        return to_london(deadline.at + sign * timedelta(hours=amount.amount))
    base = deadline.day or to_london(deadline.at).date()
    return london_wall_time(_shift_day(rules, base, amount, sign), at)


def reminder_times(stage: Stage, deadline: Deadline, rules: TimingRules) -> list[datetime]:
    """Reminders ahead of the deadline and on its day, earliest first."""
    times = [offset_from(deadline, before, rules, sign=-1, at=rules.day_starts_at) for before in stage.reminders.before]
    if stage.reminders.on_due_day:
        due_day = deadline.day or to_london(deadline.at).date()
        morning = london_wall_time(due_day, rules.day_starts_at)
        if morning < deadline.at:
            times.append(morning)
    return sorted(set(times))


def overdue_reminder_time(stage: Stage, deadline: Deadline, rules: TimingRules, number: int) -> datetime | None:
    """The `number`-th (1-based) repeat reminder while overdue, or None when the stage has none."""
    every = stage.reminders.overdue_every
    if every is None or number > MAX_OVERDUE_REMINDERS:
        return None
    return offset_from(deadline, Duration(every.amount * number, every.unit), rules, sign=1, at=rules.day_starts_at)


def escalation_time(step: EscalationStep, deadline: Deadline, rules: TimingRules) -> datetime:
    """Overdue by `step.after`: the end of that many working days after the due day (or exact hours)."""
    return offset_from(deadline, step.after, rules, sign=1, at=rules.day_ends_at)
