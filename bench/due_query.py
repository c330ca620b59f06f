"""How long "what is due now" takes with many open tasks: median of N runs, on SQLite or PostgreSQL.

The database (an SQLite file under /tmp, or a PostgreSQL schema of its own, dropped afterwards) is seeded by
bench/seed.py with --tasks open per-agency task items, each with its timer, spread over 2026. "Now" is put where
--due-fraction of the timers are due (several fractions may be given). Timed, each inside an open transaction:

  claim      store.timers.claim_due_timer: the sweeper's SELECT ... ORDER BY fire_at, id LIMIT 1
             FOR UPDATE SKIP LOCKED (no FOR UPDATE on SQLite)
  count      store.timers.count_due_timers: SELECT count(*) of timers due
  overdue    the SELECT of operations.reports.overdue (store.items.open_items_query: open items due by the widest
             at-risk horizon, joined to their open cases, by due date), every row fetched
  overdue()  the whole reports.overdue call: the query and its per-row working-day arithmetic

Rows: claim 1 if it found a timer; count the count; overdue and overdue() the rows (items) returned.
Run: .venv/bin/python bench/due_query.py --db sqlite|postgresql [--tasks 1000000] [--agencies 10] [--runs 21]
     [--heavy-runs 5] [--due-fraction 0.01 0.1 1.0] [--explain]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from datetime import datetime

from seed import bench_database, open_runtime, seed_tasks
from sqlalchemy import Connection, select, text


def overdue_query(runtime, now: datetime):
    """The SELECT of reports.overdue, exactly as the report builds it."""
    from workflows.operations.reports import widest_at_risk_horizon
    from workflows.store.items import open_items_query

    return open_items_query(widest_at_risk_horizon(runtime, now))


def timed(runs: int, work: Callable[[], int]) -> tuple[float, float, int]:
    """Median and p90 in ms of `runs` calls after one warm-up; `work` returns the rows it got."""
    rows = work()
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        rows = work()
        timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    return statistics.median(timings), timings[int(0.9 * (len(timings) - 1))], rows


def measure(runtime, runs: int, heavy_runs: int, now: datetime) -> list[tuple[str, float, float, int]]:
    from workflows.operations import reports
    from workflows.store import timers as timer_rows

    connection = runtime.db.connect()

    def query_only(query: Callable[[Connection], int]) -> Callable[[], int]:
        def work() -> int:
            # Time the query inside an open transaction: not the BEGIN (IMMEDIATE) and ROLLBACK around it.
            transaction = connection.begin()
            try:
                started = time.perf_counter()
                rows = query(connection)
                elapsed.append(time.perf_counter() - started)
                return rows
            finally:
                transaction.rollback()

        return work

    found = []
    for name, query, times in (
        ("claim", lambda c: int(timer_rows.claim_due_timer(c, now, set()) is not None), runs),
        ("count", lambda c: timer_rows.count_due_timers(c, now), runs),
        ("overdue", lambda c: len(c.execute(overdue_query(runtime, now)).all()), heavy_runs),
    ):
        elapsed: list[float] = []
        work = query_only(query)
        work()  # warm-up
        elapsed.clear()
        rows = 0
        for _ in range(times):
            rows = work()
        timings = sorted(1000 * e for e in elapsed)
        found.append((name, statistics.median(timings), timings[int(0.9 * (len(timings) - 1))], rows))
    connection.close()
    try:
        median, p90, rows = timed(heavy_runs, lambda: len(reports.overdue(runtime, now)))
        found.append(("overdue()", median, p90, rows))
    except Exception as error:  # report it and go on: it is a finding, not a reason to lose the other figures
        message = str(getattr(error, "orig", None) or error).splitlines()[0][:160]
        found.append((f"overdue() FAILED: {type(error).__name__}: {message}", float("nan"), float("nan"), 0))
    return found


def explain(runtime, now: datetime) -> None:
    from workflows.store.schema import timers

    postgresql = runtime.db.dialect.name == "postgresql"
    claim = (
        select(timers)
        .where(timers.c.fire_at <= now)
        .order_by(timers.c.fire_at, timers.c.id)
        .limit(1)
        .with_for_update(skip_locked=True)
    )
    count = select(text("count(*)")).select_from(timers).where(timers.c.fire_at <= now)
    prefix = "EXPLAIN (ANALYZE, BUFFERS) " if postgresql else "EXPLAIN QUERY PLAN "
    with runtime.db.connect() as connection:
        for name, statement in (("claim", claim), ("count", count), ("overdue", overdue_query(runtime, now))):
            compiled = statement.compile(dialect=runtime.db.dialect, compile_kwargs={"literal_binds": True})
            print(f"\n{name}:")
            for row in connection.exec_driver_sql(prefix + str(compiled)):
                print("   ", " ".join(str(part) for part in row))
            connection.rollback()


def now_for(runtime, fraction: float) -> tuple[datetime, int]:
    """The moment by which `fraction` of the timers are due, and how many are due then."""
    from workflows.store.schema import timers
    from workflows.store.timers import count_due_timers

    with runtime.db.connect() as connection:
        total = connection.execute(select(text("count(*)")).select_from(timers)).scalar_one()
        rank = min(total - 1, max(0, int(fraction * total) - 1))
        query = select(timers.c.fire_at).order_by(timers.c.fire_at).offset(rank).limit(1)
        now = connection.execute(query).scalar_one()
        return now, count_due_timers(connection, now)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=["sqlite", "postgresql"], required=True)
    parser.add_argument("--tasks", type=int, default=1_000_000)
    parser.add_argument("--agencies", type=int, default=10)
    parser.add_argument("--runs", type=int, default=21, help="runs of claim and count")
    parser.add_argument("--heavy-runs", type=int, default=5, help="runs of overdue and overdue() (default 5)")
    parser.add_argument("--due-fraction", type=float, nargs="+", default=[0.01, 0.1, 1.0])
    parser.add_argument("--explain", action="store_true", help="print each query's plan")
    args = parser.parse_args()
    with bench_database(args.db) as url:
        started = time.perf_counter()
        written = seed_tasks(url, args.tasks, args.agencies)
        seeded = time.perf_counter() - started
        print(
            f"seeded {written['items']:,} items ({args.tasks:,} open tasks), {written['timers']:,} timers, "
            f"{written['cases']:,} cases in {seeded:.0f} s; median of {args.runs} runs ({args.heavy_runs} for overdue)"
        )
        print("| db | open tasks | timers due | query | median ms | p90 ms | rows |")
        print("|---|---|---|---|---|---|---|")
        runtime = open_runtime(url)
        for fraction in args.due_fraction:
            now, due = now_for(runtime, fraction)
            for name, median, p90, rows in measure(runtime, args.runs, args.heavy_runs, now):
                print(f"| {args.db} | {args.tasks:,} | {due:,} | {name} | {median:.1f} | {p90:.1f} | {rows:,} |")
            if args.explain:
                print(f"plans at {now.isoformat()}:")
                explain(runtime, now)
        runtime.db.dispose()


if __name__ == "__main__":
    main()
