"""Ordinary messages go out in working hours on working days; urgent ones at once."""

from __future__ import annotations

from datetime import datetime

from workflows.calendar.london import to_london
from workflows.config.loader import BUILT_IN_CALENDAR, Config

PARTNERSHIP_CALENDAR = "partnership"


def sending_hours_open(config: Config, now: datetime) -> bool:
    name = PARTNERSHIP_CALENDAR if PARTNERSHIP_CALENDAR in config.calendar_names() else BUILT_IN_CALENDAR
    local = to_london(now)
    hours = config.calendar_settings.working_hours
    return config.calendar(name).is_working_day(local.date()) and hours.start <= local.time() < hours.end
