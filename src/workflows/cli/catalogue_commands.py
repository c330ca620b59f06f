"""`workflows catalogue`: a page per library process, written to a folder, from config/ and processes/ alone (no
database is opened, or created)."""

from __future__ import annotations

from pathlib import Path

import click

from workflows.cli.errors import ExitCode, UserError


def _invalid(message: str) -> UserError:
    return UserError(message, ExitCode.INVALID_INPUT)


def _first_problem(problems: list) -> str:
    more = f" (and {len(problems) - 1} more; workflows validate lists all)" if len(problems) > 1 else ""
    return f"{problems[0]}{more}" if problems else "the config does not load"


def _write(folder: Path, files: dict[str, str]) -> list[Path]:
    """Write every file into `folder` (made if missing), or none; a folder that cannot be written is invalid input."""
    from workflows.cli.output_files import OutputRefused, write_folder

    try:
        return write_folder(folder, {name: text.encode("utf-8") for name, text in files.items()})
    except OutputRefused as error:
        raise _invalid(f"cannot write the catalogue to {error}") from None


@click.command()
@click.option(
    "--output",
    "output_text",
    default="catalogue",
    show_default=True,
    metavar="DIR",
    help="The folder the pages are written to (made if missing; files of the same name are replaced).",
)
@click.option(
    "--start",
    "start_text",
    default=None,
    metavar="DATE",
    help="When each typical case starts: YYYY-MM-DD (09:00 that day), an ISO datetime or 'today'. Default: "
    "Monday 4 January 2027 09:00, fixed so the catalogue is the same each time it is built.",
)
def catalogue(output_text: str, start_text: str | None) -> None:
    """Write the process catalogue: for each process a Markdown page, a standalone HTML page and an SVG timeline
    of a typical case, and index.md and index.html listing them all."""
    from workflows.calendar.bounds import CalendarRangeError
    from workflows.catalogue.pages import catalogue_files, catalogue_pages
    from workflows.catalogue.typical_case import TYPICAL_START
    from workflows.cli.start_option import read_start
    from workflows.config.loader import load_config
    from workflows.config.locations import locate_processes_dir
    from workflows.definitions.library import load_sound_library
    from workflows.yamlsource import YamlSourceError

    start = TYPICAL_START
    if start_text is not None:
        start = read_start(start_text, now_allowed=False, exit_code=ExitCode.INVALID_INPUT)
    if not output_text.strip() or "\x00" in output_text:
        raise _invalid("--output needs a folder name")
    try:
        config = load_config()
    except YamlSourceError as error:
        raise _invalid(f"config does not load: {_first_problem(error.problems)}") from None
    processes_dir = locate_processes_dir()
    if not processes_dir.is_dir():
        raise _invalid(f"{processes_dir}: no such folder of process definitions")
    library = load_sound_library([processes_dir], config)
    left_out = sorted(library.broken)
    for line in library.broken_files():
        click.echo(f"warning: {line}", err=True)
    try:
        pages = catalogue_pages(config, library, start)
    except CalendarRangeError as error:
        raise _invalid(str(error)) from None
    written = _write(Path(output_text), catalogue_files(pages, left_out))
    for path in written:
        click.echo(f"wrote {path}")
    click.echo(
        f"catalogue: {len(pages)} process{'es' if len(pages) != 1 else ''}, {len(written)} files in {output_text}"
    )
    if left_out:
        # The rest is written, but a catalogue missing a process is no catalogue to publish.
        files = "1 process file" if len(left_out) == 1 else f"{len(left_out)} process files"
        raise _invalid(f"{files} left out for their problems: {', '.join(left_out)} (workflows validate lists them)")
