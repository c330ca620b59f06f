"""The current time, which rehearsals and tests can set from outside with WORKFLOWS_NOW."""

from __future__ import annotations

import os
from datetime import UTC, datetime

from workflows.calendar.bounds import YEARS, plausible
from workflows.calendar.london import LONDON, to_london

NOW_VARIABLE = "WORKFLOWS_NOW"


class ClockError(ValueError):
    pass


def clock_is_set() -> bool:
    return bool(os.environ.get(NOW_VARIABLE))


def now() -> datetime:
    """Aware London time: WORKFLOWS_NOW when set (naive values are London wall time), else the real clock."""
    text = os.environ.get(NOW_VARIABLE)
    if not text:
        return datetime.now(UTC).astimezone(LONDON)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ClockError(f"{NOW_VARIABLE}={text!r} is not an ISO datetime such as 2026-12-18T09:30") from None
    if not plausible(moment):
        raise ClockError(f"{NOW_VARIABLE}={text!r} is outside {YEARS}")
    return to_london(moment)


def wall_now() -> datetime:
    """The real time, whatever WORKFLOWS_NOW says: for what must expire in real time however a rehearsal sets the
    clock (the SQLite sweeper's lease)."""
    return datetime.now(UTC)
