"""One process definition file: its structure, what of it parsed, and every problem in it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from workflows.definitions.checks import check_process
from workflows.definitions.gaps import NO_GAPS, Gaps, salvage_process
from workflows.definitions.limits import MAX_STAGES
from workflows.definitions.model import Process
from workflows.definitions.partnership import Partnership
from workflows.yamlsource import Located, Problem, YamlSourceError, load_located, problems_from_validation_error
from workflows.yamlsource.booleans import refuse_lookalikes_at, refuse_non_booleans
from workflows.yamlsource.loader import Path_


@dataclass
class ParsedDefinition:
    path: Path
    text: str = ""
    located: Located | None = None
    process: Process | None = None  # the whole definition, when its structure is right
    partial: Process | None = None  # what of it parsed, when its structure is not
    gaps: Gaps = NO_GAPS
    problems: list[Problem] = field(default_factory=list)

    @property
    def checked(self) -> Process | None:
        """The process the checks run on: whole, or what parsed of it."""
        return self.process if self.process is not None else self.partial

    @property
    def process_id(self) -> str | None:
        checked = self.checked
        return checked.id if checked is not None and isinstance(checked.id, str) else None


def _option_fact_paths(data: dict[str, Any]) -> Iterator[Path_]:
    stages = data.get("stages")
    for stage_id, stage in stages.items() if isinstance(stages, dict) else ():
        decision = stage.get("decision") if isinstance(stage, dict) else None
        options = decision.get("options") if isinstance(decision, dict) else None
        for option_id, option in options.items() if isinstance(options, dict) else ():
            facts = option.get("facts") if isinstance(option, dict) else None
            for name in facts if isinstance(facts, dict) else ():
                yield ("stages", stage_id, "decision", "options", option_id, "facts", name)


def parse_definition(
    path: Path, config: Partnership | None, *, named: bool = True, check: bool = True
) -> ParsedDefinition:
    """Parse and check one file. `named`: it must be named after its id (a file of the library, not a draft).
    `check=False` parses only (a file read for context, whose own problems are not asked for)."""
    parsed = ParsedDefinition(path)
    try:
        parsed.text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        parsed.problems.append(Problem(str(path), 1, 1, f"cannot read file: {error}"))
        return parsed
    try:
        located = parsed.located = load_located(path, parsed.text)
    except YamlSourceError as error:
        parsed.problems.extend(error.problems)
        return parsed
    if not isinstance(located.data, dict):
        parsed.problems.append(located.problem((), "a process definition is a mapping of keys to values"))
        return parsed
    stages = located.data.get("stages")
    if isinstance(stages, dict) and len(stages) > MAX_STAGES:
        # Refused before the checks, whose work grows with the stages: a huge file costs no more than reading it.
        parsed.problems.append(
            located.problem(("stages",), f"stages: at most {MAX_STAGES} stages, not {len(stages):,}")
        )
        return parsed
    problems, data = refuse_non_booleans(located, located.data, Process)
    lookalikes, data = refuse_lookalikes_at(located, data, list(_option_fact_paths(data)))
    parsed.problems += problems + lookalikes
    try:
        parsed.process = Process.model_validate(data)
    except ValidationError as error:
        parsed.problems.extend(problems_from_validation_error(located, error, Process))
        parsed.partial, parsed.gaps = salvage_process(data, error)
    checked = parsed.checked
    if check and checked is not None:
        parsed.problems.extend(check_process(checked, located, config, parsed.gaps))
    if named and parsed.process_id is not None and parsed.process_id != path.stem:
        parsed.problems.append(
            located.problem(("id",), f"id {parsed.process_id!r} must match the file name {path.stem!r}")
        )
    return parsed
