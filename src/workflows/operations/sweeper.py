"""`tick`: fire every timer due now, once. Several sweepers may run on PostgreSQL; on SQLite one holds a lease."""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from enum import StrEnum

from sqlalchemy import Connection
from sqlalchemy.exc import SQLAlchemyError

from workflows import clock
from workflows.calendar.bounds import YEARS, plausible
from workflows.calendar.london import london_wall_time
from workflows.definitions.model import Process
from workflows.engine import commands as cmd
from workflows.engine.effects import Audit, Effect, Notify
from workflows.engine.machine import Definition, apply, apply_in_turn
from workflows.engine.schedule.recurrence import latest_due, next_occurrence, occurrence_at, occurrence_day
from workflows.engine.state import CaseState, Slot
from workflows.engine.state_codec import case_from_json
from workflows.engine.vocabulary import AuditAction, MessageKind
from workflows.operations.cases import Step, _start_in, persist_steps
from workflows.operations.digest import queue_daily_digest
from workflows.operations.errors import database_failed, database_problem
from workflows.operations.process_names import gone, this_process
from workflows.operations.runtime import Runtime
from workflows.operations.transactions import in_transaction
from workflows.store import timers
from workflows.store.audit import add_audit
from workflows.store.cases import load_case_rows
from workflows.store.leases import lease_holder, release_lease, renew_lease, take_lease, take_over_lease
from workflows.store.sweep_heartbeats import record_sweep_finished

log = logging.getLogger(__name__)

SWEEPER_LEASE = "sweeper"
# Timers fired per transaction: each engine step is still computed on its own, and a step's state, timers,
# messages and audit entries always commit together; a batch only shares the commit.
BATCH_SIZE = 200
LEASE_LENGTH = timedelta(minutes=5)


class SweepCount(StrEnum):
    """How `tick` counts what a sweep did, in the order it reports them."""

    REMINDER = "reminder"  # reminders, due-today and overdue notices
    DUE = "due"  # an item became overdue
    ESCALATION = "escalation"
    ADVANCE = "advance"  # a stage moved on by itself at its deadline
    CYCLE_START = "cycle-start"  # a recurring process's round started
    DIGEST = "digest"
    STALE = "stale"  # a timer whose item had moved on: nothing to do
    FAILED = "failed"  # a timer that failed; it stays due


_NOTICE_COUNTS = {
    MessageKind.REMINDER: SweepCount.REMINDER,
    MessageKind.DUE_TODAY: SweepCount.REMINDER,
    MessageKind.OVERDUE: SweepCount.REMINDER,
    MessageKind.ESCALATION: SweepCount.ESCALATION,
}
_AUDIT_COUNTS = {AuditAction.OVERDUE: SweepCount.DUE, AuditAction.ADVANCED: SweepCount.ADVANCE}


class LeaseHeld(Exception):
    """Another sweeper holds the SQLite lease."""


def sweeper_holder() -> str:
    """This sweeper's name on the lease: its host and process, so a sweeper that died can be recognised."""
    return this_process()


def take_sweeper_lease(runtime: Runtime, holder: str) -> None:
    """Take the SQLite sweeper's lease for LEASE_LENGTH of real time (never WORKFLOWS_NOW's: a rehearsal clock months
    ahead would block the real sweeper for months); LeaseHeld if another sweeper holds it unexpired and is alive.
    A lease left by a sweeper killed on this machine is taken over at once, not after LEASE_LENGTH."""
    wall = clock.wall_now()
    with runtime.db.begin() as connection:
        if take_lease(connection, SWEEPER_LEASE, holder, wall, wall + LEASE_LENGTH):
            return
        previous = lease_holder(connection, SWEEPER_LEASE) or ""
        if gone(previous) and take_over_lease(connection, SWEEPER_LEASE, previous, holder, wall + LEASE_LENGTH):
            log.info("took over the sweeper's lease from %s, which is no longer running", previous)
            return
        raise LeaseHeld("another sweeper is running on this SQLite database")


def release_sweeper_lease(runtime: Runtime, holder: str) -> None:
    with runtime.db.begin() as connection:
        release_lease(connection, SWEEPER_LEASE, holder)


def _give_back_lease(runtime: Runtime, holder: str) -> None:
    """Give the lease back on every way out of a sweep; when the database is what failed, the sweep's own error
    says so (once), and the lease runs out by itself (minutes of real time)."""
    try:
        release_sweeper_lease(runtime, holder)
    except SQLAlchemyError as error:
        if not database_failed(error):
            raise
        log.debug("the sweeper's lease could not be given back (%s)", database_problem(error))


