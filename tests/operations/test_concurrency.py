"""Sweepers running at the same time, in separate processes on one database: every due timer fires exactly once.

No mocks: each sweeper is a fresh `python -c` process that opens its own Runtime (its own connections) and calls
`sweeper.tick`. They all wait at a start line (a line on stdin) so that they really overlap.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from workflows import clock
from workflows.calendar.london import LONDON
from workflows.engine.commands import Complete
from workflows.operations import cases
from workflows.operations.runtime import Runtime
from workflows.operations.sweeper import LEASE_LENGTH, LeaseHeld, tick
from workflows.store.schema import audit, leases, outbox, timers
from workflows.store.schema import cases as case_table
from workflows.store.timers import count_due_timers, recurrence_timers

REPO = Path(__file__).resolve().parents[2]
CONFIG, PROCESSES = REPO / "config", REPO / "processes"
AGENCIES = ["stoke-on-trent-city-council", "staffordshire-police"]
# Every seeded deadline and escalation step has passed; a working morning, so a tick also queues the daily digest.
SWEEP_AT = datetime(2027, 2, 15, 10, 0, tzinfo=LONDON)
FIRING_ACTIONS = ("overdue", "escalated", "advanced")
STARTUP_TIMEOUT = 60

# One sweeper process: open the runtime, say "ready", wait for "go" on stdin, tick, print what fired as JSON.
WORKER = """
import json, sys
from datetime import datetime
from pathlib import Path
from workflows.operations import sweeper
from workflows.operations.runtime import Runtime
config, processes, url, now, holder = sys.argv[1:6]
runtime = Runtime.open(Path(config), Path(processes), url, create=True)
print("ready", flush=True)
sys.stdin.readline()
try:
    fired = sweeper.tick(runtime, datetime.fromisoformat(now), holder=holder)
    print(json.dumps({"holder": holder, "fired": dict(fired)}), flush=True)
except sweeper.LeaseHeld as error:
    print(json.dumps({"holder": holder, "lease_held": str(error)}), flush=True)
runtime.db.dispose()
"""

# A process that takes the sweeper's lease exactly as a sweeper does, holds it until told, then releases it.
LEASE_HOLDER = """
import sys
from pathlib import Path
from workflows.operations.runtime import Runtime
from workflows.operations.sweeper import LeaseHeld, release_sweeper_lease, take_sweeper_lease
config, processes, url, now, holder = sys.argv[1:6]
runtime = Runtime.open(Path(config), Path(processes), url, create=True)
try:
    take_sweeper_lease(runtime, holder)
    print("taken", flush=True)  # once committed
except LeaseHeld:
    print("refused", flush=True)
sys.stdin.readline()
release_sweeper_lease(runtime, holder)
print("released", flush=True)
runtime.db.dispose()
"""


def seed(runtime: Runtime, count: int, monkeypatch) -> None:
    """`count` rapid reviews with varied dates; every other one has its per-agency tasks open (two timers)."""
    for number in range(count):
        notified = date(2026, 11, 2) + timedelta(days=number % 30)
        monkeypatch.setenv("WORKFLOWS_NOW", f"{notified.isoformat()}T10:00")
        reference, _ = cases.start(
            runtime, "rapid-review", {"notification_date": notified, "agencies": AGENCIES, "child_name": "Jane Doe"}
        )
        if number % 2:
            cases.run(runtime, reference, Complete("request-chronologies"))
    monkeypatch.delenv("WORKFLOWS_NOW")


def spawn(script: str, url: str, holder: str, now: datetime = SWEEP_AT) -> subprocess.Popen[str]:
    env = {key: value for key, value in os.environ.items() if key != "WORKFLOWS_NOW"}
    return subprocess.Popen(
        [sys.executable, "-c", script, str(CONFIG), str(PROCESSES), url, now.isoformat(), holder],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO,
        env=env,
    )


def read_line(process: subprocess.Popen[str]) -> str:
    assert process.stdout is not None
    line = process.stdout.readline().strip()
    if not line:
        process.wait(timeout=STARTUP_TIMEOUT)
        pytest.fail(f"worker died: {process.stderr.read() if process.stderr else ''}")
    return line


def say(process: subprocess.Popen[str], line: str) -> None:
    assert process.stdin is not None
    process.stdin.write(line + "\n")
    process.stdin.flush()


def run_sweepers(url: str, count: int) -> list[dict]:
    """Start `count` sweeper processes, let them all go at once, collect each one's report."""
    workers = [spawn(WORKER, url, f"sweeper-{n}") for n in range(count)]
    try:
        for worker in workers:
            assert read_line(worker) == "ready"
        for worker in workers:
            say(worker, "go")
        reports = []
        for worker in workers:
            out, err = worker.communicate(timeout=STARTUP_TIMEOUT)
            assert worker.returncode == 0, err
            reports.append(json.loads(out.strip().splitlines()[-1]))
        return reports
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()


