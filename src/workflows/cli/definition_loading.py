"""Loading config and the process library for commands, turning problems into clean exits."""

from __future__ import annotations

from pathlib import Path

from workflows.cli.errors import report_problems
from workflows.config.loader import Config, load_config, locate_processes_dir
from workflows.definitions.library import Library, load_library
from workflows.yamlsource import YamlSourceError


def load_config_or_exit() -> Config:
    try:
        return load_config()
    except YamlSourceError as error:
        report_problems(error.problems)
        raise  # unreachable: report_problems exits


def load_library_or_exit(config: Config, paths: list[Path] | None = None) -> Library:
    try:
        return load_library(paths or [locate_processes_dir()], config)
    except YamlSourceError as error:
        report_problems(error.problems)
        raise
