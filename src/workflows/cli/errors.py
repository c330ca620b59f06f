"""Errors a user can act on: one line, never a traceback, and an exit status that says which kind it was.

| status | meaning |
|---|---|
| 0 | done |
| 1 | refused: the case cannot take the command now (stage not open or already done, case paused or closed, no
  approver role, request decided already); `validate` found problems; any problem of `due`, `validate`,
  `simulate`, `schema` |
| 2 | invalid input: an argument that does not fit (unknown stage, task, option, process or fact, a bad amount,
  reason or WORKFLOWS_NOW), and click's own usage errors |
| 3 | not found: no case with that reference in the database opened |
| 4 | database unavailable: none at the location (every command but `init` and `up`), or the database failed |
"""

from __future__ import annotations

from enum import IntEnum
from typing import TYPE_CHECKING

import click

from workflows.text.terminal import shown

if TYPE_CHECKING:
    from workflows.operations.errors import OperationError


class ExitCode(IntEnum):
    OK = 0
    REFUSED = 1
    INVALID_INPUT = 2  # click's UsageError uses 2 as well: a mistake in what was typed
    NOT_FOUND = 3
    DATABASE_UNAVAILABLE = 4


class UserError(click.ClickException):
    def __init__(self, message: str, exit_code: ExitCode = ExitCode.REFUSED) -> None:
        super().__init__(message)
        self.exit_code = int(exit_code)

    def show(self, file=None) -> None:
        click.echo(f"error: {shown(self.message)}", err=True)


def refusal(error: OperationError) -> UserError:
    """The core's refusal as the command line answers it: its kind decides the exit status."""
    from workflows.operations.errors import CaseNotFound, InvalidInput

    if isinstance(error, CaseNotFound):
        return UserError(str(error), ExitCode.NOT_FOUND)
    if isinstance(error, InvalidInput):
        return UserError(str(error), ExitCode.INVALID_INPUT)
    return UserError(str(error), ExitCode.REFUSED)


def report_problems(problems: list) -> None:
    """Print every positioned problem, then stop with status 1."""
    for problem in problems:
        click.echo(shown(problem), err=True)
    count = len(problems)
    click.echo(f"{count} problem{'s' if count != 1 else ''} found", err=True)
    raise SystemExit(ExitCode.REFUSED)
