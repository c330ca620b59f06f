"""Three `workflows tick` processes started at once over the same due timers, as a user (or two schedulers) would
start them: nothing fired twice, nothing lost.

On PostgreSQL all three sweep, sharing the work (row locks, SKIP LOCKED). On SQLite one holds the lease and fires
every timer; each other one either stands down with one line saying why and exit status 1 (cli/errors.py:
refused) or, having waited for SQLite's write lock until the sweep was over, finds nothing due; never a
"database is locked" or a traceback. Whoever ran, every timer fired once between them. Each round starts from a
fresh copy of the same seeded database and is compared with an uninterrupted tick on another copy.
"""

from __future__ import annotations

import time
from collections import Counter

import pytest
from faultlab import (
    BACKENDS,
    RUN_TIMEOUT,
    SWEEP_AT,
    assert_clean_stderr,
    assert_refused_in_one_line,
    command_env,
    compare,
    open_backend,
    reference_tick,
    snapshot,
    spawn,
)
from faultlab import Outcome as Finished

CASES = {"sqlite": 400, "postgresql": 200}  # 600 or 300 due timers: a tick of a few seconds, start-up included
SWEEPERS = 3
ROUNDS = 4

pytestmark = pytest.mark.slow  # real processes: make test runs them, make test-fast leaves them out


def counts(stdout: str) -> Counter[str]:
    """What a tick says it did ("reminder: 12" a line), the daily digest left out: each sweeper that gets to it
    tries to queue it, and the outbox key lets one in."""
    said: Counter[str] = Counter()
    for line in stdout.splitlines():
        kind, _, number = line.partition(": ")
        if number.isdigit() and kind != "digest":
            said[kind] += int(number)
    return said


def together(url: str, cwd) -> list[Finished]:
    """SWEEPERS ticks started back to back (each takes a second or more to start), waited for."""
    env = command_env(url, SWEEP_AT)
    started = time.monotonic()
    processes = [spawn(["tick"], env, cwd) for _ in range(SWEEPERS)]
    finished = []
    try:
        for process in processes:
            out, err = process.communicate(timeout=RUN_TIMEOUT)
            finished.append(Finished(process.returncode, out, err, time.monotonic() - started))
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.communicate()
    return finished


@pytest.mark.parametrize("kind", BACKENDS)
def test_three_ticks_at_once_fire_every_due_timer_exactly_once(kind, tmp_path, figures):
    started = time.monotonic()
    backend = open_backend(kind, tmp_path / "db", CASES[kind])
    try:
        reference = reference_tick(backend, tmp_path)
        expected = counts(reference.stdout)
        ran = stood_down = found_nothing = rounds_shared = fired = lost = duplicated = 0
        problems: list[str] = []
        for number in range(1, ROUNDS + 1):
            url = backend.fresh()
            try:
                finished = together(url, tmp_path)
                for outcome in finished:
                    assert_clean_stderr(outcome.stderr)
                swept = [outcome for outcome in finished if outcome.returncode == 0]
                refused = [outcome for outcome in finished if outcome.returncode != 0]
                if kind == "sqlite":
                    for outcome in refused:
                        assert_refused_in_one_line(outcome)
                else:
                    assert not refused, [outcome.stderr for outcome in refused]
                assert swept, "someone swept"
                ran, stood_down = ran + len(swept), stood_down + len(refused)
                said = sum((counts(outcome.stdout) for outcome in swept), Counter())
                assert said == expected, f"round {number}: the sweepers together did {said}, one alone {expected}"
                firing = sum(1 for outcome in swept if counts(outcome.stdout))
                if firing > 1:
                    rounds_shared += 1
                if kind == "sqlite":
                    assert firing == 1, f"round {number}: {firing} sweepers fired timers under one lease"
                    late = [outcome for outcome in swept if not counts(outcome.stdout)]
                    found_nothing += len(late)
                    # It found no timer due; it may still be the one whose digest the outbox key let in.
                    quiet = ({"nothing due"}, {"digest: 1"})
                    assert all(set(o.stdout.split("\n")) - {""} in quiet for o in late), [o.stdout for o in late]
                taken = snapshot(url)
                assert taken.leases == 0, "the lease was given back"
                compared = compare(taken, reference.snapshot)
                fired, lost, duplicated = fired + compared.fired, lost + compared.lost, duplicated + compared.duplicated
                problems += [f"round {number}: {problem}" for problem in compared.problems]
            finally:
                backend.drop(url)
        figures(
            {
                "rounds": ROUNDS,
                "sweepers_per_round": SWEEPERS,
                "swept": ran,
                "stood_down": stood_down,
                "ran_after_the_sweep_found_nothing": found_nothing,
                "rounds_where_several_fired_timers": rounds_shared,
                "due_timers": reference.due_before * ROUNDS,
                "firings_expected": sum(reference.snapshot.firings().values()) * ROUNDS,
                "fired": fired,
                "lost": lost,
                "duplicated": duplicated,
                "wall_s": round(time.monotonic() - started, 1),
            }
        )
        assert not problems, "\n".join(problems[:20])
        assert lost == 0 and duplicated == 0
        if kind == "postgresql":
            assert rounds_shared > 0, "the sweepers never overlapped: one did all the work every round"
    finally:
        backend.close()
