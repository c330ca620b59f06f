"""The practitioners' pages served over real HTTP on loopback, one server per test."""

from __future__ import annotations

import socket
import threading
import time

import httpx
import pytest
import uvicorn

from workflows.operations.runtime import Runtime
from workflows.web.app import create_app


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def link_secret(monkeypatch):
    monkeypatch.setenv("WORKFLOWS_LINK_SECRET", "test-secret-not-for-production")


class _CurrentRuntime:
    """The runtime of the test being run: the app is built once, and each test's runtime stands behind it."""

    runtime: Runtime | None = None

    def __getattr__(self, name: str):
        return getattr(type(self).runtime, name)


@pytest.fixture(scope="session")
def _served():
    """One real server for the session (starting and stopping one per test cost a quarter of a second each)."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(_CurrentRuntime), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def web(_served, shipped_runtime, link_secret):
    """The app on a real port, serving this test's runtime; yields (base URL, runtime)."""
    _CurrentRuntime.runtime = shipped_runtime
    yield _served, shipped_runtime
    _CurrentRuntime.runtime = None


@pytest.fixture
def browser_client():
    with httpx.Client(timeout=10, follow_redirects=False) as client:
        yield client
