"""The daily digest of overdue and at-risk items, for the DSPs and the business unit, once a working day."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from workflows.calendar.london import short_date, to_london
from workflows.notify.quiet_hours import sending_hours_open
from workflows.operations.reports import OpenItem, overdue
from workflows.operations.runtime import Runtime
from workflows.store.schema import outbox
from workflows.store.upsert import insert_if_missing


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
    if not roles or not sending_hours_open(runtime.config, calendar, now):
        return 0
    day = to_london(now).date().isoformat()
    keys = [f"digest/{day}/{role}" for role in roles]
    with runtime.db.connect() as connection:
        sent = set(connection.execute(select(outbox.c.key).where(outbox.c.key.in_(keys))).scalars())
    roles = [role for role in roles if f"digest/{day}/{role}" not in sent]
    if not roles:
        return 0  # the sweeper runs every minute: the digest is built once a day
    items = [_line(runtime, item) for item in overdue(runtime, now)]
    rows = [
        {
            "key": f"digest/{day}/{role}",
            "case_id": None,
            "kind": "daily-digest",
            "role": role,
            "details": {"items": items},
            "created_at": now,
            "status": "pending",
            "attempts": 0,
            "next_attempt_at": now,
            "urgent": False,
            "calendar": calendar,
        }
        for role in roles
    ]
    with runtime.db.begin() as connection:
        # RETURNING tells what this sweeper added: others running at the same time may have queued it first.
        return sum(insert_if_missing(connection, outbox, row, "key") for row in rows)
