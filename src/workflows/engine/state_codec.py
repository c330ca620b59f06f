"""A case state to and from its stored JSON.

The format: every field of the state dataclasses by name, dates and datetimes tagged (`{"$dt": iso}`,
`{"$d": iso}`) so the facts, whose types only their definition knows, come back as the same types. Encoding is
one orjson call over the dataclasses (C, no intermediate dicts); decoding converts only the fields whose
annotation says they hold a date, a datetime or an enum, found once from the dataclasses, so a new field of one
of those types is decoded without anyone listing it here. Untagged ISO strings are read too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields
from datetime import date, datetime
from typing import Any

import orjson

from workflows.engine.state import (
    CaseState,
    CaseStatus,
    ExtensionRequest,
    ItemState,
    ItemStatus,
    Pause,
    RequestStatus,
    Shift,
    StageState,
)
from workflows.engine.vocabulary import ShiftKind

_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_NON_STR_KEYS


def tag_dates(value: Any) -> Any:
    """orjson's `default`: what it hands over (dates and datetimes, by OPT_PASSTHROUGH_DATETIME) tagged."""
    if isinstance(value, datetime):
        return {"$dt": value.isoformat()}
    if isinstance(value, date):
        return {"$d": value.isoformat()}
    raise TypeError(f"a {type(value).__name__} cannot be stored in a case state")


def encode_json(value: Any) -> bytes:
    """JSON of a case state (or anything built of dataclasses, lists, dicts, enums, numbers and dates)."""
    return orjson.dumps(value, default=tag_dates, option=_OPTIONS)


def case_to_json(case: CaseState) -> dict[str, Any]:
    """The state as the JSON document it is stored as (plain dicts and lists)."""
    return orjson.loads(encode_json(case))


def _when(value: Any) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(value["$dt"] if isinstance(value, dict) else value)


def _day(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(value["$d"] if isinstance(value, dict) else value)


def _untag(value: Any) -> Any:
    """Facts: any JSON, with tagged dates anywhere in it."""
    if isinstance(value, dict):
        if "$dt" in value:
            return datetime.fromisoformat(value["$dt"])
        if "$d" in value:
            return date.fromisoformat(value["$d"])
        return {key: _untag(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_untag(item) for item in value]
    return value


_SCALARS: dict[str, Callable[[Any], Any]] = {
    "datetime": _when,
    "date": _day,
    "ItemStatus": ItemStatus,
    "ShiftKind": ShiftKind,
    "RequestStatus": RequestStatus,
    "CaseStatus": CaseStatus,
}

Converters = tuple[tuple[str, Callable[[Any], Any]], ...]


def _converters(cls: type) -> Converters:
    """The fields of `cls` that hold one date, datetime or enum, with what turns their JSON back into it."""
    found = []
    for field in fields(cls):
        annotation = str(field.type)
        base = annotation.removesuffix(" | None")
        if base in _SCALARS:
            convert = _SCALARS[base]
            if base != annotation and convert not in (_when, _day):
                convert = _optional(convert)
            found.append((field.name, convert))
    return tuple(found)


def _optional(convert: Callable[[Any], Any]) -> Callable[[Any], Any]:
    return lambda value: None if value is None else convert(value)


def _build(cls: type, data: dict[str, Any], converters: Converters, **nested: Any) -> Any:
    values = {**data, **nested}
    for name, convert in converters:
        if name in values:
            values[name] = convert(values[name])
    if values.keys() != _FIELD_NAMES[cls]:
        return cls(**values)  # written before a field existed: its default (or a clear error for a stray key)
    # Every field given: filled in directly, as __init__ would (it costs as much as the rest of decoding).
    built = object.__new__(cls)
    built.__dict__ = values
    return built


_FIELD_NAMES = {
    cls: {field.name for field in fields(cls)}
    for cls in (ItemState, StageState, Shift, Pause, ExtensionRequest, CaseState)
}
_ITEM = _converters(ItemState)
_STAGE = _converters(StageState)
_SHIFT = _converters(Shift)
_PAUSE = _converters(Pause)
_REQUEST = _converters(ExtensionRequest)
_CASE = _converters(CaseState)


def _shifts(data: dict[str, Any]) -> list[Shift]:
    return [_build(Shift, shift, _SHIFT) for shift in data.get("shifts", ())]


def _stage(data: dict[str, Any]) -> StageState:
    return _build(
        StageState,
        data,
        _STAGE,
        skipped_days=[(_day(day), reason) for day, reason in data.get("skipped_days", ())],
        shifts=_shifts(data),
        tasks={
            item: _build(ItemState, task, _ITEM, shifts=_shifts(task)) for item, task in data.get("tasks", {}).items()
        },
    )


def case_from_json(raw: dict[str, Any] | str | bytes) -> CaseState:
    """The state stored as `raw` (its JSON document, or the JSON text itself)."""
    data = orjson.loads(raw) if isinstance(raw, str | bytes) else raw
    return _build(
        CaseState,
        data,
        _CASE,
        facts=_untag(data["facts"]),
        stages={stage_id: _stage(stage) for stage_id, stage in data["stages"].items()},
        pauses=[_build(Pause, pause, _PAUSE) for pause in data.get("pauses", ())],
        # States stored before requests were part of the case have none.
        extension_requests=[_build(ExtensionRequest, r, _REQUEST) for r in data.get("extension_requests", ())],
    )
