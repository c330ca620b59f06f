"""The main job's child processes: started each in its own process group, stopped together, nothing left."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
from dataclasses import dataclass
from pathlib import Path

STOP_TIMEOUT = 20.0


@dataclass
class Child:
    name: str
    process: subprocess.Popen[bytes]
    log: Path
    graceful: bool  # stopped with SIGINT (as on Ctrl-C) rather than SIGTERM


class Children:
    def __init__(self, var: Path) -> None:
        self.var = var
        self.running: list[Child] = []

    def start(self, name: str, command: list[str], env: dict[str, str], *, graceful: bool = False) -> Child:
        log = self.var / f"{name}.log"
        with log.open("ab") as handle:
            # Its own session: a terminal's Ctrl-C reaches the main job only, which stops the children in order,
            # and the whole group (with whatever a child started) can be signalled at once.
            process = subprocess.Popen(
                command, stdout=handle, stderr=subprocess.STDOUT, env=env, start_new_session=True
            )
        child = Child(name, process, log, graceful)
        self.running.append(child)
        return child

    def check_running(self) -> None:
        """Stop everything if one child has stopped by itself."""
        for child in self.running:
            if child.process.poll() is not None:
                raise SystemExit(
                    f"{child.name} stopped by itself (exit {child.process.returncode}); see {child.log}. "
                    "Stopping the rest."
                )

    def stop(self) -> None:
        """Stop in reverse order of start, each group whole; kill what does not stop in time. Idempotent."""
        for child in reversed(self.running):
            if child.process.poll() is None:
                # The leader only, gracefully: it stops what it started (the runner cancels its flow runs).
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
