"""The daily digest of overdue and at-risk items, for the DSPs and the business unit, queued once a working day.

Queued by the sweeper (its first sweep in working hours each working day), like any other message: the overdue
report put in the outbox. Rendering and sending it are notify's.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from workflows.calendar.london import short_date, to_london
from workflows.engine.effects import Notify
from workflows.engine.parties import digest_audience
from workflows.engine.vocabulary import MessageKind
from workflows.operations.reports import OpenItem, overdue
from workflows.operations.runtime import Runtime
from workflows.store.outbox import latest_digest_day, queue_messages, queued_keys


def _line(runtime: Runtime, item: OpenItem) -> dict[str, Any]:
    process = runtime.library.processes.get(item.process)
    stage = process.stages.get(item.stage) if process else None
    agency = runtime.config.directory.agencies.get(item.agency or "")
    role = runtime.config.directory.roles.get(item.owner_role)
    return {
        "reference": item.reference,
        "process": process.title if process else item.process,
        "stage": stage.title if stage else item.stage,
        "agency": agency.name if agency else None,
        "owner": role.title if role else item.owner_role,
        "due": short_date(item.due_at),
        "working_days_overdue": item.working_days_overdue,
        "level": item.escalation_level,
        "at_risk": item.at_risk,
    }


def queue_daily_digest(runtime: Runtime, now: datetime) -> int:
    """Queue today's digest for each digest role, once (its key holds the date); return how many queued."""
    roles = runtime.config.partnership.digest_roles
    calendar = runtime.config.default_calendar  # the digest spans processes: the partnership's own calendar
    if not roles or not runtime.config.in_working_hours(calendar, now):
        return 0
    day = to_london(now).date().isoformat()
    keys = [f"digest/{day}/{role}" for role in roles]
    with runtime.db.connect() as connection:
        latest = latest_digest_day(connection)
        sent = queued_keys(connection, keys)
    if latest is not None and day < latest:
        return 0  # the clock went back (a rehearsal ended, a clock corrected): no digest for a day gone by
    roles = [role for role in roles if f"digest/{day}/{role}" not in sent]
    if not roles:
        return 0  # the sweeper runs every minute: the digest is built once a day
    items = [_line(runtime, item) for item in overdue(runtime, now)]
    digests = [
        Notify(
            key=f"digest/{day}/{role}",
            kind=MessageKind.DAILY_DIGEST,
            stage=None,
            task=None,
            role=role,
            audience=digest_audience(role),
            calendar=calendar,
            details={"items": items},
        )
        for role in roles
    ]
    with runtime.db.begin() as connection:
        # Counts what this sweeper added: others running at the same time may have queued it first.
        return len(queue_messages(connection, [(None, digest) for digest in digests], now))