def firings(runtime: Runtime) -> Counter[tuple]:
    """Audit entries that only a timer firing writes, by (case reference, stage, task, action, detail)."""
    query = (
        select(case_table.c.reference, audit.c.stage, audit.c.task, audit.c.action, audit.c.detail)
        .join(case_table, case_table.c.id == audit.c.case_id)
        .where(audit.c.action.in_(FIRING_ACTIONS))
    )
    with runtime.db.connect() as connection:
        return Counter(tuple(row) for row in connection.execute(query))


def due_timers(runtime: Runtime) -> int:
    with runtime.db.connect() as connection:
        return count_due_timers(connection, SWEEP_AT)


def audit_actions(runtime: Runtime, action: str) -> int:
    with runtime.db.connect() as connection:
        return connection.execute(select(func.count()).select_from(audit).where(audit.c.action == action)).scalar_one()


def timer_kinds(fired: Counter[str] | dict[str, int]) -> Counter[str]:
    """What the timers fired; not the daily digest, which every sweeper reports when it tries to queue it."""
    return Counter({kind: n for kind, n in fired.items() if kind != "digest"})


def total(reports: list[dict]) -> Counter[str]:
    summed: Counter[str] = Counter()
    for report in reports:
        summed.update(timer_kinds(report.get("fired", {})))
    return summed


def assert_one_digest_per_role(runtime: Runtime) -> None:
    with runtime.db.connect() as connection:
        query = select(outbox.c.role, func.count()).where(outbox.c.kind == "daily-digest").group_by(outbox.c.role)
        queued = dict(connection.execute(query).all())
    assert queued == dict.fromkeys(runtime.config.partnership.digest_roles, 1)


@pytest.fixture
def twin(tmp_path: Path, monkeypatch):
    """What one sweeper alone fires on the same cases: seeded identically on an SQLite file, swept once."""

    def sweep_alone(count: int) -> tuple[Counter[str], Counter[tuple]]:
        runtime = Runtime.open(CONFIG, PROCESSES, f"sqlite:///{tmp_path / 'twin.db'}", create=True)
        try:
            seed(runtime, count, monkeypatch)
            fired = tick(runtime, SWEEP_AT, holder="alone")
            assert due_timers(runtime) == 0
            return timer_kinds(fired), firings(runtime)
        finally:
            runtime.db.dispose()

    return sweep_alone


CASES = 200


def test_postgresql_sweepers_in_parallel_fire_each_due_timer_exactly_once(postgres_url, twin, monkeypatch):
    expected_fired, expected_firings = twin(CASES)
    runtime = Runtime.open(CONFIG, PROCESSES, postgres_url, create=True)
    try:
        seed(runtime, CASES, monkeypatch)
        due = due_timers(runtime)
        assert due == CASES // 2 + CASES // 2 * 2  # one timer per case, or one per agency task once those open

        reports = run_sweepers(postgres_url, 4)

        fired = total(reports)
        seen = firings(runtime)
        twice = {key: n for key, n in seen.items() if n > 1}
        assert not twice, f"fired more than once: {list(twice.items())[:5]}"
        assert seen == expected_firings  # every firing happened, once, as one sweeper alone would have done it
        assert fired == expected_fired
        assert fired["failed"] == 0
        assert due_timers(runtime) == 0
        assert_one_digest_per_role(runtime)
        busy = [report["holder"] for report in reports if sum(report["fired"].values()) > 0]
        assert len(busy) > 1, f"only {busy} did any work: the sweepers did not overlap"
        # And nothing is left for a later sweep to fire again.
        assert tick(runtime, SWEEP_AT) == Counter()
    finally:
        runtime.db.dispose()


