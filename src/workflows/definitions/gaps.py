"""What of a process definition did not parse, so the semantic checks can run on the rest and stay quiet about
what only follows from a problem already reported."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from workflows.definitions.model import Decision, Process
from workflows.yamlsource.loader import Path_
from workflows.yamlsource.salvage import salvage
from workflows.yamlsource.suggestions import close_names

# A decision's model-wide rule (two options at least) is no invariant the checks rely on: its options still count.
_ALSO_SALVAGED = frozenset({Decision})


@dataclass(frozen=True, slots=True)
class Gaps:
    broken: frozenset[Path_] = frozenset()  # where the structural problems are
    stages: frozenset[str] = frozenset()  # stage ids written in the file that did not parse at all
    facts: frozenset[str] = frozenset()
    every_stage: bool = False  # `stages` itself did not parse: any stage reference may be right
    every_fact: bool = False

    # A reference to a stage or fact that did not parse, or to one whose name did not parse but was surely meant
    # (`dsp-decision` for a stage written `Dsp-decision:`), is no unknown reference.
    def hides_stage(self, name: str) -> bool:
        return self.every_stage or name in self.stages or bool(close_names(name, self.stages))

    def hides_fact(self, name: str) -> bool:
        return self.every_fact or name in self.facts or bool(close_names(name, self.facts))

    def broken_at(self, *path: str | int) -> bool:
        """Whether something at or below `path` failed to parse."""
        return any(location[: len(path)] == path for location in self.broken)

    @property
    def graph_intact(self) -> bool:
        """Every stage and every edge between stages parsed, so whole-graph checks see the real graph."""
        if self.every_stage or self.stages:
            return False
        return not any(
            location[:1] == ("stages",) and (len(location) < 3 or location[2] in ("after", "decision"))
            for location in self.broken
        )


NO_GAPS = Gaps()


def _plain(loc: tuple) -> Path_:
    return tuple(part for part in loc if not (isinstance(part, str) and "[" in part))


def _unparsed(raw: Any, parsed: dict[str, Any]) -> frozenset[str]:
    return frozenset(str(key) for key in raw if key not in parsed) if isinstance(raw, dict) else frozenset()


def salvage_process(data: dict[str, Any], error: ValidationError) -> tuple[Process | None, Gaps]:
    """The parts of a process that parsed (unparsed fields None; unparsed stages and facts left out), and its gaps."""
    partial = salvage(Process, data, also=_ALSO_SALVAGED)
    broken = frozenset(_plain(tuple(item["loc"])) for item in error.errors(include_url=False))
    if partial is None:
        return None, Gaps(broken=broken, every_stage=True, every_fact=True)
    stages = partial.stages if isinstance(partial.stages, dict) else {}
    facts = partial.facts if isinstance(partial.facts, dict) else {}
    gaps = Gaps(
        broken=broken,
        stages=_unparsed(data.get("stages"), stages),
        facts=_unparsed(data.get("facts"), facts),
        every_stage=not isinstance(data.get("stages"), dict),
        every_fact="facts" in data and not isinstance(data.get("facts"), dict),
    )
    triggers = partial.triggers if isinstance(partial.triggers, list) else []
    return partial.model_copy(update={"stages": stages, "facts": facts, "triggers": triggers}), gaps
