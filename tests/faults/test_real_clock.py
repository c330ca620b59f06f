"""Every claim and expiry that protects real work runs on the real clock (issue 21, class 3). Each is driven with a
rehearsal clock months ahead (WORKFLOWS_NOW) and, where there is a claim, a kill, through the commands a user runs:

- a rehearsal `deliver` killed mid-send leaves no claim past a few real minutes, and the next `deliver` takes the
  killed one's messages over at once;
- a rehearsal `tick` killed while holding the SQLite lease does not stop the real sweeper;
- messages a rehearsal queues are due on the real clock, and a rehearsal's retries wait real minutes, not months;
- a link printed in a rehearsal expires 30 real days on;
- a clock set back queues no digest for a day gone by; a clock that cannot be read is one line for every command.
"""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta

import pytest
from faultlab import (
    BACKENDS,
    SWEEP_AT,
    assert_clean_stderr,
    command_env,
    engine_for,
    open_backend,
    reference_tick,
    run,
    run_and_kill,
)
from sqlalchemy import select

from workflows.calendar.london import LONDON
from workflows.links.tokens import DEFAULT_LIFETIME
from workflows.notify.delivery import CLAIM_LENGTH
from workflows.store.schema import leases, outbox

pytestmark = pytest.mark.slow  # real processes

# A Tuesday morning in June 2027: months ahead of the real clock, and inside the rehearsal's working hours.
REHEARSAL = datetime(2027, 6, 1, 10, 0, tzinfo=LONDON)
# Bad rehearsal clocks, each as a user might type it (an empty one is no rehearsal: the real clock).
BAD_CLOCKS = [
    "tomorrow",
    "2027-13-01T10:00",
    "9999-01-01",
    "2027-01-01T25:00",
    "1800-01-01",
    "10:00",
    "2027/06/01",
    "2027-02-30",
    "2027-06-01T10:00+99:00",
    "nan",
    " 2027-06-01",
    "2027-06-01T10:00Z junk",
]
# Every command that reads the clock or the database, as a user runs it.
COMMANDS = [
    ["status", "RR-2026-001"],
    ["tick"],
    ["deliver"],
    ["link", "RR-2026-001", "request-chronologies", "--for", "a@b.example"],
    ["report"],
    ["overdue"],
    ["web", "--port", "1"],
]


def real_now() -> datetime:
    return datetime.now(UTC)


def outbox_rows(url: str) -> list:
    engine = engine_for(url)
    try:
        with engine.connect() as connection:
            return connection.execute(select(outbox)).all()
    finally:
        engine.dispose()


