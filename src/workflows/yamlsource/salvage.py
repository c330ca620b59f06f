"""Keep what did parse of a document that failed validation, so checks can still run on those parts."""

from __future__ import annotations

import types
import typing
from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, TypeAdapter, ValidationError

Model = TypeVar("Model", bound=BaseModel)

_adapters: dict[Any, TypeAdapter[Any]] = {}


def _validates(annotation: Any, value: Any) -> tuple[bool, Any]:
    adapter = _adapters.get(annotation)
    if adapter is None:
        adapter = _adapters[annotation] = TypeAdapter(annotation)
    try:
        return True, adapter.validate_python(value)
    except ValidationError:
        return False, None


def _descendable(model: type[BaseModel], also: frozenset[type[BaseModel]]) -> bool:
    # A model-wide validator guards an invariant (a condition has one comparison, a fact's options suit its
    # type): a model with one is kept whole or not at all, so no check ever meets half of it.
    return model in also or not model.__pydantic_decorators__.model_validators


def _model_in(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        models = [arg for arg in typing.get_args(annotation) if isinstance(arg, type) and issubclass(arg, BaseModel)]
        return models[0] if len(models) == 1 else None
    return None


def _salvage_value(annotation: Any, value: Any, also: frozenset[type[BaseModel]]) -> Any:
    ok, parsed = _validates(annotation, value)
    if ok:
        return parsed
    bare = typing.get_args(annotation)[0] if typing.get_origin(annotation) is Annotated else annotation
    model = _model_in(bare)
    if model is not None:
        return salvage(model, value, also=also) if _descendable(model, also) else None
    origin = typing.get_origin(bare)
    if origin is dict and isinstance(value, dict):
        key_type, value_type = typing.get_args(bare)
        kept = {}
        for key, item in value.items():
            key_ok, parsed_key = _validates(key_type, key)
            parsed_item = _salvage_value(value_type, item, also) if key_ok else None
            if parsed_item is not None:
                kept[parsed_key] = parsed_item
        return kept
    if origin is list and isinstance(value, list):
        (item_type,) = typing.get_args(bare)
        # Failed items stay as None so every item keeps its index, and so its position in the file.
        return [_salvage_value(item_type, item, also) for item in value]
    return None


def salvage(model: type[Model], data: Any, *, also: frozenset[type[BaseModel]] = frozenset()) -> Model | None:
    """`model` built, unvalidated, from what validates of `data`: a field that does not is None, a failed item of a
    list is None, a failed entry of a mapping is left out. None when `data` is not a mapping at all.

    Models with a model-wide validator are kept whole or dropped, unless listed in `also`.
    """
    if not isinstance(data, dict):
        return None
    values: dict[str, Any] = {}
    for name, field in model.model_fields.items():
        key = field.alias or name
        if key in data:
            annotation = Annotated[(field.annotation, *field.metadata)] if field.metadata else field.annotation
            values[name] = _salvage_value(annotation, data[key], also)
        elif field.is_required():
            values[name] = None
    return model.model_construct(**values)
