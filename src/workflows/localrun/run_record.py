"""var/up.json: which `workflows up` runs in this folder and the mark its children carry, so that a new one
recognises an earlier one still running (and refuses) or what an earlier one left behind (and stops it).

The main job is recognised by its process id and start time (Linux /proc), never by its id alone: ids are reused.
What it started is recognised by a mark in the environment every child and grandchild inherits
(WORKFLOWS_UP_RUN, new for each run): a leftover found that way is one of ours whatever became of its parent.
Where /proc cannot be read, nothing is recognised and the ports' check says what holds them.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import time
from dataclasses import dataclass
from pathlib import Path

RUN_MARK = "WORKFLOWS_UP_RUN"
LEFTOVER_STOP_TIMEOUT = 10.0
PROC = Path("/proc")


@dataclass(frozen=True, slots=True)
class RecordedProcess:
    pid: int
    started: str | None  # the kernel's start time of the process; None where it cannot be read

    def running(self) -> bool:
        """Still the same process: alive, and started when it was recorded (where that can be told)."""
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            pass
        return self.started is None or start_time(self.pid) == self.started


def start_time(pid: int) -> str | None:
    """The process's start time in clock ticks since boot (field 22 of /proc/PID/stat); None if unknown."""
    try:
        stat = (PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[1].split()[19]  # after the command name, which may hold spaces


def new_run_mark() -> str:
    return secrets.token_hex(8)


class RunRecord:
    def __init__(self, var: Path) -> None:
        self.path = var / "up.json"

    def read(self) -> tuple[RecordedProcess | None, str | None]:
        """The earlier main job and its children's mark; (None, None) if none, or not one this version can read."""
        try:
            data = json.loads(self.path.read_text())
            return RecordedProcess(int(data["pid"]), data["started"]), str(data["run"])
        except (OSError, ValueError, KeyError, TypeError):
            return None, None

    def write(self, pid: int, run: str) -> None:
        temporary = self.path.with_suffix(".json.new")
        temporary.write_text(json.dumps({"pid": pid, "started": start_time(pid), "run": run}))
        temporary.replace(self.path)

    def remove(self) -> None:
        self.path.unlink(missing_ok=True)


def marked_processes(run: str) -> list[int]:
    """Processes whose environment carries this run's mark (not this process)."""
    mark = f"{RUN_MARK}={run}".encode()
    found = []
    for entry in PROC.iterdir() if PROC.is_dir() else ():
        if entry.name.isdigit() and int(entry.name) != os.getpid():
            with contextlib.suppress(OSError):
                if mark in (entry / "environ").read_bytes().split(b"\0"):
                    found.append(int(entry.name))
    return found


def stop_leftovers(run: str) -> list[int]:
    """Stop every process of an earlier run still there (SIGTERM, then SIGKILL); their ids."""
    left = marked_processes(run)
    for pid in left:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + LEFTOVER_STOP_TIMEOUT
    while time.monotonic() < deadline and marked_processes(run):
        time.sleep(0.2)
    for pid in marked_processes(run):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)
    return left
