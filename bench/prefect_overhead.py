"""Cost per timer: our sweep (one flow run firing many timers) vs one Prefect flow run per timer.

Runs against a temporary Prefect server (prefect_test_harness). Run: .venv/bin/python bench/prefect_overhead.py
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "90")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--timers", type=int, default=200, help="timers fired by the sweep")
    parser.add_argument("--flow-runs", type=int, default=30, help="flow runs, one per timer, to time")
    options = parser.parse_args()

    from prefect import flow
    from prefect.testing.utilities import prefect_test_harness

    from workflows.engine.commands import FireTimer
    from workflows.engine.state import Slot
    from workflows.operations import cases
    from workflows.operations.cases import run
    from workflows.operations.runtime import Runtime

    folder = Path(tempfile.mkdtemp())

    def seeded(count: int) -> tuple[Runtime, list[str]]:
        os.environ["WORKFLOWS_NOW"] = "2026-12-18T10:00"
        os.environ["WORKFLOWS_DB_URL"] = f"sqlite:///{folder / f'bench-{count}-{time.time_ns()}.db'}"
        runtime = Runtime.open(REPO / "config", REPO / "processes", create=True)
        references = [
            cases.start(runtime, "rapid-review", {"notification_date": date(2026, 12, 18), "agencies": ["cafcass"]})[0]
            for _ in range(count)
        ]
        os.environ["WORKFLOWS_NOW"] = "2026-12-22T10:00"  # every case's first timer is due
        return runtime, references

    @flow(name="fire-one-timer")
    def fire_one(reference: str) -> None:
        runtime = Runtime.open(REPO / "config", REPO / "processes", create=True)
        run(runtime, reference, FireTimer(Slot("request-chronologies")))
        runtime.db.dispose()

    with prefect_test_harness(server_startup_timeout=120):
        from flows.sweep import sweep

        fire_one(seeded(1)[1][0])  # warm the server and the imports
        seeded(options.timers)
        started = time.perf_counter()
        sweep()
        per_timer_sweep = (time.perf_counter() - started) / options.timers

        _, references = seeded(options.flow_runs)
        started = time.perf_counter()
        for reference in references:
            fire_one(reference)
        per_timer_runs = (time.perf_counter() - started) / options.flow_runs

    print("| how timers fire | ms per timer |")
    print("|---|---|")
    label = f"one sweep flow run firing {options.timers} timers (tick + deliver + artifacts)"
    print(f"| {label} | {per_timer_sweep * 1000:.1f} |")
    print(f"| one Prefect flow run per timer ({options.flow_runs} runs) | {per_timer_runs * 1000:.1f} |")
    print(f"| ratio | {per_timer_runs / per_timer_sweep:.0f}x |")


if __name__ == "__main__":
    main()
