"""Fixtures for the engine tests: the demo process (tests/conftest.py) as the engine runs it."""

from __future__ import annotations

import pytest

from workflows.engine import Definition


@pytest.fixture
def definition(demo) -> Definition:
    """The demo process with its timing rules, pinned under a made-up hash."""
    process, rules = demo
    return Definition(process, rules, "hash-1")