class BrokenProcess(Exception):
    """A recurring process whose definition file does not load: its round timer stays due."""


def schedule_recurrences(runtime: Runtime, now: datetime) -> None:
    """Give each recurring process a timer for its next round, if it has none yet."""
    recurring = [p for p in runtime.library.processes.values() if p.recurs]
    if not recurring:
        return
    with runtime.db.connect() as connection:
        have = timers.recurrence_timers(connection)
    for process in recurring:
        if process.id in have:
            continue
        try:
            # One transaction per process: one that cannot be scheduled stores nothing and stops no other.
            with runtime.db.begin() as connection:
                _schedule_recurrence(connection, runtime, process, now)
        except Exception as error:
            if database_failed(error):
                raise
            log.exception("the next round of %s cannot be scheduled; it is tried again next sweep", process.id)


def _schedule_recurrence(connection: Connection, runtime: Runtime, process: Process, now: datetime) -> None:
    assert process.recurs is not None
    rules = runtime.config.timing_rules(process)
    # A round due earlier today still opens today: the sweeper may first run after the morning.
    start_of_today = london_wall_time(now.date(), time(0)) - timedelta(microseconds=1)
    number = next_occurrence(process.recurs, rules, start_of_today)
    at = occurrence_at(process.recurs, number, rules)
    if not timers.add_recurrence_timer(connection, process.id, number, at):
        return  # another sweeper scheduled it a moment ago
    add_audit(
        connection,
        None,
        AuditAction.CYCLE_SCHEDULED,
        f"{process.id} round {number + 1} opens {at:%Y-%m-%d}",
        now,
        runtime.clock_set,
    )


@dataclass(frozen=True, slots=True)
class CommittedStep:
    """What one committed step did to one case: its effects, for whatever reports on them (the DSP events)."""

    reference: str
    process: str
    effects: list[Effect]


Fired = tuple[list[SweepCount], list[CommittedStep]]


def _fire_recurrence(connection: Connection, runtime: Runtime, timer: timers.DueTimer, now: datetime) -> Fired:
    process = runtime.library.processes.get(timer.process_id or "")
    if process is None and runtime.library.is_broken(timer.process_id or ""):
        # Its file does not load now: the round waits, due, until it is fixed (no round is lost).
        raise BrokenProcess(f"process {timer.process_id} does not load; its round stays due")
    if process is None or process.recurs is None:
        timers.delete_timer(connection, timer.id)  # the process is no longer recurring
        return [SweepCount.STALE], []
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
        # The round counts from its own scheduled moment, however late the sweeper got to it.
        counts_from=occurrence_at(process.recurs, number, rules),
    )
    timers.set_recurrence_timer(connection, process.id, number + 1, occurrence_at(process.recurs, number + 1, rules))
    started = CommittedStep(
        reference, process.id, [Audit(AuditAction.CASE_STARTED, f"scheduled round of {day:%d %B %Y}")]
    )
    return [SweepCount.CYCLE_START], [started]


def _counts(effects: list[Effect]) -> list[SweepCount]:
    kinds = [_NOTICE_COUNTS[e.kind] for e in effects if isinstance(e, Notify) and e.kind in _NOTICE_COUNTS]
    return kinds + [_AUDIT_COUNTS[e.action] for e in effects if isinstance(e, Audit) and e.action in _AUDIT_COUNTS]


def _fire_items(
    connection: Connection, runtime: Runtime, due: list[timers.DueTimer], now: datetime, failed: set[int]
) -> Fired:
    """Fire a batch of item timers: each through the pure engine, stored together in the caller's transaction.

    A timer whose case cannot be read or stepped is left due (and counted failed); the rest go on.
    """
    by_case: dict[int, list[timers.DueTimer]] = {}
    for timer in due:
        assert timer.case_id is not None
        by_case.setdefault(timer.case_id, []).append(timer)
    raw = load_case_rows(connection, list(by_case), for_update=True)
    kinds: list[SweepCount] = []
    happened: list[CommittedStep] = []
    steps: list[Step] = []
    for case_id, group in by_case.items():
        try:
            before = case_from_json(raw[case_id])
            definition = runtime.pinned(connection, before.definition_hash)
        except Exception as error:
            if database_failed(error):
                raise
            log.exception("case %s cannot be read; its timers stay due", case_id)
            failed.update(timer.id for timer in group)
            kinds += [SweepCount.FAILED] * len(group)
            continue
        commands: list[cmd.Command] = [cmd.FireTimer(Slot(timer.stage or "", timer.task)) for timer in group]
        each: list[list[Effect] | None]
        try:
            state, together = apply_in_turn(definition, before, commands, now)
            each = list(together)
        except Exception:  # one of them fails: fire them one by one, so that only that one stays due
            state, each = _fire_one_by_one(definition, before, group, commands, now, failed)
        effects = [effect for fired in each if fired for effect in fired]
        for fired in each:
            kinds += [SweepCount.FAILED] if fired is None else (_counts(fired) or [SweepCount.STALE])
        if effects:
            steps.append(Step(case_id, definition.process, before, state, effects))
            happened.append(CommittedStep(state.reference, state.process_id, effects))
    persist_steps(connection, runtime, steps, now)
    return kinds, happened


