"""Checking definition texts in a scratch folder: problems as `file:line:column: message`, file by name only."""

from __future__ import annotations

import tempfile
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from workflows.definitions.library import check_definitions

CheckTexts = Callable[..., list[str]]


@pytest.fixture
def problems_in(minimal_config) -> CheckTexts:
    """`problems_in({"demo.yaml": text, ...})`: every problem found checking those files together.

    Stateless, so a hypothesis test may call it for each example.
    """

    def check(files: dict[str, str], config=minimal_config) -> list[str]:
        with tempfile.TemporaryDirectory() as scratch:
            folder = Path(scratch)
            for name, text in files.items():
                (folder / name).write_text(textwrap.dedent(text), encoding="utf-8")
            found = check_definitions([folder], config).problems
        return [f"{Path(p.file).name}:{p.line}:{p.column}: {p.message}" for p in found]

    return check
