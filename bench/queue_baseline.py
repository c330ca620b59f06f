"""A general task queue's rate, for comparison: Huey on SQLite running one no-op job per deadline.

What a team without this engine might build: every deadline a job in a queue. N jobs are enqueued on an
SQLite-backed Huey (results not stored, as a fire-and-forget notice would be), then one Huey consumer with one
worker thread runs them, the queue draining to empty. Two rates: per second of enqueueing and running (a job per
deadline must be written before it runs, as our sweep writes each item's next timer) and per second of the
consumer's run alone. The best of --runs by run time.
The jobs do nothing: no case state, no audit entry, no message. Compare with `bench/sweep.py`'s firings/s, where
each firing does the real work.

Huey is not a dependency of the product: install it for this bench alone,
  .venv/bin/pip install -r bench/requirements-bench.txt
Run: .venv/bin/python bench/queue_baseline.py [--jobs 10000 100000] [--runs 3]
"""

from __future__ import annotations

import argparse
import logging
import tempfile
import time
from pathlib import Path


def drain(jobs: int) -> tuple[float, float]:
    """(seconds to enqueue, seconds for one consumer to run every job)."""
    from huey import SqliteHuey

    with tempfile.TemporaryDirectory() as folder:
        queue = SqliteHuey("bench", filename=str(Path(folder) / "huey.db"), results=False)

        @queue.task()
        def deadline_passed(case: int) -> None:
            """The no-op job: a deadline's work, minus the work."""

        started = time.perf_counter()
        for case in range(jobs):
            deadline_passed(case)
        enqueued = time.perf_counter() - started
        consumer = queue.create_consumer(workers=1, worker_type="thread", periodic=False, check_worker_health=False)
        started = time.perf_counter()
        consumer.start()  # its worker threads; the consumer's own loop (run) would only wait on signals
        while queue.pending_count():
            time.sleep(0.01)
        ran = time.perf_counter() - started
        consumer.stop(graceful=True)
    return enqueued, ran


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--jobs", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--runs", type=int, default=3, help="runs per size; the best is reported")
    args = parser.parse_args()
    logging.getLogger("huey").setLevel(logging.WARNING)
    print("| queue | jobs | enqueue s | run s | jobs/s, enqueued and run | jobs/s, run only |")
    print("|---|---|---|---|---|---|")
    for jobs in args.jobs:
        enqueued, ran = min((drain(jobs) for _ in range(args.runs)), key=lambda pair: pair[1])
        print(
            f"| Huey on SQLite, 1 worker | {jobs:,} | {enqueued:.1f} | {ran:.1f} | {jobs / (enqueued + ran):,.0f} "
            f"| {jobs / ran:,.0f} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
