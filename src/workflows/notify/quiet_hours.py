"""Ordinary messages go out in their calendar's working hours on its working days; urgent ones at once.

A message's calendar is its process's (the one its deadlines are counted on); messages of no process (the
daily digest) follow the partnership's default calendar.
"""

from __future__ import annotations

from datetime import datetime

from workflows.calendar.london import to_london
from workflows.config.loader import Config


def sending_hours_open(config: Config, calendar_name: str, now: datetime) -> bool:
    local = to_london(now)
    hours = config.working_hours(calendar_name)
    return config.calendar(calendar_name).is_working_day(local.date()) and hours.start <= local.time() < hours.end


def calendars_open(config: Config, now: datetime) -> set[str]:
    """The calendars whose ordinary messages may go out now."""
    return {name for name in config.calendar_names() if sending_hours_open(config, name, now)}
