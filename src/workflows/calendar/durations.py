"""Durations as people write them: `5 working days`, `72 hours`, `3 months`."""

import re
from dataclasses import dataclass
from enum import StrEnum


class Unit(StrEnum):
    WORKING_DAYS = "working days"
    CALENDAR_DAYS = "calendar days"
    HOURS = "hours"
    WEEKS = "weeks"
    MONTHS = "months"
    YEARS = "years"


class DurationError(ValueError):
    """A duration that cannot be read; the message says what to write instead."""


_UNIT_WORDS: dict[str, Unit] = {
    "working day": Unit.WORKING_DAYS,
    "working days": Unit.WORKING_DAYS,
    "calendar day": Unit.CALENDAR_DAYS,
    "calendar days": Unit.CALENDAR_DAYS,
    "hour": Unit.HOURS,
    "hours": Unit.HOURS,
    "week": Unit.WEEKS,
    "weeks": Unit.WEEKS,
    "month": Unit.MONTHS,
    "months": Unit.MONTHS,
    "year": Unit.YEARS,
    "years": Unit.YEARS,
}

_PATTERN = re.compile(r"^\s*(?P<amount>[0-9]+)\s+(?P<unit>[a-z]+(?:\s+[a-z]+)?)\s*$", re.IGNORECASE)


# Far beyond any statutory timescale, and inside what date arithmetic can represent.
_LARGEST = {
    Unit.WORKING_DAYS: 10_000,
    Unit.CALENDAR_DAYS: 10_000,
    Unit.HOURS: 100_000,
    Unit.WEEKS: 1_000,
    Unit.MONTHS: 1_200,
    Unit.YEARS: 100,
}


@dataclass(frozen=True, slots=True)
class Duration:
    amount: int
    unit: Unit

    def __post_init__(self) -> None:
        object.__setattr__(self, "unit", Unit(self.unit))

    @property
    def is_elapsed_time(self) -> bool:
        """Hour units are exact elapsed time; every other unit counts dates."""
        return self.unit is Unit.HOURS

    def __str__(self) -> str:
        if self.amount == 1:
            return f"1 {self.unit.value[:-1]}"
        return f"{self.amount} {self.unit.value}"


def parse_duration(text: str) -> Duration:
    match = _PATTERN.match(str(text))
    if not match:
        raise DurationError(
            f"cannot read duration {text!r}: write an amount and a unit, e.g. '5 working days', '72 hours', '3 months'"
        )
    amount = int(match["amount"])
    words = " ".join(match["unit"].lower().split())
    if words in ("day", "days"):
        # Seeds often write "days" where the law means working days: make the author say which.
        raise DurationError(f"ambiguous unit in {text!r}: write 'working days' or 'calendar days'")
    unit = _UNIT_WORDS.get(words)
    if unit is None:
        known = "working days, calendar days, hours, weeks, months, years"
        raise DurationError(f"unknown unit {words!r} in {text!r}: use one of {known}")
    if amount < 1:
        raise DurationError(f"duration {text!r} must be at least 1")
    if amount > _LARGEST[unit]:
        raise DurationError(f"duration {text!r} is too long: at most {_LARGEST[unit]} {unit.value}")
    return Duration(amount, unit)
