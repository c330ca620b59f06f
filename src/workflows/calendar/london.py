"""All wall times are Europe/London; this module is the one place that says so."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")


def to_london(moment: datetime) -> datetime:
    """An aware datetime in London time; a naive one is taken to be London wall time."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=LONDON)
    return moment.astimezone(LONDON)


def london_wall_time(day: date, at: time) -> datetime:
    """The instant the London clock shows `at` on `day` (fold=0 picks the first of a repeated hour)."""
    return datetime.combine(day, at, tzinfo=LONDON)
