"""An iCalendar (.ics) attachment so a deadline lands in the recipient's calendar.

The UID is stable per case, stage and task, and SEQUENCE is the deadline's version: when a date moves,
calendar programs update the same entry instead of adding another.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime, timedelta


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def invite_uid(reference: str, stage: str, task: str | None, domain: str) -> str:
    digest = hashlib.sha256(f"{reference}/{stage}/{task or ''}".encode()).hexdigest()[:24]
    return f"{digest}@{domain}"


def deadline_invite(
    *,
    uid: str,
    sequence: int,
    summary: str,
    description: str,
    due_at: datetime,
    due_day: date | None,
    stamp: datetime,
) -> str:
    if due_day is not None:
        when = [f"DTSTART;VALUE=DATE:{due_day:%Y%m%d}", f"DTEND;VALUE=DATE:{due_day + timedelta(days=1):%Y%m%d}"]
    else:
        start = due_at.astimezone(UTC)
        when = [f"DTSTART:{start:%Y%m%dT%H%M%SZ}", f"DTEND:{start + timedelta(minutes=15):%Y%m%dT%H%M%SZ}"]
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Safeguarding Partnership Workflows//EN",
        "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        f"UID:{uid}",
        f"SEQUENCE:{sequence}",
        f"DTSTAMP:{stamp.astimezone(UTC):%Y%m%dT%H%M%SZ}",
        *when,
        f"SUMMARY:{_escape(summary)}",
        f"DESCRIPTION:{_escape(description)}",
        "TRANSP:TRANSPARENT",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return "\r\n".join(lines) + "\r\n"
