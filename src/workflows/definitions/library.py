"""Load every process definition in a folder, checked against the config, all problems at once; or check a few
files (drafts among them) against the library they would join."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from workflows.definitions.checks import check_started_processes
from workflows.definitions.model import Process
from workflows.definitions.parsing import ParsedDefinition, parse_definition
from workflows.definitions.partnership import Partnership
from workflows.yamlsource import Problem, YamlSourceError, did_you_mean


@dataclass
class Library:
    processes: dict[str, Process] = field(default_factory=dict)
    sources: dict[str, Path] = field(default_factory=dict)
    texts: dict[str, str] = field(default_factory=dict)
    # Files left out because they have problems (see load_sound_library), by the process their name gives.
    broken: dict[str, list[Problem]] = field(default_factory=dict)

    def is_broken(self, process_id: str) -> bool:
        return process_id in self.broken

    def get(self, process_id: str) -> Process:
        try:
            return self.processes[process_id]
        except KeyError:
            if process_id in self.broken:
                raise KeyError(f"process {process_id!r} does not load: {self.broken[process_id][0]}") from None
            known = ", ".join(sorted(self.processes))
            hint = did_you_mean(process_id, self.processes)
            raise KeyError(f"unknown process {process_id!r}{hint}; known: {known}") from None

    def broken_files(self) -> list[str]:
        """One line per file left out: its first problem, with its position, and how many more it has."""
        lines = []
        for process_id, problems in sorted(self.broken.items()):
            more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
            lines.append(f"{problems[0]}{more}; process {process_id!r} is not loaded (workflows validate lists all)")
        return lines

    def add(self, parsed: ParsedDefinition) -> None:
        assert parsed.process is not None
        self.processes[parsed.process.id] = parsed.process
        self.sources[parsed.process.id] = parsed.path
        self.texts[parsed.process.id] = parsed.text


@dataclass
class LibraryCheck:
    """What checking some definition files found."""

    library: Library  # every sound process: the checked files' and the rest of the library's
    problems: list[Problem]  # sorted by file, line and column
    checked: list[str]  # the ids of the checked files' sound processes, in file order
    replacements: list[tuple[Path, Path]]  # (a checked file, the library file it stands in for in this check)


def definition_files(paths: list[Path]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted([*path.glob("*.yaml"), *path.glob("*.yml")]))
        else:
            files.append(path)
    return files


def check_definitions(
    paths: list[Path], config: Partnership | None, *, library_dir: Path | None = None
) -> LibraryCheck:
    """Every problem in the definitions under `paths`, all at once.

    With `library_dir`, they are checked as members of the library there: `starts:` may name any process of it, a
    file with the id of a library process stands in for it, and library processes starting a checked one are
    checked against it. Only files in `library_dir` must be named after their id; drafts elsewhere may be named
    anything. The library's other files are read for this, but their own problems are not reported.
    """
    files = definition_files(paths)
    chosen = {file.resolve() for file in files}
    home = library_dir.resolve() if library_dir is not None else None
    parsed = [parse_definition(file, config, named=home is None or file.resolve().parent == home) for file in files]
    others = [
        parse_definition(file, config, check=False)
        for file in (definition_files([library_dir]) if library_dir is not None and library_dir.is_dir() else [])
        if file.resolve() not in chosen
    ]
    problems = [problem for definition in parsed for problem in definition.problems]
    checked: dict[str, ParsedDefinition] = {}
    for definition in parsed:
        process_id = definition.process_id
        if process_id is None or definition.located is None:
            continue
        if process_id in checked:
            where = checked[process_id].path
            problems.append(
                definition.located.problem(("id",), f"process id {process_id!r} is also defined in {where}")
            )
            continue
        checked[process_id] = definition
    # A file that did not parse still names a process (by its file name): starting it is no unknown process.
    known = set(checked) | {definition.path.stem for definition in parsed if definition.process_id is None}
    library = Library()
    replacements: list[tuple[Path, Path]] = []
    background: list[ParsedDefinition] = []
    for definition in others:
        process_id = definition.process_id or definition.path.stem
        if process_id in checked:
            replacements.append((checked[process_id].path, definition.path))
            continue
        known.add(process_id)
        if definition.process is not None:
            library.add(definition)
            background.append(definition)
    for definition in checked.values():
        if definition.process is not None:
            library.add(definition)
    for definition in checked.values():
        process = definition.checked
        assert process is not None and definition.located is not None
        for path, message in check_started_processes(process, library.processes, known, definition.gaps):
            problems.append(definition.located.problem(path, message))
    for definition in background:
        assert definition.process is not None and definition.located is not None
        for path, message in check_started_processes(definition.process, library.processes, known, only=checked):
            problems.append(definition.located.problem(path, message))
    sound = [process_id for process_id, definition in checked.items() if definition.process is not None]
    return LibraryCheck(library, sorted(problems, key=_position), sound, replacements)


def _position(problem: Problem) -> tuple[str, int, int]:
    return problem.file, problem.line, problem.column


def load_library(paths: list[Path], config: Partnership | None) -> Library:
    """Raise YamlSourceError with every problem in every file; return the library when there are none."""
    check = check_definitions(paths, config)
    if check.problems:
        raise YamlSourceError(check.problems)
    return check.library


def load_sound_library(paths: list[Path], config: Partnership | None) -> Library:
    """Every process whose file has no problem; the others are left out, their problems in `broken`.

    For what runs (the sweeper, the pages, case commands): one broken file must not stop every other process.
    Cases of a left-out process run on the definition they started with, which the database keeps.
    """
    check = check_definitions(paths, config)
    if not check.problems:
        return check.library
    by_file: dict[str, list[Problem]] = {}
    for problem in check.problems:
        by_file.setdefault(problem.file, []).append(problem)
    library = Library(broken={Path(file).stem: problems for file, problems in by_file.items()})
    for process_id, process in check.library.processes.items():
        source = check.library.sources[process_id]
        if str(source) in by_file:
            library.broken.setdefault(process_id, by_file[str(source)])
            continue
        library.processes[process_id] = process
        library.sources[process_id] = source
        library.texts[process_id] = check.library.texts[process_id]
    return library
