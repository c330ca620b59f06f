"""The `workflows` command as a user runs it: a subprocess in a scratch folder, with the clock set."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from workflows.store.database import open_database

REPO = Path(__file__).resolve().parents[2]
WORKFLOWS = str(Path(sys.executable).parent / "workflows")


def _runner(folder: Path):
    def run(
        *args: str, now: str = "2026-12-18T10:00", extra_env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        env = {key: value for key, value in os.environ.items() if key != "WORKFLOWS_DB_URL"}
        env.update(
            {
                "WORKFLOWS_NOW": now,
                "WORKFLOWS_CONFIG": str(REPO / "config"),
                "WORKFLOWS_PROCESSES": str(REPO / "processes"),
                **(extra_env or {}),
            }
        )
        return subprocess.run([WORKFLOWS, *args], cwd=folder, env=env, capture_output=True, text=True, timeout=60)

    return run


@pytest.fixture(scope="session")
def _empty_database(tmp_path_factory) -> Path:
    """A database as `workflows init` leaves it, made once and copied: migrating costs a while."""
    path = tmp_path_factory.mktemp("empty-database") / "workflows.db"
    open_database(f"sqlite:///{path}", create=True).dispose()
    return path


@pytest.fixture
def workflows(tmp_path, _empty_database):
    """Run `workflows` in a scratch folder whose default database (var/workflows.db) `workflows init` made."""
    (tmp_path / "var").mkdir(exist_ok=True)
    shutil.copyfile(_empty_database, tmp_path / "var" / "workflows.db")
    return _runner(tmp_path)


@pytest.fixture
def workflows_without_database(tmp_path):
    """Run `workflows` in a scratch folder with no database at all."""
    return _runner(tmp_path)
