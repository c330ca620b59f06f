"""`workflows due`: the calendar on the command line."""

from __future__ import annotations

import click

from workflows.cli.errors import UserError
from workflows.text.terminal import shown


def _parse_from(text: str):
    from datetime import date, datetime

    from workflows.calendar.bounds import YEARS, plausible

    if text == "today":
        return date.today()
    try:
        anchor = datetime.fromisoformat(text) if "T" in text or " " in text.strip() else date.fromisoformat(text)
    except ValueError:
        raise UserError(f"--from {text[:40]!r} is not a date (YYYY-MM-DD) or ISO datetime") from None
    if not plausible(anchor):
        raise UserError(f"--from {text!r} is outside {YEARS}")
    return anchor


@click.command()
@click.argument("duration")
@click.option("--from", "start", required=True, help="Anchor: YYYY-MM-DD, an ISO datetime, or 'today'.")
@click.option(
    "--counting",
    type=click.Choice(["next-working-day", "same-day"]),
    default="next-working-day",
    show_default=True,
    help="Whether the anchor day can be working day 1.",
)
@click.option(
    "--calendar",
    "calendar_name",
    default="england-and-wales",
    show_default=True,
    help="A calendar from config/calendar.yaml (adds its local closures).",
)
@click.option("--explain", is_flag=True, help="Also list each skipped non-working day and why.")
def due(duration: str, start: str, counting: str, calendar_name: str, explain: bool) -> None:
    """When DURATION from --from falls due, e.g. workflows due "5 working days" --from 2026-12-18."""
    from workflows.calendar import (
        CalendarRangeError,
        Counting,
        DurationError,
        WorkingDayCalendar,
        compute_deadline,
        parse_duration,
    )

    try:
        amount = parse_duration(duration)
    except DurationError as error:
        raise UserError(str(error)) from None
    anchor = _parse_from(start)
    from workflows.config.locations import national_bank_holidays_written

    if calendar_name == "england-and-wales" and not national_bank_holidays_written():
        calendar = WorkingDayCalendar()  # no config to read: a cold `due` stays quick
        day_ends_at = None
    else:
        from workflows.cli.definition_loading import load_config_or_exit

        config = load_config_or_exit()  # every calendar counts out the bank holidays added or moved there
        if calendar_name not in config.calendar_names():
            known = ", ".join(sorted(config.calendar_names()))
            raise UserError(f"unknown calendar {calendar_name!r}; known: {known}")
        calendar = config.calendar(calendar_name)
        day_ends_at = None if calendar_name == "england-and-wales" else config.day_ends_at(calendar_name)
    kwargs = {"day_ends_at": day_ends_at} if day_ends_at else {}
    try:
        deadline = compute_deadline(amount, anchor, calendar, Counting(counting), **kwargs)
    except CalendarRangeError as error:
        raise UserError(str(error)) from None
    click.echo(deadline.display())
    if explain:
        for day, reason in deadline.skipped:
            click.echo(f"skipped {day.isoformat()}: {shown(reason)}")  # a closure reason from config
