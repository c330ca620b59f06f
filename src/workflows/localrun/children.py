"""The main job's child processes: each in its own process group behind a guard (localrun/guard.py) so it never
outlives the main job; one that stops by itself is started again, after a wait that doubles each time it stops
again soon (1 s up to a minute); stopped together, nothing left."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

STOP_TIMEOUT = 20.0
FIRST_WAIT = 1.0
LONGEST_WAIT = 60.0
STEADY = 120.0  # a child up this long has recovered: its next stop waits FIRST_WAIT again


@dataclass
class Child:
    name: str
    command: list[str]
    env: dict[str, str]
    log: Path
    graceful: bool  # stopped with SIGINT (as on Ctrl-C) rather than SIGTERM
    process: subprocess.Popen[bytes] = field(init=False)
    started_at: float = 0.0
    wait: float = FIRST_WAIT
    restart_at: float | None = None  # set while it is down and waiting to be started again


class Children:
    def __init__(self, var: Path) -> None:
        self.var = var
        self.running: list[Child] = []

    def start(self, name: str, command: list[str], env: dict[str, str], *, graceful: bool = False) -> Child:
        child = Child(name, command, env, self.var / f"{name}.log", graceful)
        self._launch(child)
        self.running.append(child)
        return child

    def _launch(self, child: Child) -> None:
        guarded = [sys.executable, "-m", "workflows.localrun.guard", "--", *child.command]
        with child.log.open("ab") as handle:
            # Its own session: a terminal's Ctrl-C or hang-up reaches the main job only, which stops the children
            # in order, and the whole group (with whatever a child started) can be signalled at once.
            child.process = subprocess.Popen(
                guarded, stdout=handle, stderr=subprocess.STDOUT, env=child.env, start_new_session=True
            )
        child.started_at = time.monotonic()
        child.restart_at = None

    def check_running(self) -> None:
        """While starting up: stop everything if one child has stopped by itself."""
        for child in self.running:
            if child.process.poll() is not None:
                raise SystemExit(
                    f"{child.name} stopped by itself (exit {child.process.returncode}); see {child.log}. "
                    "Stopping the rest."
                )

    def supervise(self) -> list[str]:
        """Start again each child that stopped by itself, once its wait is over; what to tell the user."""
        said: list[str] = []
        now = time.monotonic()
        for child in self.running:
            if child.restart_at is None and child.process.poll() is not None:
                if now - child.started_at >= STEADY:
                    child.wait = FIRST_WAIT
                child.restart_at = now + child.wait
                said.append(
                    f"{child.name} stopped by itself (exit {child.process.returncode}); starting it again in "
                    f"{child.wait:.0f} s (see {child.log})"
                )
                child.wait = min(child.wait * 2, LONGEST_WAIT)
            elif child.restart_at is not None and now >= child.restart_at:
                self._relaunch(child)
                said.append(f"{child.name} started again")
        return said

    def restart(self, name: str) -> None:
        """Stop a child that is there but not working (a hung server) and start it again at once."""
        for child in self.running:
            if child.name == name:
                self._relaunch(child)

    def _relaunch(self, child: Child) -> None:
        """Its whole group killed (a stopped (SIGSTOP) process too, and anything it left), then started afresh."""
        _signal_group(child.process.pid, signal.SIGKILL)
        child.process.wait()
        self._launch(child)

    def stop(self) -> None:
        """Stop in reverse order of start, each group whole; kill what does not stop in time. Idempotent."""
        for child in reversed(self.running):
            if child.process.poll() is None:
                # The guard passes it on to the command only, gracefully: it stops what it started (the runner
                # cancels its flow runs).
                child.process.send_signal(signal.SIGINT if child.graceful else signal.SIGTERM)
            try:
                child.process.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                _signal_group(child.process.pid, signal.SIGKILL)
                child.process.wait()
            # Anything of the group still there (a flow run, a server worker) goes too.
            _signal_group(child.process.pid, signal.SIGKILL)
        self.running.clear()


def _signal_group(group: int, signal_number: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(group, signal_number)
