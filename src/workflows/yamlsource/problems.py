"""Turn pydantic validation errors into positioned, plain-words problems."""

import re
import typing
from datetime import date
from typing import Any

from pydantic import BaseModel, ValidationError

from workflows.yamlsource.loader import Located, Problem
from workflows.yamlsource.suggestions import did_you_mean

_TYPE_WORDS = {
    "string_type": "a text value",
    "int_type": "a whole number",
    "int_parsing": "a whole number",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "dict_type": "a mapping (key: value lines)",
    "model_type": "a mapping (key: value lines)",
    "list_type": "a list",
    "date_type": "a date (YYYY-MM-DD)",
    "date_parsing": "a date (YYYY-MM-DD)",
    "date_from_datetime_parsing": "a date (YYYY-MM-DD)",
}


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [model for arg in typing.get_args(annotation) for model in _models_in(arg)]


def _model_at(root: type[BaseModel], loc: tuple) -> type[BaseModel] | None:
    """Follow a validation location through the model's fields to the model that holds it."""
    candidates: list[Any] = [root]
    for part in loc:
        if isinstance(part, int) or not candidates:
            continue
        model = candidates[0]
        if isinstance(model, type) and issubclass(model, BaseModel):
            field = next((f for name, f in model.model_fields.items() if (f.alias or name) == part), None)
            if field is not None:
                candidates = _models_in(field.annotation) or [None]
            # Otherwise `part` is a key of a dict of models: stay on the same candidates.
        else:
            return None
    model = candidates[0] if candidates else None
    return model if isinstance(model, type) and issubclass(model, BaseModel) else None


def _allowed_keys(root: type[BaseModel] | None, loc: tuple) -> list[str]:
    model = _model_at(root, loc) if root else None
    if model is None:
        return []
    return [field.alias or name for name, field in model.model_fields.items()]


def _message(error: dict, root: type[BaseModel] | None) -> str:
    kind = error["type"]
    loc = tuple(error["loc"])
    if kind == "extra_forbidden":
        allowed = _allowed_keys(root, loc[:-1])
        hint = did_you_mean(str(loc[-1]), allowed) or (f" (allowed here: {', '.join(allowed)})" if allowed else "")
        return f"unknown key {loc[-1]!r}{hint}"
    if kind == "missing":
        return f"missing required key {loc[-1]!r}"
    if kind in _TYPE_WORDS:
        return f"{_field_name(loc)}: expected {_TYPE_WORDS[kind]}, got {_shown(error.get('input'))}"
    if kind == "string_pattern_mismatch":
        return f"{_field_name(loc)}: {error.get('input')!r} is not a valid name (lower-case letters, digits, dashes)"
    if kind in ("enum", "literal_error"):
        expected = error.get("ctx", {}).get("expected", "")
        given = error.get("input")
        hint = did_you_mean(given, re.findall(r"'([^']*)'", expected)) if isinstance(given, str) else ""
        return f"{_field_name(loc)}: {given!r} is not one of {expected}{hint}"
    message = str(error["msg"])
    for prefix in ("Value error, ", "Assertion failed, "):
        message = message.removeprefix(prefix)
    return f"{_field_name(loc)}: {message}" if loc else message


def _field_name(loc: tuple) -> str:
    names = [str(part) for part in loc if not isinstance(part, int)]
    return names[-1] if names else "document"


# Pydantic tries each member of a union such as `bool | int | float | str` and reports each failure, its location
# ending in the member's name: one value, one problem.
_UNION_MEMBERS = {"bool": "true or false", "int": "a whole number", "float": "a number", "str": "a text value"}


def _union_member(item: dict) -> str | None:
    loc, kind = item["loc"], item["type"]
    failed_type = kind.endswith(("_type", "_parsing"))
    return loc[-1] if failed_type and loc and isinstance(loc[-1], str) and loc[-1] in _UNION_MEMBERS else None


def problems_from_validation_error(
    located: Located, error: ValidationError, root: type[BaseModel] | None = None
) -> list[Problem]:
    problems = []
    union_failures: dict[tuple, list[str]] = {}
    union_inputs: dict[tuple, Any] = {}
    for item in error.errors(include_url=False):
        member = _union_member(item)
        if member is not None:
            loc = tuple(item["loc"][:-1])
            union_failures.setdefault(loc, []).append(_UNION_MEMBERS[member])
            union_inputs[loc] = item.get("input")
            continue
        # Pydantic appends the union member or validator name to the location for some errors, and `[key]` for a
        # mapping's key that is wrong.
        on_key = item["type"] == "extra_forbidden" or "[key]" in item["loc"]
        loc = _path_in_data(located.data, item["loc"])
        item = {**item, "loc": loc}
        problems.append(located.problem(loc, _message(item, root), key=on_key))
    for loc, expected in union_failures.items():
        words = ", ".join(expected[:-1]) + f" or {expected[-1]}" if len(expected) > 1 else expected[0]
        problems.append(located.problem(loc, f"{_field_name(loc)}: expected {words}, got {_shown(union_inputs[loc])}"))
    return problems


def _path_in_data(data: Any, loc: tuple | list) -> tuple:
    """Pydantic's location of an error with its own annotations (`function-after[...]`, `[key]`) left out. A part
    that names a key or index of the data is the data's, whatever it looks like (a key may itself hold `[`)."""
    kept: list = []
    node = data
    for part in loc:
        in_mapping = isinstance(node, dict) and part in node
        if in_mapping or (isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)):
            node = node[part]
        elif isinstance(part, str) and "[" in part:
            continue
        else:
            node = None  # a key the data lacks (a missing one): the error is about it
        kept.append(part)
    return tuple(kept)


def _shown(value: Any) -> str:
    """A value as it was written: a date as a date, text quoted."""
    return value.isoformat() if isinstance(value, date) else repr(value)
