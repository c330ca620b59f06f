"""Peak memory of `workflows overdue --json` (and of building the DSP overdue views) with N overdue items.

Each size gets a fresh database (an SQLite file under /tmp, or a PostgreSQL schema of its own), seeded by
bench/seed.py with N open rapid reviews whose request-chronologies item is overdue at seed.SWEEP_AT. The command
then runs as a user runs it, in a fresh process with the clock set to SWEEP_AT, its output read as it comes; the
figure is that process's peak resident set (`/usr/bin/time -f %M`). The output is checked to be one JSON array and
its objects counted. The database is dropped afterwards.

--views also builds both Markdown views `publish_overdue_views` hands to Prefect (`overdue-items` and
`overdue-summary`) in a fresh process, without Prefect: dashboard.views.overdue_views.

Run: .venv/bin/python bench/overdue_memory.py --db sqlite|postgresql [--rows 10000 100000] [--views]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from seed import CONFIG, PROCESSES, REPO, SWEEP_AT_TEXT, bench_database, seed_cases

WORKFLOWS = str(Path(sys.executable).parent / "workflows")
TIME = "/usr/bin/time"

# Builds both views as the sweep publishes them, then prints how many items they count.
VIEWS_PROBE = """\
from workflows import clock
from workflows.dashboard.views import overdue_views
from workflows.operations.runtime import Runtime

runtime = Runtime.open(create=False)
now = clock.now()
views = overdue_views(runtime, now)
table, summary = views.table(now), views.summary(now)
print(views.total, len(table), len(summary))
"""


@dataclass(frozen=True, slots=True)
class Measured:
    peak_mb: float
    seconds: float
    rows: int  # JSON objects written (for --views: items the views count)
    output_mb: float


def child_env(url: str) -> dict[str, str]:
    return {
        **os.environ,
        "WORKFLOWS_DB_URL": url,
        "WORKFLOWS_NOW": SWEEP_AT_TEXT,
        "WORKFLOWS_CONFIG": str(CONFIG),
        "WORKFLOWS_PROCESSES": str(PROCESSES),
    }


def count_array_objects(lines: Iterable[bytes]) -> tuple[int, int]:
    """Objects of a `json.dumps(..., indent=2)` array (each opens with a line of two spaces and a brace) and bytes
    read; SystemExit unless the lines are one array."""
    objects = size = 0
    first = last = b""
    for line in lines:
        size += len(line)
        first = first or line
        last = line
        objects += line == b"  {\n"
    if not (first.startswith(b"[") and last.rstrip() in (b"]", b"[]")):
        raise SystemExit(f"not one JSON array: starts {first[:20]!r}, ends {last[-20:]!r}")
    return objects, size


def run_measured(command: list[str], env: dict[str, str], json_array: bool) -> Measured:
    """Run `command`, reading its output as it comes, under /usr/bin/time for its own peak RSS.

    Not os.wait4 from here: a child's ru_maxrss starts from its parent's resident set at the fork (Linux keeps the
    high-water mark across exec), and this process holds the seeding's. /usr/bin/time is small.
    """
    if not Path(TIME).is_file():
        raise SystemExit(f"{TIME} is needed to measure a process's own peak RSS (Debian: apt-get install time)")
    with tempfile.NamedTemporaryFile("r", suffix=".rss") as peak:
        started = time.perf_counter()
        timed = [TIME, "-f", "%M", "-o", peak.name, *command]
        process = subprocess.Popen(timed, cwd=REPO, env=env, stdout=subprocess.PIPE)
        assert process.stdout is not None
        if json_array:
            rows, size = count_array_objects(process.stdout)
        else:
            output = process.stdout.read()
            rows, size = int(output.split()[0]), len(output)
        if process.wait() != 0:
            raise SystemExit(f"{' '.join(command)} exited {process.returncode}")
        seconds = time.perf_counter() - started
        peak_kb = int(peak.read().split()[-1])  # %M: kilobytes
    return Measured(peak_kb / 1024, seconds, rows, size / 1e6)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=["sqlite", "postgresql"], required=True)
    parser.add_argument(
        "--rows", type=int, nargs="+", default=[10_000, 100_000], help="overdue items (cases); 0 for the floor"
    )
    parser.add_argument("--views", action="store_true", help="also build the DSP overdue views")
    args = parser.parse_args()
    print("| db | overdue items | what | peak RSS MB | seconds | rows written | output MB |")
    print("|---|---|---|---|---|---|---|")
    for size in args.rows:
        with bench_database(args.db) as url:
            seed_cases(url, size)  # 0: the tables only, for the floor of a process that lists nothing
            env = child_env(url)
            runs = [("overdue --json", [WORKFLOWS, "overdue", "--json"], True)]
            if args.views:
                runs.append(("overdue views", [sys.executable, "-c", VIEWS_PROBE], False))
            for name, command, json_array in runs:
                found = run_measured(command, env, json_array)
                print(
                    f"| {args.db} | {size:,} | {name} | {found.peak_mb:.0f} | {found.seconds:.1f} | {found.rows:,} | "
                    f"{found.output_mb:.1f} |",
                    flush=True,
                )


if __name__ == "__main__":
    main()