def test_postgresql_parallel_sweepers_schedule_each_recurrence_once(postgres_url):
    runtime = Runtime.open(CONFIG, PROCESSES, postgres_url, create=True)
    try:
        recurring = sum(1 for process in runtime.library.processes.values() if process.recurs)
        assert recurring
        run_sweepers(postgres_url, 4)
        with runtime.db.connect() as connection:
            assert len(recurrence_timers(connection)) == recurring
            assert connection.execute(select(func.count()).select_from(timers)).scalar_one() == recurring
        assert audit_actions(runtime, "cycle-scheduled") == recurring
    finally:
        runtime.db.dispose()


def test_sqlite_second_sweeper_is_refused_while_the_lease_is_held(tmp_path: Path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'workflows.db'}"
    runtime = Runtime.open(CONFIG, PROCESSES, url, create=True)
    try:
        seed(runtime, 20, monkeypatch)
        holder = spawn(LEASE_HOLDER, url, "first-sweeper")
        try:
            assert read_line(holder) == "taken"
            # A tick in this process (its own connection) is refused, and so is one in another process.
            with pytest.raises(LeaseHeld):
                tick(runtime, SWEEP_AT, holder="second-sweeper")
            [refused] = run_sweepers(url, 1)
            assert "lease_held" in refused
            assert due_timers(runtime) == 30  # nothing fired
            say(holder, "go")
            assert read_line(holder) == "released"
            holder.wait(timeout=STARTUP_TIMEOUT)
        finally:
            if holder.poll() is None:
                holder.kill()
        # Released: the next sweeper runs, fires everything and gives the lease back.
        [report] = run_sweepers(url, 1)
        assert report["fired"]["due"] == 30
        assert due_timers(runtime) == 0
        with runtime.db.connect() as connection:
            assert connection.execute(select(func.count()).select_from(leases)).scalar_one() == 0
    finally:
        runtime.db.dispose()


def test_sqlite_lease_of_a_vanished_sweeper_expires(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'workflows.db'}"
    runtime = Runtime.open(CONFIG, PROCESSES, url, create=True)
    try:
        holder = spawn(LEASE_HOLDER, url, "crashed-sweeper")
        assert read_line(holder) == "taken"
        holder.kill()  # dies holding the lease
        holder.wait(timeout=STARTUP_TIMEOUT)
        with pytest.raises(LeaseHeld):  # the lease lasts LEASE_LENGTH of real time, whatever the sweep's moment
            tick(runtime, SWEEP_AT + LEASE_LENGTH + timedelta(days=1), holder="next")
        with runtime.db.begin() as connection:  # LEASE_LENGTH of real time later, as the lease reads it
            connection.execute(update(leases).values(expires_at=clock.wall_now() - timedelta(seconds=1)))
        tick(runtime, SWEEP_AT, holder="next")
        with runtime.db.connect() as connection:
            assert connection.execute(select(func.count()).select_from(leases)).scalar_one() == 0
    finally:
        runtime.db.dispose()


def test_sqlite_sweepers_started_together_never_fire_a_timer_twice(tmp_path: Path, twin, monkeypatch):
    expected_fired, expected_firings = twin(CASES)
    url = f"sqlite:///{tmp_path / 'workflows.db'}"
    runtime = Runtime.open(CONFIG, PROCESSES, url, create=True)
    try:
        seed(runtime, CASES, monkeypatch)
        reports = run_sweepers(url, 3)
        # Each either ran (holding the lease) or was refused; whoever ran, the timers fired once between them.
        assert all(("fired" in report) != ("lease_held" in report) for report in reports)
        assert firings(runtime) == expected_firings
        assert total(reports) == expected_fired
        assert due_timers(runtime) == 0
        assert_one_digest_per_role(runtime)
        with runtime.db.connect() as connection:
            assert connection.execute(select(func.count()).select_from(leases)).scalar_one() == 0
            assert connection.execute(select(func.count()).select_from(timers)).scalar_one() > 0  # later ones stay
    finally:
        runtime.db.dispose()
