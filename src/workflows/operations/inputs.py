"""What people type, read into the engine's types: anything that does not read is `InvalidInput` naming its field.

Every interface (command line, task pages, flows) reads its text through these, so the same mistake gets the same
answer everywhere: the operations call them (`read_command` for every command), so no interface can forget one.
Nothing that could break a message header (a line end in a reference or an address) or that a database cannot
store (NUL, which PostgreSQL refuses in text) gets past them; what is refused is never echoed back, as it may be
anything.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from typing import Any

from workflows.calendar.durations import Duration, DurationError, parse_duration
from workflows.definitions.library import Library
from workflows.definitions.model import Process
from workflows.directory.addresses import address_problem
from workflows.engine import commands as cmd
from workflows.engine.commands import Command
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


# -- text that reaches the database, the audit trail and message headers ---------------------------------------------

# A reference given by hand (`start --ref`): what a process's pattern makes (letters, digits, dashes), as the
# README says. It is part of message keys, subjects and calendar entries, so nothing else gets in.
REFERENCE_ALPHABET = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,38}[A-Za-z0-9])?")
MAX_REFERENCE_LENGTH = 40
# A reference looked up (a case an older version may have stored by another alphabet): any printable text this long.
MAX_LOOKUP_LENGTH = 200
MAX_NAME_LENGTH = 200  # a stage, task, option or event name: the definition's own keys are far shorter
# The actors that are not people: what a flow records when Prefect starts a case.
SYSTEM_ACTORS = frozenset({"prefect"})

# Free text (notes, reasons) keeps tab and newline; every other control character (C0, DEL, C1) is refused:
# PostgreSQL cannot store NUL, and the rest has no place in an audit trail or a message.
_FREE_TEXT_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# A name or a reference is one line of printable text.
_LINE_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def _character(text: str, pattern: re.Pattern[str]) -> str | None:
    found = pattern.search(text)
    return f"U+{ord(found.group()):04X}" if found else None


def read_text(text: str | None, field: str) -> str | None:
    """A note or a reason as it will be stored: line ends made `\\n` (a page's form sends `\\r\\n`), and refused
    if any other control character is left (NUL among them)."""
    if text is None:
        return None
    if not isinstance(text, str):
        raise InvalidInput(f"the {field} must be text", field=field)
    cleaned = text.replace("\r\n", "\n").replace("\r", "\n")
    character = _character(cleaned, _FREE_TEXT_CONTROLS)
    if character:
        raise InvalidInput(f"the {field} contains a control character ({character}): remove it", field=field)
    return cleaned


def read_name(text: str | None, field: str) -> str | None:
    """A stage, task, option or event name as given: one line of printable text (the engine then says whether the
    case knows it)."""
    if text is None:
        return None
    if not isinstance(text, str):
        raise InvalidInput(f"the {field} must be text", field=field)
    character = _character(text, _LINE_CONTROLS)
    if character:
        raise InvalidInput(f"the {field} contains a control character ({character})", field=field)
    if len(text) > MAX_NAME_LENGTH:
        raise InvalidInput(f"the {field} is longer than {MAX_NAME_LENGTH} characters", field=field)
    return text


def read_address(text: str | None, field: str) -> str | None:
    """A person's email address (`--by`, `--to`, `--approved-by`, a link's person): one bare address."""
    if text is None:
        return None
    problem = address_problem(text)
    if problem:
        raise InvalidInput(f"{field}: {problem}", field=field)
    return text


def read_actor(text: str | None, field: str = "by") -> str | None:
    """Who did something: a person's address, or one of the system's own names (a flow's "prefect")."""
    if text in SYSTEM_ACTORS:
        return text
    return read_address(text, field)


def read_new_reference(text: str) -> str:
    """A case reference given by hand: letters, digits and dashes, starting and ending with a letter or digit,
    at most 40 characters (what the processes' patterns make)."""
    if not isinstance(text, str) or not REFERENCE_ALPHABET.fullmatch(text):
        raise InvalidInput(
            f"a case reference is letters, digits and dashes (at most {MAX_REFERENCE_LENGTH}), e.g. RR-2026-001",
            field="reference",
        )
    return text


def read_reference(text: str) -> str:
    """A reference to look a case up by: one line of printable text, of a sensible length (a stored reference
    may predate the alphabet above, so this is not it)."""
    if not isinstance(text, str) or not text:
        raise InvalidInput("a case reference is needed", field="reference")
    character = _character(text, _LINE_CONTROLS)
    if character:
        raise InvalidInput(f"a case reference has no control characters ({character} given)", field="reference")
    if len(text) > MAX_LOOKUP_LENGTH:
        raise InvalidInput(f"a case reference is at most {MAX_LOOKUP_LENGTH} characters", field="reference")
    return text


def read_facts(facts: Mapping[str, Any], field: str = "facts") -> dict[str, Any]:
    """Facts as they will be stored: every text in them (names, values, list items) read as free text."""

    def clean(value: Any) -> Any:
        if isinstance(value, str):
            return read_text(value, field)
        if isinstance(value, Mapping):
            return {read_name(str(key), field): clean(item) for key, item in value.items()}
        if isinstance(value, list | tuple):
            return type(value)(clean(item) for item in value)
        return value

    return {read_name(str(name), field) or "": clean(value) for name, value in facts.items()}


# Which fields of the engine's commands are what kind of input (commands name them alike).
_ADDRESS_FIELDS = ("by", "to", "approved_by")
_TEXT_FIELDS = ("note", "reason")
_NAME_FIELDS = ("stage", "task", "option")


def read_command(command: Command) -> Command:
    """A command with every person, text and name in it read as above: the one check every interface's command
    passes (command line, flows, task pages) before the engine sees it. Timers carry no input."""
    if isinstance(command, cmd.FireTimer):
        return command
    changes: dict[str, Any] = {}
    present = {field.name for field in dataclasses.fields(command)}
    for name in _ADDRESS_FIELDS:
        if name in present:
            changes[name] = read_address(getattr(command, name), name)
    for name in _TEXT_FIELDS:
        if name in present:
            changes[name] = read_text(getattr(command, name), name)
    for name in _NAME_FIELDS:
        if name in present:
            changes[name] = read_name(getattr(command, name), name)
    if isinstance(command, cmd.Decide):
        changes["facts"] = read_facts(command.facts)
    return dataclasses.replace(command, **changes)
