"""The current time, which rehearsals and tests can set from outside with WORKFLOWS_NOW."""

from __future__ import annotations

import os
from datetime import UTC, datetime

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
        return to_london(datetime.fromisoformat(text))
    except ValueError:
        raise ClockError(f"{NOW_VARIABLE}={text!r} is not an ISO datetime such as 2026-12-18T09:30") from None
