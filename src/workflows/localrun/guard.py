"""`python -m workflows.localrun.guard -- COMMAND...`: runs COMMAND so that it does not outlive the main job.

The main job starts each child through this guard, the leader of the child's own process group. The guard passes
on Ctrl-C and SIGTERM, and exits with the command's status. When the main job is gone, however it ended (a kill -9
included), the kernel tells the guard (Linux: PR_SET_PDEATHSIG; elsewhere it polls its parent), and the guard
stops its whole group: the command and whatever the command started (a server's workers, flow runs).
Imports stay few: the guard starts before every child.
"""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
import threading
import time
from types import FrameType

PR_SET_PDEATHSIG = 1
GROUP_STOP_TIMEOUT = 10.0


def _told_when_parent_dies() -> bool:
    """Ask the kernel for SIGHUP when the parent dies; False where it cannot (not Linux)."""
    if not sys.platform.startswith("linux"):
        return False
    libc = ctypes.CDLL(None, use_errno=True)
    return libc.prctl(PR_SET_PDEATHSIG, signal.SIGHUP, 0, 0, 0) == 0


def _stop_group(child: subprocess.Popen[bytes]) -> None:
    """Stop this guard's process group (the command and all it started), then the guard."""
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    os.killpg(os.getpgrp(), signal.SIGTERM)
    deadline = time.monotonic() + GROUP_STOP_TIMEOUT
    while child.poll() is None and time.monotonic() < deadline:
        time.sleep(0.1)
    os.killpg(os.getpgrp(), signal.SIGKILL)  # the guard included


def main(argv: list[str]) -> int:
    command = argv[1:] if argv[:1] == ["--"] else argv
    if not command:
        print("usage: python -m workflows.localrun.guard -- COMMAND...", file=sys.stderr)
        return 2
    parent = os.getppid()
    told = _told_when_parent_dies()
    if os.getppid() != parent:  # the parent died before the kernel was asked
        return 1
    child = subprocess.Popen(command)  # in this guard's group

    def forward(signal_number: int, _: FrameType | None) -> None:
        child.send_signal(signal_number)

    def orphaned(_: int = 0, __: FrameType | None = None) -> None:
        _stop_group(child)

    signal.signal(signal.SIGINT, forward)
    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGHUP, orphaned)
    if not told:

        def watch_parent() -> None:
            while os.getppid() == parent:
                time.sleep(1)
            os.kill(os.getpid(), signal.SIGHUP)

        threading.Thread(target=watch_parent, daemon=True).start()
    status = child.wait()
    return 128 - status if status < 0 else status  # as a shell reports a command ended by a signal


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
