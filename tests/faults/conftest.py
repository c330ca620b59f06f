"""Faults, measured and kept: real `workflows tick` and `workflows deliver` processes killed with SIGKILL at random
moments, and sweepers racing, on real SQLite files and a real PostgreSQL server.

What these tests share: a seeded database copied afresh for each round (an SQLite file copied, a PostgreSQL
database created from a template database), the figure of an uninterrupted sweep to compare against, the
commands run as a user runs them, and the figures each test measured, printed at the end of the run (a
`pytest_terminal_summary` section, so that CI logs show them without -s).
"""

from __future__ import annotations

import random

import pytest
from faultlab import FIGURES, SEED


@pytest.fixture
def figures(request):
    """Record what a test measured, as (name, value) pairs: printed now (seen with -s) and in the summary."""

    def record(measured: dict) -> None:
        FIGURES.append((request.node.nodeid, dict(measured)))
        print(f"\n{request.node.nodeid}: " + ", ".join(f"{key}={value}" for key, value in measured.items()))

    return record


def pytest_terminal_summary(terminalreporter) -> None:
    if not FIGURES:
        return
    terminalreporter.section("faults: measured figures")
    for nodeid, measured in FIGURES:
        terminalreporter.write_line(nodeid)
        terminalreporter.write_line("    " + ", ".join(f"{key}={value}" for key, value in measured.items()))


@pytest.fixture
def rng() -> random.Random:
    return random.Random(SEED)
