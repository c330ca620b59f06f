"""Errors a user can act on: one line, exit status 1, never a traceback."""

from __future__ import annotations

import click


class UserError(click.ClickException):
    exit_code = 1

    def show(self, file=None) -> None:
        click.echo(f"error: {self.message}", err=True)


def report_problems(problems: list) -> None:
    """Print every positioned problem, then stop with status 1."""
    for problem in problems:
        click.echo(str(problem), err=True)
    count = len(problems)
    click.echo(f"{count} problem{'s' if count != 1 else ''} found", err=True)
    raise SystemExit(1)
