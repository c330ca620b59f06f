"""The practitioners' pages served over real HTTP on loopback, one server per test."""

from __future__ import annotations

import socket
import threading
import time

import httpx
import pytest
import uvicorn

from workflows.web.app import create_app


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def link_secret(monkeypatch):
    monkeypatch.setenv("WORKFLOWS_LINK_SECRET", "test-secret-not-for-production")


@pytest.fixture
def web(shipped_runtime, link_secret):
    """The app on a real port; yields (base URL, runtime)."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(lambda: shipped_runtime), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}", shipped_runtime
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def browser_client():
    with httpx.Client(timeout=10, follow_redirects=False) as client:
        yield client