def _fire_one_by_one(
    definition: Definition,
    state: CaseState,
    group: list[timers.DueTimer],
    commands: list[cmd.Command],
    now: datetime,
    failed: set[int],
) -> tuple[CaseState, list[list[Effect] | None]]:
    """Each timer of one case in its own engine step; a timer that fails is left due (None in its place)."""
    each: list[list[Effect] | None] = []
    for timer, command in zip(group, commands, strict=True):
        try:
            state, fired = apply(definition, state, command, now)
        except Exception:
            log.exception("timer %s failed; it stays due and is retried next sweep", timer.slot_key)
            failed.add(timer.id)
            each.append(None)
            continue
        each.append(fired)
    return state, each


def tick(
    runtime: Runtime,
    now: datetime | None = None,
    *,
    holder: str | None = None,
    committed: list[CommittedStep] | None = None,
) -> Counter[SweepCount]:
    """Fire every timer due at `now`, each in its own transaction; count what fired, by kind.

    `committed`, when given, receives what each committed step did (the DSP view turns them into events).
    On a working day's first sweep in working hours, the daily digest is queued too (counted as "digest").
    """
    now = now or clock.now()
    if not plausible(now):
        raise clock.ClockError(f"the sweep's clock is outside {YEARS}: nothing was fired")
    holder = holder or sweeper_holder()
    sqlite = runtime.db.dialect.name == "sqlite"
    if sqlite:
        take_sweeper_lease(runtime, holder)
    fired: Counter[SweepCount] = Counter()
    failed: set[int] = set()
    batch = BATCH_SIZE

    claimed: list[int] = []  # the timers the latest transaction claimed

    def fire_next(connection: Connection) -> Fired | None:
        claimed.clear()
        if sqlite:  # a long sweep keeps its lease: each batch extends it
            renew_lease(connection, SWEEPER_LEASE, holder, clock.wall_now() + LEASE_LENGTH)
        due = timers.claim_due_timers(connection, now, failed, batch)
        claimed[:] = [timer.id for timer in due]
        if not due:
            return None
        kinds: list[SweepCount] = []
        happened: list[CommittedStep] = []
        for timer in (t for t in due if t.process_id):
            more, seen = _fire_recurrence(connection, runtime, timer, now)
            kinds, happened = kinds + more, happened + seen
        items = [t for t in due if not t.process_id]
        if items:
            more, seen = _fire_items(connection, runtime, items, now, failed)
            kinds, happened = kinds + more, happened + seen
        return kinds, happened

    try:  # whatever fails from here on, the lease is given back
        schedule_recurrences(runtime, now)
        while True:
            try:
                result = in_transaction(runtime.db, fire_next)
            except Exception as error:
                if database_failed(error):
                    raise  # the database is gone: every timer would fail alike; the sweep stops, loudly
                if batch == 1 and claimed:
                    # This one timer's transaction failed and was rolled back: nothing of it is stored. It stays
                    # due, for the next sweep; the others go on.
                    log.exception("timer %s failed; nothing of it was stored and it stays due", claimed[0])
                    failed.update(claimed)
                    fired[SweepCount.FAILED] += len(claimed)
                    continue
                if batch == 1:
                    raise
                # Something in this batch broke its transaction: go on one timer at a time to isolate it.
                log.exception("a sweep batch failed; retrying its timers one at a time")
                batch = 1
                continue
            if result is None:
                break
            fired.update(result[0])
            if committed is not None:
                committed.extend(result[1])
    finally:
        if sqlite:
            _give_back_lease(runtime, holder)
    try:
        if queue_daily_digest(runtime, now):
            fired[SweepCount.DIGEST] += 1
    except Exception as error:
        if database_failed(error):
            raise
        # What fired stays fired; the digest is built again at the next sweep.
        log.exception("the daily digest could not be built; the next sweep tries again")
    with runtime.db.begin() as connection:  # on the real clock: when this sweep really finished
        record_sweep_finished(connection, holder, clock.wall_now())
    return fired
