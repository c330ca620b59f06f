"""Read fact values given as text (command line, forms) into typed values, with clear errors.

No message repeats the value given: a fact may be sensitive (a child's name), and a mistyped one is still its value.
Dates lie in the years calendar/bounds.py allows (1990 to 2200); numbers are finite.
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection
from datetime import date, datetime
from typing import Any, TypeVar

from workflows.calendar.bounds import YEARS, plausible
from workflows.calendar.london import to_london
from workflows.definitions.fields import KEBAB
from workflows.definitions.model import Fact, FactType, Process
from workflows.yamlsource.suggestions import did_you_mean

_LONGEST_KEY = 40
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
                if not math.isfinite(number):
                    raise ValueError
                # Whole numbers beyond 2**53 stay floats: JSON readers (and orjson) hold no larger exact integers.
                return int(number) if number.is_integer() and abs(number) < 2**53 else number
            case FactType.BOOLEAN:
                if raw.lower() in _TRUE | _FALSE:
                    return raw.lower() in _TRUE
                raise ValueError
            case FactType.DATE:
                return _plausible(name, date.fromisoformat(raw))
            case FactType.DATETIME:
                return to_london(_plausible(name, datetime.fromisoformat(raw)))
            case FactType.CHOICE:
                if raw in (fact.options or []):
                    return raw
                raise FactError(f"fact {name!r} must be one of {', '.join(fact.options or [])}")
            case FactType.AGENCY:
                return _agency(name, fact, raw, agencies)
            case FactType.AGENCY_LIST:
                return [_agency(name, fact, item.strip(), agencies) for item in raw.split(",") if item.strip()]
    except FactError:
        raise
    except ValueError:
        pass
    raise FactError(f"fact {name!r} needs a {fact.type.value} value{_EXAMPLES.get(fact.type, '')}")


_EXAMPLES = {
    FactType.NUMBER: " (a number such as 3 or 2.5)",
    FactType.BOOLEAN: " (true or false)",
    FactType.DATE: " (YYYY-MM-DD)",
    FactType.DATETIME: " (an ISO datetime such as 2026-12-18T09:30)",
}


Moment = TypeVar("Moment", date, datetime)


def _plausible(name: str, moment: Moment) -> Moment:
    if not plausible(moment):
        raise FactError(f"fact {name!r} must be a date in {YEARS}")
    return moment


def _agency(name: str, fact: Fact, key: str, agencies: Collection[str]) -> str:
    if key in agencies:
        return key
    if not fact.sensitive and re.fullmatch(KEBAB, key) and len(key) <= _LONGEST_KEY:
        # Written like a directory key, of a fact that is not sensitive: a mistyped key is safe to show.
        raise FactError(f"fact {name!r}: unknown agency {key!r}{did_you_mean(key, agencies)}")
    raise FactError(f"fact {name!r} names an agency not in the directory (config/agencies.yaml)")


def parse_fact_assignments(process: Process, assignments: list[str], agencies: Collection[str]) -> dict[str, Any]:
    """`NAME=VALUE` strings to typed facts; unknown names and bad values raise FactError."""
    facts: dict[str, Any] = {}
    for assignment in assignments:
        name, sep, value = assignment.partition("=")
        name = name.strip()
        if not sep or not name:
            raise FactError("write a fact as NAME=VALUE (the name, an equals sign, then the value)")
        fact = process.facts.get(name)
        if fact is None:
            known = ", ".join(process.facts) or "none"
            raise FactError(f"process {process.id!r} has no fact {name!r} (its facts: {known})")
        facts[name] = parse_fact_value(name, fact, value, agencies)
    return facts
