"""`--start` as `simulate` and `catalogue` read it: a date, an ISO datetime, or a word ('today', and for simulate
'now'), within the years people may give."""

from __future__ import annotations

from datetime import date, datetime

from workflows.cli.errors import ExitCode, UserError

SHOWN_CHARS = 40  # of a text that is not a date: enough to recognise it, never a whole pasted paragraph


def read_start(text: str, *, now_allowed: bool, exit_code: ExitCode) -> date | datetime:
    from workflows.calendar.bounds import YEARS, plausible
    from workflows.calendar.london import LONDON

    if text == "today":
        return date.today()
    if now_allowed and text == "now":
        return datetime.now(LONDON)
    words = "an ISO datetime, 'today' or 'now'" if now_allowed else "an ISO datetime or 'today'"
    try:
        start = datetime.fromisoformat(text) if "T" in text else date.fromisoformat(text)
    except ValueError:
        raise UserError(f"--start {text[:SHOWN_CHARS]!r} is not a date (YYYY-MM-DD), {words}", exit_code) from None
    if not plausible(start):
        raise UserError(f"--start {text[:SHOWN_CHARS]!r} is outside {YEARS}", exit_code)
    return start
