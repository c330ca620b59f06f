"""Timer firings per second in real sweeps (`sweeper.tick`), against raw SQL writing exactly the same rows.

Two shapes of open work (bench/seed.py clones cases the engine itself started):
  reminders      (default) N rapid reviews with --agencies K open agency chronology tasks each (K timers per case,
                 plus the case's own), notified over the 15 working days before seed.REMINDER_DAYS. One tick after
                 working hours on each of --days working days: most firings are reminders, due-day and overdue
                 notices and escalations that schedule the task's next timer; a few are last firings.
  last-firings   N rapid reviews with one timer each, all due at seed.SWEEP_AT (a Saturday): every firing is the
                 timer's last (overdue audit entry, escalation level 1, the timer deleted). One tick.

For each size, two identical databases are seeded (an SQLite file and its copy, or two PostgreSQL schemas). The
sweep runs on the first with every statement it sends recorded (bench/replay.py); the recording is then replayed
through the bare DB-API driver on the second: the raw-SQL baseline, the same statements, rows and transactions
without our Python. The table gives both rates and their ratio (sweep / raw). Both databases are then compared
(row counts per table) to show the replay wrote what the sweep wrote. With --digest, the daily digest a working
morning's first tick also queues (operations.digest.queue_daily_digest: the overdue report over every open
case) is timed on its own afterwards.

Run: .venv/bin/python bench/sweep.py --db sqlite|postgresql [--shape reminders|last-firings]
       [--cases 10000 100000] [--agencies 3] [--days 3] [--profile] [--digest]
--profile runs the sweep under cProfile and prints where the time goes (slower than the unprofiled figure).
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import io
import pstats
import sqlite3
import time
from collections import Counter
from collections.abc import Iterator
from datetime import datetime
from datetime import time as clock_time

from replay import Recording, replay
from seed import (
    DIGEST_AT,
    REMINDER_DAYS,
    REMINDER_TICK,
    SWEEP_AT,
    bench_database,
    clone,
    last_firing_templates,
    open_runtime,
    reminder_templates,
)
from sqlalchemy import func, select

TABLES = ("cases", "items", "timers", "outbox", "audit")


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


def tick_moments(shape: str, days: int) -> list[datetime]:
    if shape == "last-firings":
        return [SWEEP_AT]
    from workflows.calendar.london import london_wall_time

    hour, minute = (int(part) for part in REMINDER_TICK.split(":"))
    return [london_wall_time(day, clock_time(hour, minute)) for day in REMINDER_DAYS[:days]]


@contextlib.contextmanager
def twin_databases(db: str, seed) -> Iterator[tuple[str, str]]:
    """Two databases holding the same seeded rows: an SQLite file and its copy, or two PostgreSQL schemas."""
    with bench_database(db) as first, bench_database(db) as second:
        seed(first)
        if db == "sqlite":
            source, copy = (
                sqlite3.connect(first.removeprefix("sqlite:///")),
                sqlite3.connect(second.removeprefix("sqlite:///")),
            )
            source.backup(copy)
            source.close()
            copy.close()
        else:
            seed(second)
        yield first, second


def counts(url: str) -> dict[str, int]:
    from workflows.store import schema

    runtime = open_runtime(url)
    with runtime.db.connect() as connection:
        found = {
            name: connection.execute(select(func.count()).select_from(getattr(schema, name))).scalar_one()
            for name in TABLES
        }
    runtime.db.dispose()
    return found


def sweep_once(db: str, shape: str, cases: int, agencies: int, days: int, profile: bool, top: int, digest: bool) -> str:
    from workflows.operations.sweeper import tick
    from workflows.store.timers import count_due_timers

    templates, definitions = reminder_templates(agencies) if shape == "reminders" else last_firing_templates()
    moments = tick_moments(shape, days)
    with twin_databases(db, lambda url: clone(url, templates, definitions, cases)) as (swept, replayed):
        timers_before = counts(swept)["timers"]
        runtime = open_runtime(swept)
        recording = Recording()
        profiler = cProfile.Profile() if profile else None
        fired: Counter[str] = Counter()
        seconds = 0.0
        left = 0
        firings = 0
        for moment in moments:
            with runtime.db.connect() as connection:
                firings += count_due_timers(connection, moment)  # each fires once in this tick
            recording.attach(runtime.db)
            started = time.perf_counter()
            if profiler:
                profiler.enable()
            fired.update(tick(runtime, moment, holder="bench"))
            if profiler:
                profiler.disable()
            seconds += time.perf_counter() - started
            recording.detach(runtime.db)
            with runtime.db.connect() as connection:
                left += count_due_timers(connection, moment)
        runtime.db.dispose()
        if left or fired["failed"]:
            raise SystemExit(f"sweep left {left} due timers, {fired['failed']} failed: {dict(fired)}")
        replay_runtime = open_runtime(replayed)
        raw_seconds = replay(replay_runtime.db, recording)
        replay_runtime.db.dispose()
        after_sweep, after_replay = counts(swept), counts(replayed)
        if after_sweep != after_replay:
            raise SystemExit(f"the replay wrote other rows than the sweep: {after_sweep} != {after_replay}")
        digest_seconds = digest_once(open_runtime(swept)) if digest else "-"
    note = " (under cProfile)" if profiler else ""
    rate, raw_rate = firings / seconds, firings / raw_seconds
    row = (
        f"| {db}{note} | {shape} | {cases:,} | {timers_before:,} | {len(moments)} | {firings:,} | "
        f"{recording.statements:,} | {seconds:.1f} | {rate:,.0f} | {raw_seconds:.1f} | {raw_rate:,.0f} | "
        f"{rate / raw_rate:.2f} | {digest_seconds} |"
    )
    if profiler:
        row += "\n\n" + profile_report(profiler, top)
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=["sqlite", "postgresql"], required=True)
    parser.add_argument("--shape", choices=["reminders", "last-firings"], default="reminders")
    parser.add_argument("--cases", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--agencies", type=int, default=3, help="agency tasks per case, reminders shape")
    parser.add_argument(
        "--days", type=int, default=3, choices=range(1, len(REMINDER_DAYS) + 1), help="ticks, reminders shape"
    )
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--digest", action="store_true", help="then time the daily digest on its own")
    parser.add_argument("--top", type=int, default=25, help="functions listed with --profile")
    args = parser.parse_args()
    print(
        "| db | shape | open cases | timers | ticks | firings | statements | sweep s | firings/s "
        "| raw SQL s | raw firings/s | ratio | digest s |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for cases in args.cases:
        print(
            sweep_once(args.db, args.shape, cases, args.agencies, args.days, args.profile, args.top, args.digest),
            flush=True,
        )


if __name__ == "__main__":
    main()
