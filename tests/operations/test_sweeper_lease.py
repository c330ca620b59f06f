"""The SQLite sweeper's lease: taken for a few minutes of real time (never the rehearsal clock's), given back on every
path out of a sweep, and taken over once it has expired."""

from __future__ import annotations

import socket
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, func, insert, select

from workflows import clock
from workflows.operations import sweeper
from workflows.operations.runtime import Runtime
from workflows.operations.sweeper import LEASE_LENGTH, SWEEPER_LEASE, LeaseHeld, tick
from workflows.store.schema import leases

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def runtime(tmp_path):
    opened = Runtime.open(REPO / "config", REPO / "processes", f"sqlite:///{tmp_path / 'workflows.db'}", create=True)
    yield opened
    opened.db.dispose()


def lease_rows(runtime: Runtime) -> list:
    with runtime.db.connect() as connection:
        return list(connection.execute(select(leases)))


def leave_lease(runtime: Runtime, holder: str, expires_at) -> None:
    """A lease as a sweeper that died (or an older version) left it."""
    with runtime.db.begin() as connection:
        connection.execute(delete(leases))
        connection.execute(insert(leases).values(name=SWEEPER_LEASE, holder=holder, expires_at=expires_at))


def test_a_failure_while_scheduling_rounds_gives_the_lease_back(runtime, monkeypatch):
    """A fault that cannot be caused for real without breaking a shipped definition: the function raises."""

    def broken(*args, **kwargs):
        raise RuntimeError("a recurring definition that cannot be scheduled")

    monkeypatch.setattr(sweeper, "schedule_recurrences", broken)
    with pytest.raises(RuntimeError):
        tick(runtime, holder="first")
    assert lease_rows(runtime) == []
    monkeypatch.undo()
    tick(runtime, holder="second")  # the next sweep is not blocked
    assert lease_rows(runtime) == []


def test_a_failure_while_firing_gives_the_lease_back(runtime, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(sweeper.timers, "claim_due_timers", broken)
    with pytest.raises(RuntimeError):
        tick(runtime, holder="first")
    assert lease_rows(runtime) == []


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ahead=st.timedeltas(min_value=timedelta(days=-3650), max_value=timedelta(days=3650)))
def test_the_lease_lasts_a_few_minutes_of_real_time_whatever_the_rehearsal_clock_says(runtime, monkeypatch, ahead):
    monkeypatch.setenv("WORKFLOWS_NOW", (clock.wall_now() + ahead).isoformat())
    before = clock.wall_now()
    sweeper.take_sweeper_lease(runtime, "rehearsal")
    after = clock.wall_now()
    try:
        (lease,) = lease_rows(runtime)
        assert before + LEASE_LENGTH <= lease.expires_at <= after + LEASE_LENGTH
        monkeypatch.delenv("WORKFLOWS_NOW")
        with pytest.raises(LeaseHeld):  # held, for now, against the real sweeper
            tick(runtime, holder="real")
    finally:
        sweeper.release_sweeper_lease(runtime, "rehearsal")


def test_a_lease_left_with_a_rehearsal_clocks_expiry_is_taken_over(runtime):
    """An older version set the expiry from WORKFLOWS_NOW: six months ahead. No real-clock lease lasts that long."""
    leave_lease(runtime, "rehearsal-of-old", clock.wall_now() + timedelta(days=182))
    tick(runtime, holder="real")
    assert lease_rows(runtime) == []


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ago=st.timedeltas(min_value=timedelta(seconds=1), max_value=timedelta(days=3650)))
def test_an_expired_lease_is_taken_over_and_an_unexpired_one_is_not(runtime, ago):
    leave_lease(runtime, "vanished", clock.wall_now() - ago)
    tick(runtime, holder="next")
    assert lease_rows(runtime) == []
    leave_lease(runtime, "running", clock.wall_now() + LEASE_LENGTH - timedelta(seconds=5))
    with pytest.raises(LeaseHeld):
        tick(runtime, holder="next")
    with runtime.db.connect() as connection:
        assert connection.execute(select(func.count()).select_from(leases)).scalar_one() == 1


def test_a_lease_left_by_a_killed_sweeper_on_this_machine_is_taken_over_at_once(runtime):
    """A sweeper killed with SIGKILL never gives its lease back: its process is gone, so the next takes over
    without waiting LEASE_LENGTH. A live holder keeps it."""
    import subprocess
    import sys

    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    leave_lease(runtime, f"{socket.gethostname()}:{dead.pid}:killed", clock.wall_now() + LEASE_LENGTH)
    tick(runtime, holder=sweeper.sweeper_holder())
    assert lease_rows(runtime) == []

    alive = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        leave_lease(runtime, f"{socket.gethostname()}:{alive.pid}:running", clock.wall_now() + LEASE_LENGTH)
        with pytest.raises(LeaseHeld):
            tick(runtime, holder=sweeper.sweeper_holder())
        leave_lease(runtime, f"another-host:{dead.pid}:elsewhere", clock.wall_now() + LEASE_LENGTH)
        with pytest.raises(LeaseHeld):  # another machine's process cannot be checked: its lease must run out
            tick(runtime, holder=sweeper.sweeper_holder())
    finally:
        alive.kill()
        alive.wait()
