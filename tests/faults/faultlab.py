"""Shared by the fault tests (tests/faults): seeding, copies of a seeded database, the commands run as a user
runs them and killed with SIGKILL, and comparing what a database holds with what an uninterrupted sweep left."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, func, make_url, select, text

from workflows.calendar.london import LONDON
from workflows.engine.commands import Complete
from workflows.operations import cases
from workflows.operations.runtime import Runtime
from workflows.operations.sweeper import tick
from workflows.store.schema import audit, leases, metadata, outbox, timers
from workflows.store.schema import cases as case_table

REPO = Path(__file__).resolve().parents[2]
CONFIG, PROCESSES = REPO / "config", REPO / "processes"
WORKFLOWS = str(Path(sys.executable).parent / "workflows")
AGENCIES = ["stoke-on-trent-city-council", "staffordshire-police"]
# Every seeded deadline and escalation step has passed by then; a working Monday morning, so a tick also queues
# the daily digest.
SWEEP_AT = datetime(2027, 2, 15, 10, 0, tzinfo=LONDON)
# The RNG behind every random delay: fixed, so a failing run can be replayed; WORKFLOWS_FAULT_SEED tries another.
SEED = int(os.environ.get("WORKFLOWS_FAULT_SEED", "20270215"))
# Audit actions only a timer firing writes.
FIRING_ACTIONS = ("overdue", "escalated", "advanced")
RUN_TIMEOUT = 90  # seconds a command may take before the test gives up on it
SETTLE_TIMEOUT = 15  # seconds PostgreSQL may take to notice a killed client
POSTGRES_URL_VARIABLE = "WORKFLOWS_TEST_POSTGRES_URL"


# What the tests measured, printed by tests/faults/conftest.py at the end of the run.
FIGURES: list[tuple[str, dict]] = []


# -- seeding --


def seed(runtime: Runtime, count: int, swept: bool = False) -> None:
    """`count` rapid reviews notified on varied days; every other one has its per-agency tasks open, so that a
    sweep at SWEEP_AT has one due timer per case or one per agency task (as tests/operations/test_concurrency.py).
    `swept`: then swept at SWEEP_AT, so that the outbox holds what that sweep queued."""
    saved = os.environ.get("WORKFLOWS_NOW")
    try:
        for number in range(count):
            notified = date(2026, 11, 2) + timedelta(days=number % 30)
            os.environ["WORKFLOWS_NOW"] = f"{notified.isoformat()}T10:00"
            facts = {"notification_date": notified, "agencies": AGENCIES, "child_name": "Jane Doe"}
            reference, _ = cases.start(runtime, "rapid-review", facts)
            if number % 2:
                cases.run(runtime, reference, Complete("request-chronologies"))
        if swept:
            tick(runtime, SWEEP_AT, holder="seed")
    finally:
        if saved is None:
            os.environ.pop("WORKFLOWS_NOW", None)
        else:
            os.environ["WORKFLOWS_NOW"] = saved


# -- the commands, run as a user runs them --


def command_env(url: str, now: datetime, **extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("WORKFLOWS_")}
    env.update(
        WORKFLOWS_DB_URL=url,
        WORKFLOWS_NOW=now.replace(tzinfo=None).isoformat(timespec="seconds"),
        WORKFLOWS_CONFIG=str(CONFIG),
        WORKFLOWS_PROCESSES=str(PROCESSES),
        **extra,
    )
    return env


def spawn(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [WORKFLOWS, *args], env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


@dataclass
class Outcome:
    returncode: int
    stdout: str
    stderr: str
    seconds: float


def run(args: list[str], env: dict[str, str], cwd: Path) -> Outcome:
    started = time.monotonic()
    process = spawn(args, env, cwd)
    try:
        out, err = process.communicate(timeout=RUN_TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        out, err = process.communicate()
        pytest.fail(f"workflows {' '.join(args)} still running after {RUN_TIMEOUT} s: {err[-2000:]}")
    return Outcome(process.returncode, out, err, time.monotonic() - started)


@dataclass
class Killed:
    """One run of a command with a SIGKILL scheduled after `delay` seconds."""

    delay: float
    killed: bool  # False: it finished by itself first
    outcome: Outcome | None = None  # when it finished by itself


def run_and_kill(args: list[str], env: dict[str, str], cwd: Path, delay: float) -> Killed:
    process = spawn(args, env, cwd)
    try:
        process.wait(timeout=delay)
    except subprocess.TimeoutExpired:
        process.send_signal(signal.SIGKILL)
        process.communicate(timeout=RUN_TIMEOUT)
        return Killed(delay, True)
    out, err = process.communicate()
    return Killed(delay, False, Outcome(process.returncode, out, err, delay))


def assert_clean_stderr(stderr: str) -> None:
    assert "Traceback" not in stderr, stderr[-3000:]
    assert "database is locked" not in stderr.lower(), stderr[-3000:]


# -- databases: a seeded template, copied afresh for each round --


class Backend:
    """Where a round's database lives. `fresh()` hands out a copy of the seeded template; `settle()` waits until
    no connection of a killed process is left; `close()` removes every copy."""

    name: str

    def fresh(self) -> str:
        raise NotImplementedError

    def settle(self, url: str) -> None:
        """Nothing to wait for on SQLite: the kernel drops a dead process's locks with its file handles."""

    def drop(self, url: str) -> None:
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError


