"""Turn pydantic validation errors into positioned, plain-words problems."""

import typing
from typing import Any

from pydantic import BaseModel, ValidationError

from workflows.yamlsource.loader import Located, Problem

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
        hint = f" (allowed here: {', '.join(allowed)})" if allowed else ""
        return f"unknown key {loc[-1]!r}{hint}"
    if kind == "missing":
        return f"missing required key {loc[-1]!r}"
    if kind in _TYPE_WORDS:
        return f"{_field_name(loc)}: expected {_TYPE_WORDS[kind]}, got {error.get('input')!r}"
    if kind == "string_pattern_mismatch":
        return f"{_field_name(loc)}: {error.get('input')!r} is not a valid name (lower-case letters, digits, dashes)"
    if kind in ("enum", "literal_error"):
        expected = error.get("ctx", {}).get("expected", "")
        return f"{_field_name(loc)}: {error.get('input')!r} is not one of {expected}"
    message = str(error["msg"])
    for prefix in ("Value error, ", "Assertion failed, "):
        message = message.removeprefix(prefix)
    return f"{_field_name(loc)}: {message}" if loc else message


def _field_name(loc: tuple) -> str:
    names = [str(part) for part in loc if not isinstance(part, int)]
    return names[-1] if names else "document"


def problems_from_validation_error(
    located: Located, error: ValidationError, root: type[BaseModel] | None = None
) -> list[Problem]:
    problems = []
    for item in error.errors(include_url=False):
        # Pydantic appends the union member or validator name to the location for some errors.
        loc = tuple(part for part in item["loc"] if not (isinstance(part, str) and "[" in part))
        item = {**item, "loc": loc}
        on_key = item["type"] == "extra_forbidden"
        problems.append(located.problem(loc, _message(item, root), key=on_key))
    return problems
