"""Ordinary messages go out in their calendar's working hours on its working days; urgent ones at once.

A message's calendar is its process's (the one its deadlines are counted on); messages of no process (the
daily digest) follow the partnership's default calendar.
"""

from __future__ import annotations

from datetime import datetime

from workflows.config.loader import Config


def calendars_open(config: Config, now: datetime) -> set[str]:
    """The calendars whose ordinary messages may go out now: those in their working hours."""
    return {name for name in config.calendar_names() if config.in_working_hours(name, now)}
