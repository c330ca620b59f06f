"""Declarative conditions on an event's facts: any/all of field comparisons, never code."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from workflows.definitions.fields import FactName
from workflows.definitions.limits import MAX_CONDITION_DEPTH

COMPARISONS = ("equals", "not_equals", "in", "not_in", "at_least", "at_most", "is_set")


class Condition(BaseModel):
    """Exactly one of: `all`, `any`, `not`, or `fact` with one comparison."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    all_of: list[Condition] | None = Field(default=None, alias="all")
    any_of: list[Condition] | None = Field(default=None, alias="any")
    not_: Condition | None = Field(default=None, alias="not")
    fact: FactName | None = None
    equals: Any = None
    not_equals: Any = None
    in_: list[Any] | None = Field(default=None, alias="in")
    not_in: list[Any] | None = None
    at_least: float | None = None
    at_most: float | None = None
    is_set: bool | None = None

    @model_validator(mode="after")
    def _one_form(self) -> Condition:
        forms = [name for name in ("all_of", "any_of", "not_", "fact") if getattr(self, name) is not None]
        if len(forms) != 1:
            raise ValueError("a condition needs exactly one of 'all', 'any', 'not' or 'fact'")
        used = self.comparisons()
        if self.fact is None and used:
            raise ValueError(f"{', '.join(used)} needs 'fact' beside it")
        if self.fact is not None and len(used) != 1:
            raise ValueError(f"'fact' needs exactly one comparison: {', '.join(COMPARISONS)}")
        if self.depth() > MAX_CONDITION_DEPTH:
            raise ValueError(f"conditions nest at most {MAX_CONDITION_DEPTH} levels of 'all', 'any' and 'not'")
        return self

    def depth(self) -> int:
        """Levels of `all`, `any` and `not`: a comparison alone is 0."""
        children = self.all_of or self.any_of or ([self.not_] if self.not_ else [])
        return 1 + max((child.depth() for child in children), default=-1) if children else 0

    def comparisons(self) -> list[str]:
        fields = {"in": "in_"}
        return [name for name in COMPARISONS if getattr(self, fields.get(name, name)) is not None]

    def comparison(self) -> tuple[str, Any]:
        name = self.comparisons()[0]
        return name, getattr(self, {"in": "in_"}.get(name, name))

    def facts(self) -> set[str]:
        """Every fact name this condition reads."""
        if self.fact is not None:
            return {self.fact}
        children = self.all_of or self.any_of or ([self.not_] if self.not_ else [])
        return set().union(*(child.facts() for child in children))

    def holds(self, facts: Mapping[str, Any]) -> bool:
        if self.all_of is not None:
            return all(child.holds(facts) for child in self.all_of)
        if self.any_of is not None:
            return any(child.holds(facts) for child in self.any_of)
        if self.not_ is not None:
            return not self.not_.holds(facts)
        name, expected = self.comparison()
        present = self.fact in facts and facts[self.fact] is not None
        if name == "is_set":
            return present == expected
        if not present:
            return False
        value = facts[self.fact]  # type: ignore[index]
        match name:
            case "equals":
                return value == expected
            case "not_equals":
                return value != expected
            case "in":
                return value in expected
            case "not_in":
                return value not in expected
            case "at_least":
                return isinstance(value, int | float) and value >= expected
            case _:
                return isinstance(value, int | float) and value <= expected
