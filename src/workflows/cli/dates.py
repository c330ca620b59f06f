"""A day typed on the command line (`--from`, `--to`, `--failed-since`): YYYY-MM-DD, within the calendar's years."""

from __future__ import annotations

from datetime import date

from workflows.cli.errors import ExitCode, UserError


def typed_day(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    from workflows.calendar.bounds import YEARS, plausible

    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise UserError(f"{option}: write a date as YYYY-MM-DD, not {value!r}", ExitCode.INVALID_INPUT) from None
    if not plausible(day):
        raise UserError(f"{option}: a date in {YEARS}", ExitCode.INVALID_INPUT)
    return day
