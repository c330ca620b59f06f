"""Names for the processes that claim shared work (the SQLite sweeper's lease, a deliverer's messages): host and
process id, so that work claimed by a process killed on this machine is taken over at once, not when its claim
runs out."""

from __future__ import annotations

import os
import socket
import uuid


def this_process() -> str:
    """`host:pid:nonce`: this process, recognisable later (the nonce tells apart two runs that reused a pid)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:12]}"


def gone(name: str) -> bool:
    """A process on this machine that no longer runs (killed, crashed). One on another machine, this process, or a
    name of another form is not known to be gone: its claim is left to run out."""
    host, _, rest = name.partition(":")
    pid = rest.partition(":")[0]
    if host != socket.gethostname() or not pid.isdigit() or int(pid) == os.getpid():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except OSError:  # it exists, under another user
        return False
    return False
