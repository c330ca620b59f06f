"""`tick`: fire every timer due now, once. Several sweepers may run on PostgreSQL; on SQLite one holds a lease."""

from __future__ import annotations

import logging
import uuid
from collections import Counter
from datetime import datetime, time, timedelta

from sqlalchemy import Connection

from workflows import clock
from workflows.calendar.london import london_wall_time
from workflows.engine import commands as cmd
from workflows.engine.effects import Audit, Notify
from workflows.engine.state import Slot
from workflows.operations.cases import _start_in, run_on
from workflows.operations.happenings import CASE_STARTED, Happening, happenings_from
from workflows.operations.runtime import Runtime
from workflows.operations.transactions import in_transaction
from workflows.recurrence import latest_due, next_occurrence, occurrence_at, occurrence_day
from workflows.store import repository as repo

log = logging.getLogger(__name__)

SWEEPER_LEASE = "sweeper"
LEASE_LENGTH = timedelta(minutes=5)

# How `tick` reports what fired.
_NOTICE_COUNTS = {"reminder": "reminder", "due-today": "reminder", "overdue": "reminder", "escalation": "escalation"}
_AUDIT_COUNTS = {"overdue": "due", "advanced": "advance"}


class LeaseHeld(Exception):
    """Another sweeper holds the SQLite lease."""


def schedule_recurrences(runtime: Runtime, now: datetime) -> None:
    """Give each recurring process a timer for its next round, if it has none yet."""
    recurring = [p for p in runtime.library.processes.values() if p.recurs]
    if not recurring:
        return
    with runtime.db.begin() as connection:
        have = repo.recurrence_timers(connection)
        for process in recurring:
            if process.id in have:
                continue
            assert process.recurs is not None
            rules = runtime.config.timing_rules(process)
            # A round due earlier today still opens today: the sweeper may first run after the morning.
            start_of_today = london_wall_time(now.date(), time(0)) - timedelta(microseconds=1)
            number = next_occurrence(process.recurs, rules, start_of_today)
            at = occurrence_at(process.recurs, number, rules)
            if not repo.add_recurrence_timer(connection, process.id, number, at):
                continue  # another sweeper scheduled it a moment ago
            repo.add_audit(
                connection,
                None,
                "cycle-scheduled",
                f"{process.id} round {number + 1} opens {at:%Y-%m-%d}",
                now,
                runtime.clock_set,
            )


Fired = tuple[list[str], list[Happening]]


def _fire_recurrence(connection: Connection, runtime: Runtime, timer: repo.DueTimer, now: datetime) -> Fired:
    process = runtime.library.processes.get(timer.process_id or "")
    if process is None or process.recurs is None:
        repo.delete_timer(connection, timer.id)  # the process is no longer recurring
        return ["stale"], []
    rules = runtime.config.timing_rules(process)
    number = latest_due(process.recurs, rules, timer.occurrence or 0, now)
    day = occurrence_day(process.recurs, number)
    reference, _ = _start_in(
        connection,
        runtime,
        process.id,
        dict(process.recurs.facts),
        now,
        business_key=f"recurs/{process.id}/{day.isoformat()}",
        origin=f"scheduled round of {day:%d %B %Y}",
    )
    repo.set_recurrence_timer(connection, process.id, number + 1, occurrence_at(process.recurs, number + 1, rules))
    return ["cycle-start"], [Happening(CASE_STARTED, reference, process.id)]


def _fire_item(connection: Connection, runtime: Runtime, timer: repo.DueTimer, now: datetime) -> Fired:
    assert timer.case_id is not None and timer.stage is not None
    stored = repo.load_case_by_id(connection, timer.case_id, for_update=True)
    _, effects = run_on(connection, runtime, stored, cmd.FireTimer(Slot(timer.stage, timer.task)), now)
    kinds = [_NOTICE_COUNTS[e.kind] for e in effects if isinstance(e, Notify) and e.kind in _NOTICE_COUNTS]
    kinds += [_AUDIT_COUNTS[e.action] for e in effects if isinstance(e, Audit) and e.action in _AUDIT_COUNTS]
    return kinds or ["stale"], happenings_from(stored.state.reference, stored.state.process_id, effects)


def tick(
    runtime: Runtime,
    now: datetime | None = None,
    *,
    holder: str | None = None,
    happenings: list[Happening] | None = None,
) -> Counter[str]:
    """Fire every timer due at `now`, each in its own transaction; count what fired, by kind.

    `happenings`, when given, receives what each committed step did (for Prefect events).
    """
    now = now or clock.now()
    holder = holder or uuid.uuid4().hex
    sqlite = runtime.db.dialect.name == "sqlite"
    if sqlite:
        with runtime.db.begin() as connection:
            if not repo.take_lease(connection, SWEEPER_LEASE, holder, now, now + LEASE_LENGTH):
                raise LeaseHeld("another sweeper is running on this SQLite database")
    schedule_recurrences(runtime, now)
    fired: Counter[str] = Counter()
    failed: set[int] = set()
    claimed: list[repo.DueTimer] = []

    def fire_next(connection: Connection) -> Fired | None:
        timer = repo.claim_due_timer(connection, now, failed)
        if timer is None:
            return None
        claimed[:] = [timer]
        if timer.process_id:
            return _fire_recurrence(connection, runtime, timer, now)
        return _fire_item(connection, runtime, timer, now)

    try:
        while True:
            claimed.clear()
            try:
                kinds = in_transaction(runtime.db, fire_next)  # (counts, happenings)
            except Exception:
                if not claimed:
                    raise
                # One broken case must not stop every other deadline: log it, leave its timer, go on.
                log.exception("timer %s failed; it stays due and is retried next sweep", claimed[0].slot_key)
                failed.add(claimed[0].id)
                fired["failed"] += 1
                continue
            if kinds is None:
                break
            fired.update(kinds[0])
            if happenings is not None:
                happenings.extend(kinds[1])
    finally:
        if sqlite:
            with runtime.db.begin() as connection:
                repo.release_lease(connection, SWEEPER_LEASE, holder)
    from workflows.notify.digest import queue_daily_digest

    if queue_daily_digest(runtime, now):
        fired["digest"] += 1
    return fired
