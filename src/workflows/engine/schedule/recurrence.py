"""When each round of a recurring process opens: counted from the first date, never chained, so a
month-end start never drifts; a round falling on a non-working day opens the next working day."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from workflows.calendar.deadlines import add_months
from workflows.calendar.durations import Unit
from workflows.calendar.london import london_wall_time
from workflows.calendar.rules import TimingRules
from workflows.definitions.model import Recurrence


def occurrence_day(recurrence: Recurrence, number: int) -> date:
    """The nominal date of round `number` (0 is the first)."""
    every = recurrence.every
    if every.unit is Unit.WEEKS:
        return recurrence.starting + timedelta(weeks=every.amount * number)
    months = every.amount * number * (12 if every.unit is Unit.YEARS else 1)
    return add_months(recurrence.starting, months)


def occurrence_at(recurrence: Recurrence, number: int, rules: TimingRules) -> datetime:
    day = rules.calendar.working_day_on_or_after(occurrence_day(recurrence, number))
    return london_wall_time(day, rules.day_starts_at)


def next_occurrence(recurrence: Recurrence, rules: TimingRules, after: datetime) -> int:
    """The first round that opens strictly after `after`."""
    number = 0
    while occurrence_at(recurrence, number, rules) <= after:
        number += 1
    return number


def latest_due(recurrence: Recurrence, rules: TimingRules, first: int, now: datetime) -> int:
    """Of the rounds from `first` on that are due by `now`, the latest (a long outage starts one, not many)."""
    number = first
    while occurrence_at(recurrence, number + 1, rules) <= now:
        number += 1
    return number
