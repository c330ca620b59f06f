"""Read fact values given as text (command line, forms) into typed values, with clear errors."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime
from typing import Any

from workflows.calendar.london import to_london
from workflows.definitions.model import Fact, FactType, Process

_TRUE = {"true", "yes", "y", "1"}
_FALSE = {"false", "no", "n", "0"}


class FactError(ValueError):
    pass


def parse_fact_value(name: str, fact: Fact, text: str, agencies: Collection[str]) -> Any:
    raw = text.strip()
    try:
        match fact.type:
            case FactType.TEXT:
                return raw
            case FactType.NUMBER:
                number = float(raw)
                return int(number) if number.is_integer() else number
            case FactType.BOOLEAN:
                if raw.lower() in _TRUE | _FALSE:
                    return raw.lower() in _TRUE
                raise ValueError
            case FactType.DATE:
                return date.fromisoformat(raw)
            case FactType.DATETIME:
                return to_london(datetime.fromisoformat(raw))
            case FactType.CHOICE:
                if raw in (fact.options or []):
                    return raw
                raise FactError(f"fact {name!r} must be one of {', '.join(fact.options or [])}, not {raw!r}")
            case FactType.AGENCY:
                return _agency(name, raw, agencies)
            case FactType.AGENCY_LIST:
                return [_agency(name, item.strip(), agencies) for item in raw.split(",") if item.strip()]
    except FactError:
        raise
    except ValueError:
        pass
    raise FactError(f"fact {name!r} needs a {fact.type.value} value, not {raw!r}")


def _agency(name: str, key: str, agencies: Collection[str]) -> str:
    if key not in agencies:
        raise FactError(f"fact {name!r}: unknown agency {key!r}")
    return key


def parse_fact_assignments(process: Process, assignments: list[str], agencies: Collection[str]) -> dict[str, Any]:
    """`NAME=VALUE` strings to typed facts; unknown names and bad values raise FactError."""
    facts: dict[str, Any] = {}
    for assignment in assignments:
        name, sep, value = assignment.partition("=")
        name = name.strip()
        if not sep or not name:
            raise FactError(f"write a fact as NAME=VALUE, not {assignment!r}")
        fact = process.facts.get(name)
        if fact is None:
            known = ", ".join(process.facts) or "none"
            raise FactError(f"process {process.id!r} has no fact {name!r} (its facts: {known})")
        facts[name] = parse_fact_value(name, fact, value, agencies)
    return facts
