"""The `workflows` command as a user runs it: a subprocess in a scratch folder, with the clock set."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
WORKFLOWS = str(Path(sys.executable).parent / "workflows")


@pytest.fixture
def workflows(tmp_path):
    """Run `workflows` in a scratch folder (its default SQLite file lands there) with the clock set."""

    def run(
        *args: str, now: str = "2026-12-18T10:00", extra_env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        env = {
            **os.environ,
            "WORKFLOWS_NOW": now,
            "WORKFLOWS_CONFIG": str(REPO / "config"),
            "WORKFLOWS_PROCESSES": str(REPO / "processes"),
            **(extra_env or {}),
        }
        env.pop("WORKFLOWS_DB_URL", None)
        return subprocess.run([WORKFLOWS, *args], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)

    return run
