"""Bank holidays declared or moved after the `holidays` package was locked (a one-off holiday announced at short
notice, as 19 September 2022 was ten days ahead): `bank_holidays` in config/calendar.yaml, counted out by every
calendar. What a change may be is checked here, so a mistake is refused with its place rather than moving dates.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date

from workflows.calendar.bounds import FIRST_YEAR, LAST_YEAR, YEARS

_WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass(frozen=True, slots=True)
class BankHolidayChanges:
    added: Mapping[date, str] = field(default_factory=dict)  # a new bank holiday and its name
    moved: Mapping[date, date] = field(default_factory=dict)  # a bank holiday's usual day -> the day it is on

    def apply(self, year: int, usual: Callable[[int], dict[date, str]]) -> dict[date, str]:
        """The year's bank holidays with these changes, from `usual` (a year's bank holidays as the package has
        them)."""
        holidays = usual(year)
        for was, now in self.moved.items():
            if was.year == year:
                holidays.pop(was, None)
            if now.year == year:
                name = usual(was.year).get(was, "Bank holiday")
                holidays[now] = f"{name} (moved from {was.day} {was:%B %Y})"
        holidays.update({day: name for day, name in self.added.items() if day.year == year})
        return holidays


def change_problems(
    changes: BankHolidayChanges, usual: Callable[[int], dict[date, str]]
) -> list[tuple[tuple[str, date], str]]:
    """What is wrong with each change, by (section, day): a day outside the calendar's years, on a weekend, already
    a bank holiday, or a move of a day that is not one."""
    problems: list[tuple[tuple[str, date], str]] = []

    def usual_holiday(day: date) -> str | None:
        return usual(day.year).get(day)

    def not_a_new_holiday(day: date) -> str | None:
        if not FIRST_YEAR <= day.year <= LAST_YEAR:
            return f"{day.isoformat()} is outside {YEARS}"
        if day.weekday() >= 5:
            return (
                f"{day.isoformat()} is a {_WEEKDAY_NAMES[day.weekday()]}: a bank holiday is a weekday "
                "(one falling on a weekend is given on the weekday it moves to: name that day)"
            )
        if usual_holiday(day):
            return f"{day.isoformat()} is already a bank holiday ({usual_holiday(day)})"
        return None

    for day in changes.added:
        problem = not_a_new_holiday(day)
        if problem:
            problems.append((("added", day), problem))
    for was, now in changes.moved.items():
        if not FIRST_YEAR <= was.year <= LAST_YEAR:
            problems.append((("moved", was), f"{was.isoformat()} is outside {YEARS}"))
        elif not usual_holiday(was):
            problems.append((("moved", was), f"{was.isoformat()} is not a bank holiday: there is nothing to move"))
        problem = not_a_new_holiday(now) or (
            f"{now.isoformat()} is added as a bank holiday too" if now in changes.added else None
        )
        if problem:
            problems.append((("moved", was), f"cannot move to {now.isoformat()}: {problem}"))
    return problems
