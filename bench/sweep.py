"""Timer firings per second in ONE sweep (`sweeper.tick`) over N open cases that all have a due timer.

Each size gets a fresh database (an SQLite file under /tmp, or a PostgreSQL schema of its own), seeded by
bench/seed.py (rapid reviews whose request-chronologies deadline and escalation have passed: each firing writes
the case state, its items, an outbox message, two audit entries and deletes the timer), then swept once at
seed.SWEEP_AT (a Saturday, so the tick fires timers only) by a fresh Runtime, as a sweeper process would.
Then the daily digest that the first tick of a working morning also queues (operations.digest.queue_daily_digest: the
overdue report over every open case) is timed on its own, at seed.DIGEST_AT. The database is dropped afterwards.

Run: .venv/bin/python bench/sweep.py --db sqlite|postgresql [--cases 10000 100000] [--profile]
--profile runs the sweep under cProfile and prints where the time goes (slower than the unprofiled figure).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import time

from seed import DIGEST_AT, SWEEP_AT, bench_database, open_runtime, seed_cases


def profile_report(profiler: cProfile.Profile, top: int) -> str:
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    total = stats.total_tt  # type: ignore[attr-defined]
    rows = []
    for (path, line, name), (_, calls, tottime, cumtime, _) in stats.stats.items():  # type: ignore[attr-defined]
        where = path.split("site-packages/")[-1].split("/src/")[-1].split("/python3.11/")[-1]
        rows.append((tottime, cumtime, calls, f"{where}:{line}({name})"))
    lines = [f"profile: {total:.1f} s in all", "", "| self % | cumulative % | calls | function |", "|---|---|---|---|"]
    for tottime, cumtime, calls, label in sorted(rows, reverse=True)[:top]:
        lines.append(f"| {100 * tottime / total:.1f} | {100 * cumtime / total:.1f} | {calls:,} | {label} |")
    lines += ["", "| cumulative % | self % | calls | function |", "|---|---|---|---|"]
    for tottime, cumtime, calls, label in sorted(rows, key=lambda row: -row[1])[: top * 2]:
        lines.append(f"| {100 * cumtime / total:.1f} | {100 * tottime / total:.1f} | {calls:,} | {label} |")
    return "\n".join(lines)


def digest_once(runtime) -> str:
    from workflows.operations.digest import queue_daily_digest

    started = time.perf_counter()
    try:
        queue_daily_digest(runtime, DIGEST_AT)
    except Exception as error:  # a finding to report, not a reason to lose the sweep's figure
        message = str(getattr(error, "orig", None) or error).splitlines()[0][:120]
        return f"FAILED after {time.perf_counter() - started:.1f} s: {type(error).__name__}: {message}"
    return f"{time.perf_counter() - started:.1f}"


def sweep_once(db: str, cases: int, profile: bool, top: int) -> str:
    from workflows.operations.sweeper import tick
    from workflows.store.timers import count_due_timers

    with bench_database(db) as url:
        seed_cases(url, cases)
        runtime = open_runtime(url)
        with runtime.db.connect() as connection:
            due = count_due_timers(connection, SWEEP_AT)
        profiler = cProfile.Profile() if profile else None
        started = time.perf_counter()
        if profiler:
            profiler.enable()
        fired = tick(runtime, SWEEP_AT, holder="bench")
        if profiler:
            profiler.disable()
        seconds = time.perf_counter() - started
        with runtime.db.connect() as connection:
            left = count_due_timers(connection, SWEEP_AT)
        digest = digest_once(runtime)
        runtime.db.dispose()
    if left or fired["failed"]:
        raise SystemExit(f"sweep left {left} due timers, {fired['failed']} failed: {dict(fired)}")
    note = " (under cProfile)" if profiler else ""
    row = f"| {db}{note} | {cases:,} | {due:,} | {seconds:.1f} | {due / seconds:,.0f} | {digest} |"
    if profiler:
        row += "\n\n" + profile_report(profiler, top)
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=["sqlite", "postgresql"], required=True)
    parser.add_argument("--cases", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--top", type=int, default=25, help="functions listed with --profile")
    args = parser.parse_args()
    print("| db | open cases | timers fired | tick s | firings/s | then the daily digest, s |")
    print("|---|---|---|---|---|---|")
    for cases in args.cases:
        print(sweep_once(args.db, cases, args.profile, args.top), flush=True)


if __name__ == "__main__":
    main()
