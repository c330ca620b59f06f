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


# Far beyond any statutory timescale (ten years at most), so date arithmetic stays inside the calendar's range
# (calendar/bounds.py). An amount of more than _MOST_DIGITS digits is refused before it is read as a number.
_LARGEST = {
    Unit.WORKING_DAYS: 3650,
    Unit.CALENDAR_DAYS: 3650,
    Unit.HOURS: 8760,
    Unit.WEEKS: 520,
    Unit.MONTHS: 120,
    Unit.YEARS: 10,
}
_MOST_DIGITS = 6
_SHOWN = 40


def _shown(text: str) -> str:
    """`text` quoted, cut short when it is long: a message stays one readable line."""
    text = str(text)
    return repr(text) if len(text) <= _SHOWN else repr(text[:_SHOWN] + "...")


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
            f"cannot read duration {_shown(text)}: write an amount and a unit, "
            "e.g. '5 working days', '72 hours', '3 months'"
        )
    digits = match["amount"].lstrip("0") or "0"
    words = " ".join(match["unit"].lower().split())
    if words in ("day", "days"):
        # Seeds often write "days" where the law means working days: make the author say which.
        raise DurationError(f"ambiguous unit in {_shown(text)}: write 'working days' or 'calendar days'")
    unit = _UNIT_WORDS.get(words)
    if unit is None:
        known = "working days, calendar days, hours, weeks, months, years"
        raise DurationError(f"unknown unit {_shown(words)} in {_shown(text)}: use one of {known}")
    amount = int(digits) if len(digits) <= _MOST_DIGITS else None
    if amount is not None and amount < 1:
        raise DurationError(f"duration {_shown(text)} must be at least 1")
    if amount is None or amount > _LARGEST[unit]:
        raise DurationError(f"duration {_shown(text)} is too long: at most {_LARGEST[unit]} {unit.value}")
    return Duration(amount, unit)
