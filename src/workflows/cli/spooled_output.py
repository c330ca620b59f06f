"""Output written while the database is read, printed once the read is over.

A report streamed straight to stdout holds its read open for as long as the reader takes: `workflows overdue | less`
would hold SQLite's lock (every transaction here begins IMMEDIATE) until the pager quits, and every other command
and the sweeper would wait on it. The spool keeps small output in memory and puts large output in a temporary file,
so memory stays flat either way.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO

import click

IN_MEMORY_CHARS = 1024 * 1024  # beyond this the spool is a temporary file
PRINT_CHARS = 64 * 1024  # printed at a time


@contextmanager
def spooled_stdout() -> Iterator[IO[str]]:
    """A text file to write to; what was written is printed to stdout on leaving the block without an error (so a
    command that fails half-way prints none of it, as when it gathered everything first)."""
    with tempfile.SpooledTemporaryFile(max_size=IN_MEMORY_CHARS, mode="w+", encoding="utf-8", newline="") as spool:
        yield spool
        spool.seek(0)
        while chunk := spool.read(PRINT_CHARS):
            click.echo(chunk, nl=False)
