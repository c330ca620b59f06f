"""One real Prefect server for the whole session (prefect_test_harness): its first start takes a while."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from workflows.store.database import open_database

REPO = Path(__file__).resolve().parents[2]

# Offline, and patient with the first start (it runs about a hundred migrations).
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "90")
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))  # the repository's flows/ package


@pytest.fixture(scope="session")
def prefect_server():
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture
def flow_env(prefect_server, tmp_path, smtp, monkeypatch):
    """Flows open their runtime from the environment: the shipped config, a fresh SQLite (created, as `workflows
    init` does: a flow never creates one), the test SMTP."""
    url = f"sqlite:///{tmp_path / 'workflows.db'}"
    open_database(url, create=True).dispose()
    monkeypatch.setenv("WORKFLOWS_DB_URL", url)
    monkeypatch.setenv("WORKFLOWS_CONFIG", str(REPO / "config"))
    monkeypatch.setenv("WORKFLOWS_PROCESSES", str(REPO / "processes"))
    return tmp_path
