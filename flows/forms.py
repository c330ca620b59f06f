"""A process's facts as a typed run form: one field per non-sensitive fact, and back to facts.

The form is a Python signature, because Prefect builds a deployment's run form (its parameter schema) from
the flow function's signature: dates become date pickers, choices drop-down lists, and so on.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

from workflows.calendar.london import to_london
from workflows.definitions.model import Fact, FactType, Process
from workflows.directory.model import Directory

# Names the form itself uses (or Prefect reserves): a fact so named cannot be a field.
CASE_REFERENCE = "reference"
RESERVED = frozenset({CASE_REFERENCE, "return_state", "wait_for"})
REQUIRED = inspect.Parameter.empty


@dataclass(frozen=True)
class FormField:
    name: str
    annotation: Any
    default: Any  # REQUIRED when the field must be filled in
    title: str
    description: str | None = None

    @property
    def required(self) -> bool:
        return self.default is REQUIRED

    def parameter(self) -> inspect.Parameter:
        return inspect.Parameter(
            self.name, inspect.Parameter.KEYWORD_ONLY, default=self.default, annotation=self.annotation
        )


@dataclass(frozen=True)
class Form:
    """The fields of one run form, in the order the process declares its facts."""

    fields: tuple[FormField, ...]
    problems: tuple[str, ...] = ()  # facts left out of the form, and why

    def signature(self, returns: Any) -> inspect.Signature:
        return inspect.Signature([field.parameter() for field in self.fields], return_annotation=returns)

    def field(self, name: str) -> FormField:
        return next(field for field in self.fields if field.name == name)


class FormError(ValueError):
    pass


def readable(name: str) -> str:
    """`notification_date` reads "Notification date"."""
    words = name.replace("_", " ").strip()
    return words[:1].upper() + words[1:]


def value_type(fact: Fact, agencies: Sequence[str]) -> Any:
    """The Python type whose JSON schema is the form widget: Literal is a list to pick from."""
    match fact.type:
        case FactType.TEXT:
            return str
        case FactType.NUMBER:
            return float
        case FactType.BOOLEAN:
            return bool
        case FactType.DATE:
            return date
        case FactType.DATETIME:
            return datetime
        case FactType.CHOICE:
            return Literal[tuple(fact.options or ())]
        case FactType.AGENCY:
            return Literal[tuple(agencies)]
        case FactType.AGENCY_LIST:
            return list[Literal[tuple(agencies)]]
    raise FormError(f"no form field for a {fact.type.value} fact")


def _description(fact: Fact) -> str | None:
    if fact.type is FactType.DATETIME:
        return "London time: pick the Europe/London zone (the picker may start on UTC); a time with no zone is London's"
    if fact.from_directory:
        chosen = fact.from_directory
        which = f"the {chosen.audit} audit" if chosen.audit else f"kind {chosen.kind}"
        return f"Leave as it is for every agency in {which} (the directory's list)"
    return None


def fact_field(name: str, fact: Fact, directory: Directory, *, default: Any = REQUIRED, required: bool) -> FormField:
    """A field for one fact: required ones have no default; optional ones default to None (not given)."""
    agencies = list(directory.agencies)
    kind = value_type(fact, agencies)
    if default is REQUIRED and fact.from_directory:
        default = directory.select_agencies(audit=fact.from_directory.audit, kind=fact.from_directory.kind)
    if default is REQUIRED and not required:
        kind, default = kind | None, None
    return FormField(name, kind, default, fact.title or readable(name), _description(fact))


def _offered(process: Process) -> Iterable[tuple[str, Fact]]:
    return ((name, fact) for name, fact in process.facts.items() if not fact.sensitive)


def start_form(process: Process, directory: Directory) -> Form:
    """Every non-sensitive fact (round facts of a recurring process and directory selections as defaults),
    then the optional case reference."""
    round_facts = process.recurs.facts if process.recurs else {}
    fields: list[FormField] = []
    problems: list[str] = []
    for name, fact in _offered(process):
        if name in RESERVED:
            problems.append(f"{process.id}: fact {name!r} is a name the form reserves, so it is not offered")
            continue
        default = round_facts.get(name, REQUIRED)
        fields.append(fact_field(name, fact, directory, default=default, required=fact.required))
    reference = FormField(
        CASE_REFERENCE, str | None, None, "Case reference", "Leave empty for the next reference of the process"
    )
    return Form((*fields, reference), tuple(problems))


def _needed(process: Process, name: str) -> bool:
    """Required and with nothing to fall back on (a round fact or a directory selection)."""
    fact = process.facts[name]
    round_facts = process.recurs.facts if process.recurs else {}
    return fact.required and name not in round_facts and fact.from_directory is None


def _same_type(first: Fact, second: Fact) -> bool:
    return first.type is second.type and first.options == second.options


def trigger_form(event: str, listeners: Sequence[Process], directory: Directory) -> Form:
    """The union of the listening processes' non-sensitive facts; required only when every listener needs it.

    A fact sensitive in any listener is never offered (its value would reach that listener too), nor is one
    declared with different types by two listeners.
    """
    sensitive = {name for process in listeners for name, fact in process.facts.items() if fact.sensitive}
    declared: dict[str, list[tuple[Process, Fact]]] = {}
    for process in listeners:
        for name, fact in _offered(process):
            declared.setdefault(name, []).append((process, fact))
    fields: list[FormField] = []
    problems: list[str] = []
    for name, declarations in declared.items():
        if name in sensitive:
            continue
        if name in RESERVED:
            problems.append(f"event {event}: fact {name!r} is a name the form reserves, so it is not offered")
            continue
        first_process, first = declarations[0]
        clash = next((p for p, fact in declarations[1:] if not _same_type(first, fact)), None)
        if clash is not None:
            problems.append(
                f"event {event}: fact {name!r} is a {first.type.value} in {first_process.id} but a "
                f"{clash.facts[name].type.value} (or other options) in {clash.id}; it is left out of the form"
            )
            continue
        required = all(name in process.facts and _needed(process, name) for process in listeners)
        fields.append(fact_field(name, _without_directory_default(first), directory, required=required))
    return Form(tuple(fields), tuple(problems))


def _without_directory_default(fact: Fact) -> Fact:
    """Each triggered process falls back on its own directory selection; the form offers none of its own."""
    return fact.model_copy(update={"from_directory": None}) if fact.from_directory else fact


def listeners_by_event(processes: Iterable[Process]) -> dict[str, list[Process]]:
    by_event: dict[str, list[Process]] = {}
    for process in processes:
        for event in dict.fromkeys(trigger.event for trigger in process.triggers):
            by_event.setdefault(event, []).append(process)
    return by_event


def given(value: Any) -> bool:
    """A form leaves a fact out as None, or as empty text or an empty list."""
    return value is not None and value != "" and value != []


def typed_facts(process: Process, values: Mapping[str, Any]) -> dict[str, Any]:
    """Form values to the typed facts `cases.start` takes."""
    facts: dict[str, Any] = {}
    for name, value in values.items():
        fact = process.facts.get(name)
        if fact is None:
            raise FormError(
                f"{process.id} has no fact {name!r} any more: restart `workflows serve` to refresh the run forms"
            )
        if not given(value):
            continue
        if fact.sensitive:
            raise FormError(f"{name} is sensitive and is never taken from a run form")
        facts[name] = _typed(fact, value)
    return facts


def _typed(fact: Fact, value: Any) -> Any:
    match fact.type:
        case FactType.NUMBER:
            number = float(value)
            return int(number) if number.is_integer() else number
        case FactType.DATETIME:
            return to_london(value if isinstance(value, datetime) else datetime.fromisoformat(str(value)))
        case FactType.DATE:
            return value if isinstance(value, date) else date.fromisoformat(str(value))
        case FactType.AGENCY_LIST:
            return [str(item) for item in value]
    return value


def fact_assignments(values: Mapping[str, Any]) -> list[str]:
    """Form values as the NAME=VALUE text `cases.trigger` reads (parse_fact_value), leaving out the unset."""
    return [f"{name}={_text(value)}" for name, value in values.items() if given(value)]


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return to_london(value).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return ",".join(str(item) for item in value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
