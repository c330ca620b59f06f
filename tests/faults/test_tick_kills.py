"""`workflows tick` killed with SIGKILL at random moments, again and again, then run to completion: every timer that
was due fires exactly once, and none is lost.

Each round starts from a fresh copy of the same seeded database (a few hundred cases, so that one tick takes a
few seconds: start-up, two or three batches of 200 timers, the daily digest). Up to KILLS_PER_ROUND times (and
KILLS in all), a real `workflows tick` process is killed after a delay drawn from a seeded RNG over the whole
run time of an uninterrupted tick; then a tick runs to completion. What the database holds then is compared with
what the uninterrupted tick left on its own copy: every audit entry (firings counted per timer), every outbox
key, every timer left for later and every case's state.
"""

from __future__ import annotations

import time

import pytest
from faultlab import (
    BACKENDS,
    SWEEP_AT,
    assert_clean_stderr,
    command_env,
    compare,
    due_now,
    leases_held,
    open_backend,
    reference_tick,
    run,
    run_and_kill,
    snapshot,
)

from workflows.cli.errors import ExitCode

CASES = {"sqlite": 400, "postgresql": 200}  # 600 or 300 due timers: a tick of 2-4 s on this machine, with start-up
KILLS = 30
KILLS_PER_ROUND = 6
BUDGET = 150  # seconds: give up rather than run on when the machine is much slower than planned

pytestmark = pytest.mark.slow  # real processes: make test runs them, make test-fast leaves them out


@pytest.mark.parametrize("kind", BACKENDS)
def test_tick_killed_at_random_moments_fires_every_due_timer_exactly_once(kind, tmp_path, rng, figures):
    started = time.monotonic()
    backend = open_backend(kind, tmp_path / "db", CASES[kind])
    try:
        reference = reference_tick(backend, tmp_path)
        expected_firings = sum(reference.snapshot.firings().values())
        window = reference.seconds * 1.1  # kill anywhere from start-up to just past the end of a whole tick
        kills = rounds = fired = lost = duplicated = finished_alone = 0
        kills_after_a_commit = kills_before_any_commit = leases_left = leases_after_rounds = 0
        delays: list[float] = []
        problems: list[str] = []
        while kills < KILLS:
            assert time.monotonic() - started < BUDGET, f"only {kills} kills in {BUDGET} s"
            url = backend.fresh()
            rounds += 1
            try:
                env = command_env(url, SWEEP_AT)
                left = due_now(url)
                assert left == reference.due_before
                for _ in range(min(KILLS_PER_ROUND, KILLS - kills)):
                    attempt = run_and_kill(["tick"], env, tmp_path, rng.uniform(0, window))
                    if not attempt.killed:
                        assert attempt.outcome is not None
                        if attempt.outcome.returncode == ExitCode.REFUSED:
                            pytest.fail(
                                f"round {rounds}: after a sweeper was killed, the next tick "
                                f"was refused: {attempt.outcome.stderr.strip()!r}"
                            )
                        assert attempt.outcome.returncode == 0, attempt.outcome.stderr
                        assert_clean_stderr(attempt.outcome.stderr)
                        finished_alone += 1
                        break  # that tick ran to completion
                    kills += 1
                    delays.append(attempt.delay)
                    backend.settle(url)
                    if kind == "sqlite" and leases_held(url):
                        # Killed holding the lease: the next tick sees its holder's process is gone and takes the
                        # lease over at once (a refusal fails the round above).
                        leases_left += 1
                    # Did the killed tick commit a batch before it died, or die before its first commit?
                    was, left = left, due_now(url)
                    if left < was:
                        kills_after_a_commit += 1
                    else:
                        kills_before_any_commit += 1
                else:
                    # Every attempt of the round was killed: now a tick runs to completion.
                    final = run(["tick"], env, tmp_path)
                    if final.returncode == ExitCode.REFUSED:
                        pytest.fail(f"round {rounds}: the tick after the kills was refused: {final.stderr.strip()!r}")
                    assert final.returncode == 0, final.stderr
                    assert_clean_stderr(final.stderr)
                taken = snapshot(url)
                leases_after_rounds += taken.leases  # a tick that ran to its end gave the lease back
                compared = compare(taken, reference.snapshot)
                fired += compared.fired
                lost += compared.lost
                duplicated += compared.duplicated
                problems += [f"round {rounds}: {problem}" for problem in compared.problems]
            finally:
                backend.drop(url)
        measured = {
            "kills": kills,
            "kills_before_any_commit": kills_before_any_commit,
            "kills_after_a_commit": kills_after_a_commit,
            "rounds": rounds,
            "leases_left_by_killed_sweepers": leases_left,
            "ticks_that_finished_before_their_kill": finished_alone,
            "due_timers_per_round": reference.due_before,
            "due_timers": reference.due_before * rounds,
            "firings_expected": expected_firings * rounds,  # audit entries only a timer firing writes
            "fired": fired,
            "lost": lost,
            "duplicated": duplicated,
            "uninterrupted_tick_s": round(reference.seconds, 2),
            "kill_delays_s": f"{min(delays):.2f}..{max(delays):.2f} of {window:.2f}",
            "wall_s": round(time.monotonic() - started, 1),
        }
        figures(measured)
        assert not problems, "\n".join(problems[:20])
        assert lost == 0 and duplicated == 0
        assert fired == expected_firings * rounds
        assert kills >= 30
        # The kills landed all over a tick: some before its first commit, some after a batch was committed.
        assert kills_before_any_commit > 0 and kills_after_a_commit > 0
        if kind == "sqlite":
            assert leases_left > 0  # some kills left the lease held, and the next tick took it over
        assert leases_after_rounds == 0
    finally:
        backend.close()
