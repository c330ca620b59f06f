"""From an anchor and a duration to a deadline instant, with the reasons behind it."""

from calendar import monthrange
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from workflows.calendar.bounds import CalendarRangeError, in_calendar
from workflows.calendar.counting import Counting
from workflows.calendar.durations import Duration, Unit
from workflows.calendar.london import hours_later, london_wall_time, to_london
from workflows.calendar.working_days import WorkingDayCalendar

END_OF_DAY = time(23, 59, 59)


@dataclass(frozen=True, slots=True)
class Deadline:
    """`at` is the instant the item becomes late; `day` is set for day-based units."""

    at: datetime
    day: date | None
    skipped: tuple[tuple[date, str], ...] = field(default=())

    def display(self) -> str:
        """Day units read as a date; hour units as an ISO datetime with the London offset."""
        return self.day.isoformat() if self.day else self.at.isoformat()


def add_months(day: date, months: int) -> date:
    """Calendar month arithmetic that clamps to month end (31 Jan + 1 month = 28/29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, monthrange(year, month)[1]))


def anchor_instant(anchor: date | datetime) -> datetime:
    """A date anchor means the start of that London day."""
    if isinstance(anchor, datetime):
        return to_london(anchor)
    return london_wall_time(anchor, time(0, 0))


def after_cut_off(anchor: date | datetime, day_ends_at: time) -> bool:
    """An event at or after the moment its day's deadlines pass (a date alone is the start of its day)."""
    return isinstance(anchor, datetime) and to_london(anchor).time() >= day_ends_at


def anchor_day(anchor: date | datetime) -> date:
    return to_london(anchor).date() if isinstance(anchor, datetime) else anchor


def compute_deadline(
    duration: Duration,
    anchor: date | datetime,
    calendar: WorkingDayCalendar,
    counting: Counting = Counting.NEXT_WORKING_DAY,
    day_ends_at: time = END_OF_DAY,
) -> Deadline:
    """The deadline `duration` after `anchor`; CalendarRangeError when the anchor or the answer lies outside the
    calendar's range (calendar/bounds.py)."""
    in_calendar(anchor)
    try:
        deadline = _deadline(duration, anchor, calendar, Counting(counting), day_ends_at)
    except (OverflowError, ValueError) as error:
        if isinstance(error, CalendarRangeError):
            raise
        raise CalendarRangeError() from None
    in_calendar(deadline.day or deadline.at)
    return deadline


def _deadline(
    duration: Duration, anchor: date | datetime, calendar: WorkingDayCalendar, counting: Counting, day_ends_at: time
) -> Deadline:
    if duration.unit is Unit.HOURS:
        # Exact elapsed time: a clock change neither adds nor loses an hour.
        return Deadline(at=hours_later(anchor_instant(anchor), duration.amount), day=None)

    start_day = anchor_day(anchor)
    skipped: tuple[tuple[date, str], ...] = ()
    if duration.unit is Unit.WORKING_DAYS:
        first_counted = start_day if counting is Counting.SAME_DAY else start_day + timedelta(days=1)
        if counting is Counting.SAME_DAY and after_cut_off(anchor, day_ends_at):
            # That day's count has closed: day 1 is the next working day, as under the other convention.
            reason = f"after the day's cut-off ({day_ends_at:%H:%M}): counting starts the next working day"
            skipped = ((start_day, reason),)
            start_day = calendar.next_working_day(start_day)
        day = calendar.add_working_days(start_day, duration.amount, counting)
        skipped += tuple(calendar.non_working_days(first_counted, day))
    elif duration.unit is Unit.CALENDAR_DAYS:
        day = start_day + timedelta(days=duration.amount)
    elif duration.unit is Unit.WEEKS:
        day = start_day + timedelta(weeks=duration.amount)
    elif duration.unit is Unit.MONTHS:
        day = add_months(start_day, duration.amount)
    else:
        day = add_months(start_day, 12 * duration.amount)
    return Deadline(at=london_wall_time(day, day_ends_at), day=day, skipped=skipped)
