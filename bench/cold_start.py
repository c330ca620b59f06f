"""Cold start of the commands that run no flow: wall time of a fresh process, median of N runs.

With --baseline SRC (another checkout's src/ folder, e.g. from `git archive HEAD src | tar -x -C /tmp/base`), each
run of this tree's code is followed by one of SRC's (PYTHONPATH=SRC), so both meet the same load on a shared machine.

Run: .venv/bin/python bench/cold_start.py [--runs N] [--baseline SRC]
"""

from __future__ import annotations

import argparse
import os
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


def run_once(command: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, cwd=REPO, env=env, capture_output=True, check=True)
    return time.perf_counter() - started


def measure(command: list[str], runs: int, envs: list[dict[str, str]]) -> list[list[float]]:
    """Timings of `command` under each environment, their runs interleaved."""
    for env in envs:
        run_once(command, env)  # warm the file cache
    timings: list[list[float]] = [[] for _ in envs]
    for _ in range(runs):
        for index, env in enumerate(envs):
            timings[index].append(run_once(command, env))
    return [sorted(found) for found in timings]


def summary(timings: list[float]) -> str:
    return f"{statistics.median(timings):.3f} | {timings[int(0.9 * (len(timings) - 1))]:.3f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--baseline", type=Path, help="another src/ folder to time alongside this tree's")
    args = parser.parse_args()
    envs = [dict(os.environ)]
    if args.baseline:
        envs.append({**os.environ, "PYTHONPATH": str(args.baseline.resolve())})
    if args.baseline:
        print(f"| command | median s | p90 s | baseline median s | baseline p90 s | ({args.runs} runs each) |")
        print("|---|---|---|---|---|---|")
    else:
        print(f"| command | median s | p90 s | ({args.runs} runs each) |")
        print("|---|---|---|---|")
    for name, command in COMMANDS.items():
        found = measure(command, args.runs, envs)
        print(f"| {name} | {' | '.join(summary(timings) for timings in found)} | |", flush=True)


if __name__ == "__main__":
    main()
