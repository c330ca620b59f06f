"""Entry point. Commands import what they need inside, so `workflows due` starts in a blink."""

from __future__ import annotations

import sys

import click

from workflows.cli import case_commands, delivery_commands, prefect_commands, web_commands
from workflows.cli.calendar_commands import due
from workflows.cli.case_listing import cases
from workflows.cli.definition_commands import schema, simulate, validate


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """Deadlines and escalations for a children's safeguarding partnership."""


cli.add_command(due)
cli.add_command(validate)
cli.add_command(schema)
cli.add_command(simulate)
for command in (
    case_commands.start,
    case_commands.complete,
    case_commands.decide,
    case_commands.pause,
    case_commands.resume,
    case_commands.extend,
    case_commands.request_extension,
    case_commands.approve_extension,
    case_commands.refuse_extension,
    case_commands.reassign,
    case_commands.cancel,
    case_commands.trigger,
    case_commands.tick,
    case_commands.status,
    case_commands.overdue,
    case_commands.history,
    case_commands.explain,
):
    cli.add_command(command)
cli.add_command(cases)
cli.add_command(delivery_commands.deliver)
cli.add_command(delivery_commands.outbox)
cli.add_command(prefect_commands.serve)
cli.add_command(prefect_commands.up)
cli.add_command(web_commands.link)
cli.add_command(web_commands.web)


def main() -> None:
    try:
        cli(standalone_mode=True)
    except KeyboardInterrupt:
        sys.exit(130)
