"""What people type, read into the engine's types: anything that does not read is `InvalidInput` naming its field.

Every interface (command line, task pages, flows) reads its text through these, so the same mistake gets the same
answer everywhere.
"""

from __future__ import annotations

from workflows.calendar.durations import Duration, DurationError, parse_duration
from workflows.definitions.library import Library
from workflows.definitions.model import Process
from workflows.engine.errors import InvalidInput


def read_amount(text: str) -> Duration:
    """An extension's amount, e.g. "5 working days" or "24 hours"."""
    try:
        return parse_duration(text)
    except DurationError as error:
        raise InvalidInput(str(error), field="amount") from None


def read_process(library: Library, process_id: str) -> Process:
    try:
        return library.get(process_id)
    except KeyError as error:
        raise InvalidInput(str(error.args[0]), field="process") from None
