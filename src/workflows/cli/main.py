"""Entry point. Commands import what they need inside, so `workflows due` starts in a blink."""

from __future__ import annotations

import sys

import click

from workflows.cli.calendar_commands import due
from workflows.cli.definition_commands import schema, simulate, validate


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """Deadlines and escalations for a children's safeguarding partnership."""


cli.add_command(due)
cli.add_command(validate)
cli.add_command(schema)
cli.add_command(simulate)


def main() -> None:
    try:
        cli(standalone_mode=True)
    except KeyboardInterrupt:
        sys.exit(130)