class SqliteBackend(Backend):
    name = "sqlite"

    def __init__(self, folder: Path, count: int, swept: bool) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self.template = folder / "template.db"
        runtime = Runtime.open(CONFIG, PROCESSES, f"sqlite:///{self.template}", create=True)
        try:
            seed(runtime, count, swept)
        finally:
            runtime.db.dispose()  # the last connection closed checkpoints the WAL into the file

    def fresh(self) -> str:
        copy = self.folder / f"round-{uuid.uuid4().hex[:8]}.db"
        for suffix in ("", "-wal"):  # a WAL left behind (none expected) belongs to the copy too
            if Path(f"{self.template}{suffix}").exists():
                shutil.copyfile(f"{self.template}{suffix}", f"{copy}{suffix}")
        return f"sqlite:///{copy}"

    def drop(self, url: str) -> None:
        path = Path(make_url(url).database or "")
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)

    def close(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


class PostgresBackend(Backend):
    """Two schemas of their own in the test database (as the postgres_url fixture makes one): a template, seeded
    once, and the round's, migrated once and refilled from the template before each round (truncate and copy:
    a fraction of a second, where creating and dropping a database costs a checkpoint each)."""

    name = "postgresql"

    def __init__(self, base: str, count: int, swept: bool) -> None:
        self.base = base
        self.admin = create_engine(base)
        self.prefix = prefix = f"t_{uuid.uuid4().hex[:12]}"
        self.template, self.round = f"{prefix}_template", f"{prefix}_round"
        with self.admin.begin() as connection:
            for schema in (self.template, self.round):
                connection.execute(text(f"CREATE SCHEMA {schema}"))
        runtime = Runtime.open(CONFIG, PROCESSES, self._url(self.template), create=True)
        try:
            seed(runtime, count, swept)
        finally:
            runtime.db.dispose()
        Runtime.open(CONFIG, PROCESSES, self._url(self.round), create=True).db.dispose()  # migrated, empty
        self.tables = [table.name for table in metadata.sorted_tables]  # parents first
        with self.admin.connect() as connection:
            query = text("SELECT table_name FROM information_schema.tables WHERE table_schema = :schema")
            have = set(connection.execute(query, {"schema": self.round}).scalars()) - {"alembic_version"}
        assert have == set(self.tables), f"tables the refill does not know: {have ^ set(self.tables)}"

    def _url(self, schema: str) -> str:
        separator = "&" if "?" in self.base else "?"
        return f"{self.base}{separator}options=-csearch_path%3D{schema}&application_name={self.prefix}"

    def fresh(self) -> str:
        names = ", ".join(f"{self.round}.{table}" for table in self.tables)
        with self.admin.begin() as connection:
            connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
            for table in self.tables:
                connection.execute(text(f"INSERT INTO {self.round}.{table} SELECT * FROM {self.template}.{table}"))
                if "id" not in metadata.tables[table].c:
                    continue
                sequence = connection.execute(
                    text("SELECT pg_get_serial_sequence(:table, 'id')"), {"table": f"{self.round}.{table}"}
                ).scalar()
                if sequence:
                    highest = f"COALESCE((SELECT max(id) FROM {self.round}.{table}), 0) + 1"
                    connection.execute(text(f"SELECT setval('{sequence}', {highest}, false)"))
        return self._url(self.round)

    def settle(self, url: str) -> None:
        """Wait until the server has noticed the killed client and ended its session (rolling back what it held):
        until then its row locks stand, and a sweeper would rightly skip those timers for now. The commands'
        sessions carry this backend's application_name, so other tests' sessions on the server do not count."""
        query = text("SELECT count(*) FROM pg_stat_activity WHERE application_name = :name")
        deadline = time.monotonic() + SETTLE_TIMEOUT
        while True:
            with self.admin.connect() as connection:
                if not connection.execute(query, {"name": self.prefix}).scalar_one():
                    return
            if time.monotonic() > deadline:
                pytest.fail(f"PostgreSQL kept a killed client's session for {SETTLE_TIMEOUT} s")
            time.sleep(0.02)

    def drop(self, url: str) -> None:
        """The round's schema is refilled by the next `fresh()` and dropped by `close()`."""

    def close(self) -> None:
        with self.admin.begin() as connection:
            for schema in (self.template, self.round):
                connection.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        self.admin.dispose()


def open_backend(kind: str, folder: Path, count: int, *, swept: bool = False) -> Backend:
    """A backend whose template holds `count` seeded cases; `swept`: swept once at SWEEP_AT too, its outbox full."""
    if kind == "sqlite":
        return SqliteBackend(folder, count, swept)
    base = os.environ.get(POSTGRES_URL_VARIABLE)
    if not base:
        pytest.fail(f"set {POSTGRES_URL_VARIABLE} (make test sets it to this machine's PostgreSQL)")
    return PostgresBackend(base, count, swept)


BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres),
]


