"""`workflows deliver` killed with SIGKILL at random moments against a real SMTP server: every message reaches every
recipient, and only a message in flight at a kill comes again (once per kill it was in flight at), with the same
Message-ID.

Each round starts from a fresh copy of one outbox (what a tick queued over a few dozen cases: some hundreds of
messages to one or more recipients each). Real `workflows deliver` processes (small batches, so that a run claims,
connects, sends and quits several times) are killed after delays drawn from a seeded RNG, up to KILLS_PER_ROUND
times (and KILLS in all); the next run starts at once, on the same clock, and takes over the killed one's claims
(real time, named by host and process: its process is gone); then a deliver runs to completion. The server
(aiosmtpd on loopback, tests/conftest.py) records every message with its Message-ID and X-Workflows-Key. The
message in flight at a kill is the last one the server accepted before it: accepted, its outcome not yet
committed. That one, and only that one, may come again.
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field

import pytest
from faultlab import (
    BACKENDS,
    SWEEP_AT,
    assert_clean_stderr,
    command_env,
    engine_for,
    open_backend,
    run,
    run_and_kill,
)
from sqlalchemy import select

from workflows.store.schema import outbox

CASES = 40  # about 250 messages to 500 recipients a round: a few seconds of sending
KILLS = 30
KILLS_PER_ROUND = 6
BATCH = "25"  # messages per SMTP connection: a run claims, connects and quits every 25 messages
WINDOW = 3.0  # seconds: a kill anywhere from start-up to a couple of batches into the sending
BUDGET = 170  # seconds

pytestmark = pytest.mark.slow  # real processes: make test runs them, make test-fast leaves them out


def identity(received) -> tuple[str, str]:
    """A message to one recipient: its outbox key and the address (each SMTP transaction has one recipient). A
    long key's header is folded onto a line of its own, which Python's parser unfolds with a leading space."""
    [recipient] = received.recipients
    return str(received.message["X-Workflows-Key"]), recipient


def settled_count(mailbox, quiet: float = 0.2, timeout: float = 5.0) -> int:
    """How many messages the server has, once it has stopped receiving (a killed client's last DATA may still be
    on its way through the server's thread)."""
    deadline = time.monotonic() + timeout
    count = len(mailbox.received)
    while time.monotonic() < deadline:
        time.sleep(quiet)
        now = len(mailbox.received)
        if now == count:
            return count
        count = now
    return count


@dataclass
class Round:
    """What one round measured."""

    kills: int = 0
    runs: int = 0
    finished_alone: int = 0
    messages: int = 0
    recipients: int = 0
    received_by_kills: int = 0
    received: int = 0
    lost: int = 0
    duplicated: int = 0
    not_in_flight: int = 0
    delays: list[float] = field(default_factory=list)


def deliver_round(backend, url, smtp, rng, cwd, kills_wanted: int) -> Round:
    """Kill deliverers until the outbox is empty or `kills_wanted` kills, deliver the rest, check what arrived."""
    measured = Round()
    mailbox = smtp.mailbox
    mailbox.reset()
    smtp_env = {
        "WORKFLOWS_SMTP_HOST": "127.0.0.1",
        "WORKFLOWS_SMTP_PORT": str(smtp.port),
        "WORKFLOWS_SMTP_TIMEOUT": "10",
    }
    in_flight: Counter[tuple[str, str]] = Counter()  # the last message accepted before each kill, per kill
    while measured.kills < kills_wanted:
        env = command_env(url, SWEEP_AT, **smtp_env)
        before = len(mailbox.received)
        attempt = run_and_kill(["deliver", "--batch-size", BATCH], env, cwd, rng.uniform(0, WINDOW))
        measured.runs += 1
        if not attempt.killed:
            assert attempt.outcome is not None
            assert attempt.outcome.returncode == 0, attempt.outcome.stderr
            assert_clean_stderr(attempt.outcome.stderr)
            measured.finished_alone += 1
            break  # everything sent
        measured.kills += 1
        measured.delays.append(attempt.delay)
        backend.settle(url)
        after = settled_count(mailbox)
        if after > before:
            in_flight[identity(mailbox.received[after - 1])] += 1
    measured.received_by_kills = len(mailbox.received)

    final = run(["deliver"], command_env(url, SWEEP_AT, **smtp_env), cwd)
    measured.runs += 1
    assert final.returncode == 0, final.stderr
    assert_clean_stderr(final.stderr)

    engine = engine_for(url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(select(outbox.c.key, outbox.c.status, outbox.c.recipients)).all()
    finally:
        engine.dispose()
    statuses = Counter(row.status for row in rows)
    expected = {(row.key, address) for row in rows for address in (row.recipients or {})}
    unsent = {(row.key, address) for row in rows for address, got in (row.recipients or {}).items() if got != "sent"}
    copies = Counter(identity(received) for received in mailbox.received)
    ids: dict[tuple[str, str], set[str]] = defaultdict(set)
    for received in mailbox.received:
        ids[identity(received)].add(str(received.message["Message-ID"]))
    lost = expected - set(copies)
    unexpected = set(copies) - expected
    duplicated = {key: n - 1 for key, n in copies.items() if n > 1}
    not_in_flight = set(duplicated) - set(in_flight)
    measured.messages, measured.recipients, measured.received = len(rows), len(expected), len(mailbox.received)
    measured.lost, measured.duplicated = len(lost), sum(duplicated.values())
    measured.not_in_flight = len(not_in_flight)

    assert statuses == {"sent": len(rows)}, statuses
    assert not unsent, f"recipients not served: {sorted(unsent)[:5]}"
    assert not lost, f"never received: {sorted(lost)[:5]}"
    assert not unexpected, f"received but not in the outbox: {sorted(unexpected)[:5]}"
    assert measured.duplicated <= measured.kills
    assert not not_in_flight, f"sent twice but not in flight at a kill: {sorted(not_in_flight)[:5]}"
    # Once more for each kill it was in flight at (the next run sends it first: a kill can land on it again).
    assert all(n <= in_flight[key] for key, n in duplicated.items()), "a message comes again once per kill at most"
    assert all(len(seen) == 1 for seen in ids.values()), "a resend carries the first sending's Message-ID"
    assert len({next(iter(seen)) for seen in ids.values()}) == len(ids), "one Message-ID per message"
    return measured


@pytest.mark.parametrize("kind", BACKENDS)
def test_deliver_killed_at_random_moments_sends_everything_and_repeats_only_what_was_in_flight(
    kind, tmp_path, rng, smtp, figures
):
    started = time.monotonic()
    backend = open_backend(kind, tmp_path / "db", CASES, swept=True)
    try:
        rounds: list[Round] = []
        while sum(r.kills for r in rounds) < KILLS:
            assert time.monotonic() - started < BUDGET, f"only {sum(r.kills for r in rounds)} kills in {BUDGET} s"
            wanted = min(KILLS_PER_ROUND, KILLS - sum(r.kills for r in rounds))
            url = backend.fresh()
            try:
                rounds.append(deliver_round(backend, url, smtp, rng, tmp_path, wanted))
            finally:
                backend.drop(url)
        delays = [delay for r in rounds for delay in r.delays]
        figures(
            {
                "kills": sum(r.kills for r in rounds),
                "rounds": len(rounds),
                "runs": sum(r.runs for r in rounds),
                "runs_that_finished_before_their_kill": sum(r.finished_alone for r in rounds),
                "outbox_messages_per_round": rounds[0].messages,
                "recipient_messages": sum(r.recipients for r in rounds),
                "received_before_each_rounds_last_kill": sum(r.received_by_kills for r in rounds),
                "received": sum(r.received for r in rounds),
                "lost": sum(r.lost for r in rounds),
                "duplicated": sum(r.duplicated for r in rounds),
                "duplicates_not_in_flight": sum(r.not_in_flight for r in rounds),
                "kill_delays_s": f"{min(delays):.2f}..{max(delays):.2f} of {WINDOW:.2f}",
                "wall_s": round(time.monotonic() - started, 1),
            }
        )
        assert sum(r.kills for r in rounds) >= 30
    finally:
        backend.close()
