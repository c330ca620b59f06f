"""Time and peak memory of `workflows report` over a year holding N cases.

Each size gets a fresh database (an SQLite file under /tmp, or a PostgreSQL schema of its own) seeded by
bench/seed.py with N rapid reviews notified over 2026, each with its chronology request done and three agency
tasks open. The command runs as a user runs it, in a fresh process with the clock at seed.SWEEP_AT, writing the
reporting year 2026-27 to a file; the figures are its wall time and its peak resident set (`/usr/bin/time -f %M`).
The report is checked to count every case.

Run: .venv/bin/python bench/report_scale.py --db sqlite|postgresql [--cases 10000 100000] [--format json xlsx]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from overdue_memory import TIME, child_env
from seed import bench_database, seed_tasks

WORKFLOWS = str(Path(sys.executable).parent / "workflows")
AGENCIES = 3


def measure(url: str, output_format: str, expected_cases: int) -> tuple[float, float]:
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / f"report.{output_format}"
        command = [WORKFLOWS, "report", "--from", "2026-04-01", "--to", "2027-03-31", "--format", output_format]
        started = time.perf_counter()
        done = subprocess.run(
            [TIME, "-f", "%M", *command, "--output", str(out)], env=child_env(url), capture_output=True, text=True
        )
        seconds = time.perf_counter() - started
        if done.returncode != 0:
            raise SystemExit(done.stderr)
        peak_kb = int(done.stderr.strip().splitlines()[-1])
        if output_format == "json":
            rows = json.loads(out.read_text())["tables"]["agencies"]
            tasks = sum(row["tasks"] for row in rows)
            if tasks < expected_cases * AGENCIES * 0.7:  # those notified before April open before the year too
                raise SystemExit(f"the report counted {tasks} tasks of {expected_cases * AGENCIES}")
    return seconds, peak_kb / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="sqlite")
    parser.add_argument("--cases", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--format", nargs="+", default=["json", "xlsx"])
    arguments = parser.parse_args()
    print("| database | cases | format | seconds | peak MB |\n|---|---:|---|---:|---:|")
    for count in arguments.cases:
        with bench_database(arguments.db) as url:
            seed_tasks(url, count * AGENCIES, AGENCIES)
            for output_format in arguments.format:
                seconds, peak = measure(url, output_format, count)
                print(f"| {arguments.db} | {count:,} | {output_format} | {seconds:.1f} | {peak:.0f} |", flush=True)


if __name__ == "__main__":
    main()
