"""Only true and false are booleans: `yes`, `no`, `on`, `off` (any case) or anything else where a model wants a
boolean is refused, with its position, instead of pydantic's lenient reading of it as one."""

from __future__ import annotations

import copy
from typing import Any

from pydantic import BaseModel, ValidationError

from workflows.yamlsource.loader import Located, Path_, Problem

# What YAML 1.1 read as booleans; our loader reads them as text.
LOOKALIKES = {"yes": True, "on": True, "no": False, "off": False}


def is_lookalike(value: Any) -> bool:
    return isinstance(value, str) and value.lower() in LOOKALIKES


def lookalike_meaning(value: str) -> bool:
    return LOOKALIKES[value.lower()]


def write_true_or_false(value: Any) -> str:
    if value is None:
        return "write true or false, not an empty value"
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return f"write {value.lower()} without quotes: only true and false are booleans"
    return f"write true or false, not {value!r}"


def refuse_non_booleans(located: Located, data: Any, model: type[BaseModel]) -> tuple[list[Problem], Any]:
    """A problem for every value `model` wants a boolean for that is not true or false, and `data` with each of
    those replaced by the boolean it looks like (else false), so they are reported once, here, and the checks
    that follow see what was most likely meant."""
    try:
        model.model_validate(data, strict=True)
        return [], data
    except ValidationError as error:
        # Strict validation also refuses text for enums and the like: only the boolean positions are wanted. A
        # location ending in `bool` is the boolean member of a union (true, a number or text): not a boolean position.
        found = [
            (_plain(item["loc"]), item["input"])
            for item in error.errors(include_url=False)
            if item["type"] == "bool_type" and item["loc"][-1:] != ("bool",)
        ]
    if not found:
        return [], data
    cleaned = copy.deepcopy(data)
    problems = []
    for path, value in found:
        name = next((str(part) for part in reversed(path) if isinstance(part, str)), "value")
        problems.append(located.problem(path, f"{name}: {write_true_or_false(value)}"))
        _replace(cleaned, path, lookalike_meaning(value) if is_lookalike(value) else False)
    return problems, cleaned


def _plain(loc: tuple) -> Path_:
    # Pydantic adds union members and validator names to some locations: they are not in the document.
    return tuple(part for part in loc if not (isinstance(part, str) and "[" in part))


def _replace(data: Any, path: Path_, value: bool) -> None:
    container = data
    try:
        for part in path[:-1]:
            container = container[part]
        if isinstance(container, dict | list):
            container[path[-1]] = value  # type: ignore[index]
    except (KeyError, IndexError, TypeError):
        return


def refuse_lookalikes_at(located: Located, data: Any, paths: list[Path_]) -> tuple[list[Problem], Any]:
    """Where a value may be text or a boolean (a literal handed to another process), `yes`, `no`, `on` and `off`
    can only be meant as booleans: refuse them, and give the checks that follow the boolean meant."""
    found = [(path, value) for path in paths if is_lookalike(value := _value_at(data, path))]
    if not found:
        return [], data
    cleaned = copy.deepcopy(data)
    problems = []
    for path, value in found:
        problems.append(located.problem(path, f"{path[-1]}: {write_true_or_false(value)}"))
        _replace(cleaned, path, lookalike_meaning(value))
    return problems, cleaned


def _value_at(data: Any, path: Path_) -> Any:
    try:
        for part in path:
            data = data[part]
    except (KeyError, IndexError, TypeError):
        return None
    return data
