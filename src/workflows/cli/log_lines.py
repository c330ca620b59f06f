"""What a short command logs, as the terminal shows it: one line per cause, never a traceback.

A sweep that meets the same fault at every timer (a broken definition, a database that went away) would
otherwise print one traceback per timer, SQL included: thousands of lines that hide the one thing to fix. Each
distinct message and cause is printed once, as it happens; at the end, how many more there were like it.
"""

from __future__ import annotations

import atexit
import logging
from collections import Counter

import click

from workflows.text.terminal import shown

CAUSE_LIMIT = 200  # characters of an exception's own text


def cause_of(error: BaseException) -> str:
    """One line naming what went wrong: a database's first line (never its SQL or parameters), else the
    exception's kind and its text, cut short."""
    from sqlalchemy.exc import SQLAlchemyError

    if isinstance(error, SQLAlchemyError):
        from workflows.operations.errors import database_problem

        return f"database: {database_problem(error)}"
    text = " ".join(str(error).split())
    return f"{type(error).__name__}: {text[:CAUSE_LIMIT]}" if text else type(error).__name__


class OneLinePerCause(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.counts: Counter[tuple[str, str]] = Counter()
        self.first: dict[tuple[str, str], str] = {}

    def emit(self, record: logging.LogRecord) -> None:
        error = record.exc_info[1] if record.exc_info else None
        cause = cause_of(error) if error is not None else ""
        key = (str(record.msg), cause)
        self.counts[key] += 1
        if self.counts[key] == 1:
            line = record.getMessage() + (f" ({cause})" if cause else "")
            self.first[key] = line
            click.echo(f"{record.levelname.lower()}: {shown(line)}", err=True)

    def summarise(self) -> None:
        for key, count in self.counts.items():
            if count > 1:
                click.echo(f"{count - 1} more like: {shown(self.first[key])}", err=True)
        self.counts.clear()


def install() -> None:
    """For the life of this command: our warnings and errors one line per cause, the tally at exit."""
    # The driver's own chatter when a connection was lost (a pipeline it could not close): the command's error
    # already says the database failed, once.
    logging.getLogger("psycopg").setLevel(logging.ERROR)
    logger = logging.getLogger("workflows")
    if any(isinstance(handler, OneLinePerCause) for handler in logger.handlers):
        return  # a second command in this process (tests invoke the CLI in-process)
    handler = OneLinePerCause()
    logger.addHandler(handler)  # with a handler here, Python's last-resort handler (a traceback each) stays out
    atexit.register(handler.summarise)
