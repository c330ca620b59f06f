"""var/up.json: which `workflows up` runs in this folder and the process groups of its children, so that a new one
recognises an earlier one still running (and refuses) or what an earlier one left behind (and stops it).

A process is recognised by its id and its start time (Linux /proc), never by its id alone: ids are reused.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import time
from dataclasses import dataclass
from pathlib import Path

LEFTOVER_STOP_TIMEOUT = 10.0


@dataclass(frozen=True, slots=True)
class RecordedProcess:
    name: str
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
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[1].split()[19]  # after the command name, which may hold spaces


def recorded(pid: int, name: str) -> RecordedProcess:
    return RecordedProcess(name, pid, start_time(pid))


class RunRecord:
    def __init__(self, var: Path) -> None:
        self.path = var / "up.json"

    def read(self) -> tuple[RecordedProcess | None, list[RecordedProcess]]:
        try:
            data = json.loads(self.path.read_text())
            main = RecordedProcess(**data["up"])
            children = [RecordedProcess(**child) for child in data["children"]]
        except (OSError, ValueError, KeyError, TypeError):
            return None, []  # none, or not one this version can read: nothing to recognise
        return main, children

    def write(self, main: RecordedProcess, children: list[RecordedProcess]) -> None:
        data = {"up": vars_of(main), "children": [vars_of(child) for child in children]}
        temporary = self.path.with_suffix(".json.new")
        temporary.write_text(json.dumps(data, indent=1))
        temporary.replace(self.path)

    def remove(self) -> None:
        self.path.unlink(missing_ok=True)


def vars_of(process: RecordedProcess) -> dict[str, object]:
    return {"name": process.name, "pid": process.pid, "started": process.started}


def stop_leftovers(children: list[RecordedProcess]) -> list[RecordedProcess]:
    """Stop each recorded child group still running (SIGTERM, then SIGKILL); say which were."""
    left = [child for child in children if child.running()]
    for child in left:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(child.pid, signal.SIGTERM)
    deadline = time.monotonic() + LEFTOVER_STOP_TIMEOUT
    while time.monotonic() < deadline and any(child.running() for child in left):
        time.sleep(0.2)
    for child in left:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(child.pid, signal.SIGKILL)
    return left
