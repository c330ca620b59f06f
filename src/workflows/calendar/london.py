"""All wall times are Europe/London; this module is the one place that says so."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")


def to_london(moment: datetime) -> datetime:
    """An aware datetime in London time; a naive one is taken to be London wall time."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=LONDON)
    if moment.tzinfo is LONDON:
        # astimezone would return it as it is, even a wall time the clocks skip (01:30 on the March change, as
        # wall-clock arithmetic can make): through UTC it becomes the instant it denotes, written as it reads.
        return moment.astimezone(UTC).astimezone(LONDON)
    return moment.astimezone(LONDON)


def long_date(moment: datetime, *, with_time: bool = False) -> str:
    """How messages and pages write a deadline: "Monday 21 December 2026" (", at 21:30" for hour deadlines)."""
    local = to_london(moment)
    text = f"{local:%A} {local.day} {local:%B %Y}"
    return f"{text} at {local:%H:%M}" if with_time else text


def short_date(moment: datetime | None, *, with_time: bool = False) -> str:
    """How tables write a date: "Mon 21 Dec 2026" ("Mon 21 Dec 2026 18:00" for hour deadlines)."""
    if moment is None:
        return "-"
    local = to_london(moment)
    text = f"{local:%a} {local.day} {local:%b %Y}"
    return f"{text} {local:%H:%M}" if with_time else text


def short_deadline(moment: datetime, *, with_time: bool = False) -> str:
    """How narrow tables write a deadline: "Tue 29 Dec" ("Tue 29 Dec 21:30" for hour deadlines).

    No year: such tables list what is late or due within days, beside how late it is.
    """
    local = to_london(moment)
    text = f"{local:%a} {local.day} {local:%b}"
    return f"{text} {local:%H:%M}" if with_time else text


def london_wall_time(day: date, at: time) -> datetime:
    """The instant the London clock shows `at` on `day` (fold=0 picks the first of a repeated hour)."""
    return datetime.combine(day, at, tzinfo=LONDON)


def hours_later(moment: datetime, hours: float) -> datetime:
    """`hours` of elapsed time after `moment` (before it, if negative), in London time.

    Aware arithmetic in one zone is wall-clock arithmetic: 12 hours after 21:00 BST on the night the clocks go
    back would be 09:00 GMT, 13 hours later. Counting in UTC keeps hours exact across the change.
    """
    return to_london(to_london(moment).astimezone(UTC) + timedelta(hours=hours))