def aware(moment: datetime) -> datetime:
    """SQLite hands back naive UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@pytest.fixture(params=BACKENDS)
def swept(request, tmp_path):
    """A fresh copy of a database of 12 cases swept once: its outbox full."""
    backend = open_backend(request.param, tmp_path / "db", 12, swept=True)
    url = backend.fresh()
    yield backend, url
    backend.drop(url)
    backend.close()


def test_a_rehearsal_deliverer_killed_mid_send_holds_nothing_against_the_real_one(swept, smtp, tmp_path, figures):
    backend, url = swept
    smtp.mailbox.data_delay = 0.2  # slow enough that the kill lands mid-send
    env = {"WORKFLOWS_SMTP_HOST": "127.0.0.1", "WORKFLOWS_SMTP_PORT": str(smtp.port), "WORKFLOWS_SMTP_TIMEOUT": "10"}
    killed = run_and_kill(["deliver", "--batch-size", "500"], command_env(url, REHEARSAL, **env), tmp_path, 2.5)
    assert killed.killed, "the rehearsal deliverer finished before its kill"
    backend.settle(url)
    held = [aware(row.claimed_until) for row in outbox_rows(url) if row.claimed_until is not None]
    assert held, "the kill left nothing claimed: it came too late to test anything"
    assert max(held) <= real_now() + CLAIM_LENGTH  # a few real minutes, never June
    received_by_kill = len(smtp.mailbox.received)
    smtp.mailbox.data_delay = 0.0
    # The next deliverer (the same rehearsal's, so that its working hours are open whatever the real hour) takes
    # the killed one's messages over at once: no claim waits for its time, rehearsal or real, to run out.
    finished = run(["deliver", "--batch-size", "500"], command_env(url, REHEARSAL, **env), tmp_path)
    assert finished.returncode == 0, finished.stderr
    assert_clean_stderr(finished.stderr)
    rows = outbox_rows(url)
    assert not [row.key for row in rows if row.status == "pending"], finished.stdout
    assert not [row.key for row in rows if row.claimed_until is not None]
    figures(
        {
            "claimed_at_kill": len(held),
            "received_before_kill": received_by_kill,
            "received_after": len(smtp.mailbox.received) - received_by_kill,
        }
    )


def test_a_rehearsal_queues_messages_due_now_and_retries_them_in_real_minutes(swept, smtp, tmp_path):
    _, url = swept
    rows = outbox_rows(url)
    assert rows and all(aware(row.next_attempt_at) <= real_now() for row in rows)  # due on the real clock
    # A tick under the rehearsal clock queues more, each due now in real time.
    backend_env = command_env(url, REHEARSAL)
    ticked = run(["tick"], backend_env, tmp_path)
    assert ticked.returncode == 0, ticked.stderr
    later = outbox_rows(url)
    assert len(later) > len(rows)
    assert all(aware(row.next_attempt_at) <= real_now() for row in later)
    smtp.stop()
    env = {"WORKFLOWS_SMTP_HOST": "127.0.0.1", "WORKFLOWS_SMTP_PORT": str(smtp.port)}
    down = run(["deliver", "--batch-size", "1000"], command_env(url, REHEARSAL, **env), tmp_path)
    assert down.returncode == 0, down.stderr
    retried = [row for row in outbox_rows(url) if row.attempts]
    assert retried
    for row in retried:
        assert row.status == "pending"  # one failure is not the end: tried again for days
        assert aware(row.next_attempt_at) <= real_now() + timedelta(minutes=2), row.next_attempt_at
        assert aware(row.failing_since) <= real_now()


def test_a_rehearsal_sweeper_killed_with_the_lease_does_not_stop_the_real_one(tmp_path, figures):
    backend = open_backend("sqlite", tmp_path / "db", 300)
    try:
        whole = reference_tick(backend, tmp_path).seconds
        held = 0
        for fraction in (0.5, 0.6, 0.7, 0.8, 0.9):  # kills from start-up into the sweep, each on a fresh copy
            url = backend.fresh()
            killed = run_and_kill(["tick"], command_env(url, REHEARSAL), tmp_path, whole * fraction)
            engine = engine_for(url)
            try:
                with engine.connect() as connection:
                    expiry = connection.execute(select(leases.c.expires_at)).scalar()
            finally:
                engine.dispose()
            if killed.killed and expiry is not None:
                held += 1
                assert aware(expiry) <= real_now() + timedelta(minutes=6)  # real minutes, never June
            real = command_env(url, REHEARSAL)
            del real["WORKFLOWS_NOW"]
            again = run(["tick"], real, tmp_path)
            assert again.returncode == 0 and "another sweeper" not in again.stderr, again.stderr
            backend.drop(url)
        assert held, "no kill landed while the lease was held"
        figures({"kills_holding_the_lease": held, "whole_tick_seconds": round(whole, 2)})
    finally:
        backend.close()


def test_a_link_printed_in_a_rehearsal_expires_in_real_time(tmp_path):
    backend = open_backend("sqlite", tmp_path / "db", 1)
    url = backend.fresh()
    try:
        env = {**command_env(url, REHEARSAL), "WORKFLOWS_LINK_SECRET": "s3cret-for-the-test"}
        printed = run(
            ["link", "RR-2026-001", "request-chronologies", "--for", "karen.whitehurst@stoke-council.example"],
            env,
            tmp_path,
        )
        assert printed.returncode == 0, printed.stderr
        token = printed.stdout.strip().rsplit("/t/", 1)[1]
        body = token.split(".")[0]
        claims = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
        expires = datetime.fromtimestamp(claims["expires"], UTC)
        assert abs(expires - (real_now() + DEFAULT_LIFETIME)) < timedelta(minutes=5)  # not June + 30 days
    finally:
        backend.close()


def test_a_clock_set_back_queues_no_digest_for_a_day_gone_by(tmp_path):
    backend = open_backend("sqlite", tmp_path / "db", 4, swept=True)  # swept at SWEEP_AT: its digest queued
    url = backend.fresh()
    try:
        for days_back in (7, 3, 1):  # earlier working days
            ticked = run(["tick"], command_env(url, SWEEP_AT - timedelta(days=days_back)), tmp_path)
            assert ticked.returncode == 0, ticked.stderr
        days = {row.key.split("/")[1] for row in outbox_rows(url) if row.key.startswith("digest/")}
        assert days == {SWEEP_AT.date().isoformat()}
        onward = run(["tick"], command_env(url, SWEEP_AT + timedelta(days=1)), tmp_path)  # forward again: one more
        assert onward.returncode == 0, onward.stderr
        days = {row.key.split("/")[1] for row in outbox_rows(url) if row.key.startswith("digest/")}
        assert days == {SWEEP_AT.date().isoformat(), (SWEEP_AT + timedelta(days=1)).date().isoformat()}
    finally:
        backend.close()


@pytest.mark.parametrize("bad", BAD_CLOCKS)
def test_a_clock_that_cannot_be_read_is_one_line_for_every_command(tmp_path, bad):
    env = {**command_env("sqlite:///" + str(tmp_path / "w.db"), REHEARSAL), "WORKFLOWS_LINK_SECRET": "s"}
    env["WORKFLOWS_NOW"] = bad
    for args in COMMANDS:
        result = run(args, env, tmp_path)
        assert result.returncode == 2, (args, result.stderr)
        assert result.stderr.startswith("error: WORKFLOWS_NOW="), (args, result.stderr)
        assert len(result.stderr.strip().splitlines()) == 1, (args, result.stderr)
