"""Cold start of the commands that run no flow: wall time of a fresh process, median of N runs.

Run: .venv/bin/python bench/cold_start.py [--runs N]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
WORKFLOWS = str(Path(sys.executable).parent / "workflows")

COMMANDS = {
    "python -c pass (floor)": [sys.executable, "-c", "pass"],
    "workflows due": [WORKFLOWS, "due", "5 working days", "--from", "2026-12-18"],
    "workflows validate": [WORKFLOWS, "validate"],
    "workflows simulate": [WORKFLOWS, "simulate", "rapid-review", "--start", "2026-12-18", "--json"],
}


def measure(command: list[str], runs: int) -> list[float]:
    subprocess.run(command, cwd=REPO, capture_output=True, check=True)  # warm the file cache
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, cwd=REPO, capture_output=True, check=True)
        timings.append(time.perf_counter() - started)
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=20)
    runs = parser.parse_args().runs
    print(f"| command | median s | p90 s | ({runs} runs each) |")
    print("|---|---|---|---|")
    for name, command in COMMANDS.items():
        timings = sorted(measure(command, runs))
        p90 = timings[int(0.9 * (len(timings) - 1))]
        print(f"| {name} | {statistics.median(timings):.3f} | {p90:.3f} | |")


if __name__ == "__main__":
    main()
