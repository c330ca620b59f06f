"""Load every process definition in a folder, checked against the config, all problems at once."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from workflows.config.loader import Config
from workflows.definitions.checks import check_process, check_started_processes
from workflows.definitions.model import Process
from workflows.yamlsource import (
    Located,
    Problem,
    YamlSourceError,
    load_located,
    problems_from_validation_error,
)


@dataclass
class Library:
    processes: dict[str, Process] = field(default_factory=dict)
    sources: dict[str, Path] = field(default_factory=dict)
    texts: dict[str, str] = field(default_factory=dict)

    def get(self, process_id: str) -> Process:
        try:
            return self.processes[process_id]
        except KeyError:
            known = ", ".join(sorted(self.processes))
            raise KeyError(f"unknown process {process_id!r}; known: {known}") from None


def definition_files(paths: list[Path]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted([*path.glob("*.yaml"), *path.glob("*.yml")]))
        else:
            files.append(path)
    return files


def _parse(path: Path, config: Config | None) -> tuple[Process | None, Located | None, str, list[Problem]]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        return None, None, "", [Problem(str(path), 1, 1, f"cannot read file: {error}")]
    try:
        located = load_located(path, text)
    except YamlSourceError as error:
        return None, None, text, error.problems
    if not isinstance(located.data, dict):
        return None, located, text, [located.problem((), "a process definition is a mapping of keys to values")]
    try:
        process = Process.model_validate(located.data)
    except ValidationError as error:
        return None, located, text, problems_from_validation_error(located, error, Process)
    # Without a valid config only the structure can be checked; roles and calendars wait for it.
    problems = check_process(process, located, config) if config else []
    if process.id != path.stem:
        problems.append(located.problem(("id",), f"id {process.id!r} must match the file name {path.stem!r}"))
    return process, located, text, problems


def load_library(paths: list[Path], config: Config | None, known_process_ids: set[str] | None = None) -> Library:
    """Raise YamlSourceError with every problem in every file; return the library when there are none.

    `known_process_ids` lets a check of a few files accept `starts:` of processes defined elsewhere.
    """
    library = Library()
    problems: list[Problem] = []
    located_by_id: dict[str, Located] = {}
    for path in definition_files(paths):
        process, located, text, found = _parse(path, config)
        problems.extend(found)
        if process is None or located is None:
            continue
        if process.id in library.processes:
            problems.append(
                located.problem(("id",), f"process id {process.id!r} is also defined in {library.sources[process.id]}")
            )
            continue
        library.processes[process.id] = process
        library.sources[process.id] = path
        library.texts[process.id] = text
        located_by_id[process.id] = located
    known = set(library.processes) | (known_process_ids or set())
    for process_id, process in library.processes.items():
        located = located_by_id[process_id]
        for path, message in check_started_processes(process, library.processes, known):
            problems.append(located.problem(path, message))
    if problems:
        raise YamlSourceError(sorted(problems, key=lambda p: (p.file, p.line, p.column)))
    return library
