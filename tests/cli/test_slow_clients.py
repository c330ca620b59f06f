"""`workflows web` cuts off clients that send their requests too slowly, and serves everyone else meanwhile.

The real command serves on loopback. Many sockets each start a request and trickle it (a header byte every
two seconds; or full headers and then a body byte every two seconds; or nothing at all): each is closed by the
server once its deadline (web/slow_clients.py) has passed, not before, and never later than a few seconds after,
while ordinary requests made meanwhile are all answered.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from workflows.web.slow_clients import BODY_TIMEOUT, HEADERS_TIMEOUT

pytestmark = pytest.mark.slow

WORKFLOWS = str(Path(sys.executable).parent / "workflows")
REPO = Path(__file__).resolve().parents[2]
SLOW_CLIENTS_PER_KIND = 20
TRICKLE_EVERY = 2.0
GRACE = 5.0  # how long after its deadline a connection may still be open (the loop is busy, the machine shared)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def served(workflows, tmp_path):
    port = free_port()
    env = {
        **{key: value for key, value in os.environ.items() if key != "WORKFLOWS_DB_URL"},
        "WORKFLOWS_CONFIG": str(REPO / "config"),
        "WORKFLOWS_PROCESSES": str(REPO / "processes"),
        "WORKFLOWS_LINK_SECRET": "s" * 32,
    }
    process = subprocess.Popen(
        [WORKFLOWS, "web", "--port", str(port)], cwd=tmp_path, env=env, stderr=subprocess.PIPE, text=True
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                break
        time.sleep(0.2)
    yield port
    process.terminate()
    process.wait(timeout=30)


def slow_client(port: int, kind: str, closed_after: dict[int, float], index: int) -> None:
    """One client of `kind`; records how long after connecting the server closed it."""
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", port)) as connection:
        connection.settimeout(TRICKLE_EVERY)
        if kind == "body":
            connection.sendall(
                b"POST /t/x HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                b"Content-Length: 1000\r\n\r\n"
            )
        trickle = iter(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + b"a" * 200) if kind == "headers" else None
        while time.monotonic() - started < BODY_TIMEOUT + 3 * GRACE:
            try:
                if kind == "headers":
                    connection.sendall(bytes([next(trickle)]))
                elif kind == "body":
                    connection.sendall(b"a")
                if connection.recv(1024) == b"":
                    break
            except TimeoutError:
                continue  # nothing from the server yet: send the next byte
            except (ConnectionResetError, BrokenPipeError):
                break
        closed_after[index] = time.monotonic() - started


def test_slow_requests_are_cut_off_at_their_deadline_while_others_are_served(served):
    port = served
    kinds = {"silent": HEADERS_TIMEOUT, "headers": HEADERS_TIMEOUT, "body": BODY_TIMEOUT}
    closed: dict[str, dict[int, float]] = {kind: {} for kind in kinds}
    threads = [
        threading.Thread(target=slow_client, args=(port, kind, closed[kind], index), daemon=True)
        for kind in kinds
        for index in range(SLOW_CLIENTS_PER_KIND)
    ]
    for thread in threads:
        thread.start()
    answered, started = 0, time.monotonic()
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=5) as client:
        while any(thread.is_alive() for thread in threads):
            assert client.get("/").status_code < 500  # served while the slow ones wait
            answered += 1
            time.sleep(0.5)
    for thread in threads:
        thread.join()
    for kind, limit in kinds.items():
        times = sorted(closed[kind].values())
        assert len(times) == SLOW_CLIENTS_PER_KIND
        assert limit - 1 <= times[0] and times[-1] <= limit + GRACE, (kind, times)
    print(
        f"slow_clients={len(threads)}, ordinary_requests_answered={answered} in {time.monotonic() - started:.0f} s, "
        + ", ".join(
            f"{kind}_closed_after_s={min(closed[kind].values()):.1f}..{max(closed[kind].values()):.1f}"
            for kind in kinds
        )
    )
