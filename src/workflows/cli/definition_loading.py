"""Loading config and the process library for commands, turning problems into clean exits."""

from __future__ import annotations

from pathlib import Path

import click

from workflows.cli.errors import report_problems
from workflows.config.loader import Config, load_config
from workflows.config.locations import locate_processes_dir
from workflows.definitions.library import Library, load_sound_library
from workflows.yamlsource import YamlSourceError


def load_config_or_exit() -> Config:
    try:
        return load_config()
    except YamlSourceError as error:
        report_problems(error.problems)
        raise  # unreachable: report_problems exits


def load_library_or_exit(config: Config, paths: list[Path] | None = None) -> Library:
    """The library's sound processes; each file left out for its problems is named once, as a warning."""
    library = load_sound_library(paths or [locate_processes_dir()], config)
    for line in library.broken_files():
        click.echo(f"warning: {line}", err=True)
    return library