# -- what a database holds after a sweep, to compare with an uninterrupted one --


@dataclass
class Snapshot:
    audit: Counter = field(default_factory=Counter)  # (case reference, action, stage, task, detail, at) -> entries
    outbox_keys: Counter = field(default_factory=Counter)
    timers: Counter = field(default_factory=Counter)  # (slot key, fire_at) -> rows
    cases: Counter = field(default_factory=Counter)  # (reference, status, state as text) -> rows
    due: int = 0
    leases: int = 0

    def firings(self) -> Counter:
        return Counter({key: n for key, n in self.audit.items() if key[1] in FIRING_ACTIONS})


def engine_for(url: str) -> Engine:
    return create_engine(url)


def snapshot(url: str, now: datetime = SWEEP_AT) -> Snapshot:
    engine = engine_for(url)
    try:
        with engine.connect() as connection:
            query = select(
                case_table.c.reference, audit.c.action, audit.c.stage, audit.c.task, audit.c.detail, audit.c.at
            ).outerjoin(case_table, case_table.c.id == audit.c.case_id)
            audit_rows = Counter(tuple(row) for row in connection.execute(query))
            keys = Counter(connection.execute(select(outbox.c.key)).scalars())
            timer_rows = Counter(tuple(row) for row in connection.execute(select(timers.c.slot_key, timers.c.fire_at)))
            case_rows = Counter(
                (row.reference, row.status, json.dumps(row.state, sort_keys=True))
                for row in connection.execute(select(case_table.c.reference, case_table.c.status, case_table.c.state))
            )
            due = connection.execute(
                select(func.count()).select_from(timers).where(timers.c.fire_at <= now)
            ).scalar_one()
            held = connection.execute(select(func.count()).select_from(leases)).scalar_one()
        return Snapshot(audit_rows, keys, timer_rows, case_rows, due, held)
    finally:
        engine.dispose()


def due_now(url: str, now: datetime = SWEEP_AT) -> int:
    engine = engine_for(url)
    try:
        with engine.connect() as connection:
            return connection.execute(
                select(func.count()).select_from(timers).where(timers.c.fire_at <= now)
            ).scalar_one()
    finally:
        engine.dispose()


def leases_held(url: str) -> int:
    engine = engine_for(url)
    try:
        with engine.connect() as connection:
            return connection.execute(select(func.count()).select_from(leases)).scalar_one()
    finally:
        engine.dispose()


def assert_refused_in_one_line(outcome: Outcome) -> None:
    """A sweeper that stands down: exit status 1 (cli/errors.py: refused), one line saying why, nothing else."""
    assert outcome.returncode == 1, (outcome.returncode, outcome.stderr[-3000:])
    lines = outcome.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), outcome.stderr[-3000:]
    assert "another sweeper" in lines[0], lines[0]
    assert_clean_stderr(outcome.stderr)


@dataclass
class Compared:
    fired: int  # firing audit entries present once, as in the uninterrupted sweep
    lost: int  # firings, messages, cases or timers of the uninterrupted sweep missing here
    duplicated: int  # firings or messages here more often than in the uninterrupted sweep
    problems: list[str]


def compare(got: Snapshot, expected: Snapshot) -> Compared:
    """Against the uninterrupted sweep of the same seed: every audit entry, message, timer and case state."""
    problems: list[str] = []
    lost = duplicated = 0
    for name in ("audit", "outbox_keys", "timers", "cases"):
        mine, theirs = getattr(got, name), getattr(expected, name)
        missing, extra = theirs - mine, mine - theirs
        if missing:
            problems.append(f"{name}: {sum(missing.values())} missing, e.g. {list(missing)[:3]}")
        if extra:
            problems.append(f"{name}: {sum(extra.values())} extra, e.g. {list(extra)[:3]}")
        if name in ("audit", "outbox_keys"):
            lost += sum(missing.values())
            duplicated += sum(extra.values())
    if got.due:
        problems.append(f"{got.due} timers still due")
        lost += got.due
    fired = sum(min(n, expected.firings()[key]) for key, n in got.firings().items())
    return Compared(fired, lost, duplicated, problems)


@dataclass
class Reference:
    """An uninterrupted `workflows tick` on a fresh copy: what it left, and how long it took."""

    snapshot: Snapshot
    due_before: int
    seconds: float
    stdout: str


def reference_tick(backend: Backend, cwd: Path) -> Reference:
    url = backend.fresh()
    try:
        due_before = due_now(url)
        outcome = run(["tick"], command_env(url, SWEEP_AT), cwd)
        assert outcome.returncode == 0, outcome.stderr
        assert_clean_stderr(outcome.stderr)
        taken = snapshot(url)
        assert taken.due == 0, "an uninterrupted tick leaves nothing due"
        return Reference(taken, due_before, outcome.seconds, outcome.stdout)
    finally:
        backend.drop(url)
