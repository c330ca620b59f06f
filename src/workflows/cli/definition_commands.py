"""`workflows validate`, `schema` and `simulate`: checking definitions before they run."""

from __future__ import annotations

import json
from pathlib import Path

import click

from workflows.cli.errors import ExitCode, UserError, report_problems


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
def validate(paths: tuple[Path, ...]) -> None:
    """Check process definitions (default: processes/) against config/; list every problem.

    A draft (a file outside processes/) is checked against the library it would join, and stands in for the
    library process with its id.
    """
    from workflows.config.loader import load_config
    from workflows.config.locations import locate_processes_dir
    from workflows.definitions.library import check_definitions
    from workflows.yamlsource import YamlSourceError

    problems = []
    config = None
    try:
        config = load_config()
    except YamlSourceError as error:
        problems.extend(error.problems)
    library_dir = locate_processes_dir()
    targets = list(paths) or [library_dir]
    for target in targets:
        if not target.exists():
            raise UserError(f"{target}: no such file or folder")
    check = check_definitions(targets, config, library_dir=library_dir)
    _note_replacements(check.replacements)
    problems.extend(check.problems)
    if problems:
        report_problems(sorted(problems, key=lambda problem: (problem.file, problem.line, problem.column)))
    count = len(check.checked)
    where = config.folder if config else ""
    click.echo(f"ok: {count} process definition{'s' if count != 1 else ''} valid against {where}")


def _shown(path: Path) -> str:
    """`path` as the user would write it: relative to the working directory when it is under it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _note_replacements(replacements: list[tuple[Path, Path]]) -> None:
    for draft, shipped in replacements:
        click.echo(f"note: {_shown(draft)} replaces {_shown(shipped)} for this check", err=True)


def _is_draft(argument: str) -> bool:
    return argument.endswith((".yaml", ".yml")) or Path(argument).is_file()


def _process_to_simulate(argument: str, config):
    """The process PROCESS names: a library process by id, or a draft file checked against the library."""
    from workflows.cli.definition_loading import load_library_or_exit
    from workflows.config.locations import locate_processes_dir
    from workflows.definitions.library import check_definitions

    if not _is_draft(argument):
        library = load_library_or_exit(config)
        try:
            return library.get(argument)
        except KeyError as error:
            raise UserError(str(error.args[0])) from None
    draft = Path(argument)
    if not draft.is_file():
        raise UserError(f"{argument}: no such file")
    check = check_definitions([draft], config, library_dir=locate_processes_dir())
    _note_replacements(check.replacements)
    # Problems the draft causes in library files are for `validate`: they do not change the draft's timeline.
    own = [problem for problem in check.problems if problem.file == str(draft)]
    if own or not check.checked:
        report_problems(own or check.problems)
    return check.library.processes[check.checked[0]]


@click.command()
def schema() -> None:
    """Print the JSON Schema of the process language (for editors)."""
    from workflows.definitions.schema import process_json_schema_text

    click.echo(process_json_schema_text())


# `--late` beyond ten years of working days is no rehearsal of a real case.
_MOST_LATE = 2600


def _pairs(values: tuple[str, ...], option: str) -> list[tuple[str, str]]:
    pairs = []
    for value in values:
        key, sep, rest = value.partition("=")
        if not sep or not key or not rest:
            raise UserError(f"{option} takes STAGE=VALUE, not {value!r}")
        pairs.append((key.strip(), rest.strip()))
    return pairs


@click.command()
@click.argument("process_id", metavar="PROCESS|DRAFT.yaml")
@click.option(
    "--start",
    "start_text",
    default="today",
    show_default=True,
    help="When the case starts: YYYY-MM-DD, an ISO datetime, 'today' or 'now'.",
)
@click.option("--fact", "facts", multiple=True, metavar="NAME=VALUE", help="A fact the case starts with.")
@click.option("--late", multiple=True, metavar="STAGE=N", help="Complete STAGE N working days after its due date.")
@click.option("--choose", multiple=True, metavar="STAGE=OPTION", help="The option a decision stage takes.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array of events sorted by time.")
def simulate(
    process_id: str,
    start_text: str,
    facts: tuple[str, ...],
    late: tuple[str, ...],
    choose: tuple[str, ...],
    as_json: bool,
) -> None:
    """Project PROCESS's timeline (a library process, or a draft file), each stage done on its due date unless
    --late says otherwise."""
    from workflows.cli.definition_loading import load_config_or_exit
    from workflows.definitions.facts import FactError, parse_fact_assignments
    from workflows.engine.schedule.simulation import simulate as project
    from workflows.engine.schedule.simulation import start_moment
    from workflows.yamlsource import did_you_mean

    config = load_config_or_exit()
    process = _process_to_simulate(process_id, config)
    process_id = process.id
    try:
        given = parse_fact_assignments(process, list(facts), config.directory.agencies)
    except FactError as error:
        raise UserError(str(error)) from None
    days_late: dict[str, int] = {}
    for stage_id, amount in _pairs(late, "--late"):
        if stage_id not in process.stages:
            raise UserError(f"--late: {process_id} has no stage {stage_id!r}{did_you_mean(stage_id, process.stages)}")
        if not amount.isdigit() or len(amount) > 4 or int(amount) > _MOST_LATE:
            raise UserError(f"--late {stage_id}=N: N is a whole number of working days, at most {_MOST_LATE}")
        days_late[stage_id] = int(amount)
    choices: dict[str, str] = {}
    for stage_id, option in _pairs(choose, "--choose"):
        stage = process.stages.get(stage_id)
        if stage is None or stage.decision is None:
            deciding = [name for name, candidate in process.stages.items() if candidate.decision]
            hint = did_you_mean(stage_id, deciding)
            raise UserError(f"--choose: {process_id} has no decision stage {stage_id!r}{hint}")
        if option not in stage.decision.options:
            known = ", ".join(stage.decision.options)
            hint = did_you_mean(option, stage.decision.options)
            raise UserError(f"--choose: stage {stage_id!r} has no option {option!r}{hint} (options: {known})")
        choices[stage_id] = option
    from workflows.calendar.bounds import CalendarRangeError
    from workflows.cli.start_option import read_start

    rules = config.timing_rules(process)
    start = read_start(start_text, now_allowed=True, exit_code=ExitCode.REFUSED)  # a problem of simulate: status 1
    try:
        projection = project(process, rules, start_moment(start, rules), given, days_late, choices)
    except CalendarRangeError as error:
        raise UserError(str(error)) from None
    if as_json:
        click.echo(json.dumps([event.as_json() for event in projection.events], indent=2))
    else:
        from workflows.cli.timeline_table import timeline_table

        click.echo(timeline_table(projection, rules, config.directory.roles))
