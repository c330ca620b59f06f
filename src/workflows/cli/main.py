"""Entry point. Each command's module is imported only when it runs, and each command imports what it needs
inside, so `workflows due` starts in a blink."""

from __future__ import annotations

import sys

import click

from workflows.cli.lazy_group import LazyGroup

_CASES = "workflows.cli.case_commands"
# Command name -> where it lives ("module:attribute"); tests/cli/test_cli_contracts.py checks each name.
COMMANDS = {
    "init": "workflows.cli.database_commands:init",
    "due": "workflows.cli.calendar_commands:due",
    "validate": "workflows.cli.definition_commands:validate",
    "schema": "workflows.cli.definition_commands:schema",
    "simulate": "workflows.cli.definition_commands:simulate",
    "catalogue": "workflows.cli.catalogue_commands:catalogue",
    "start": f"{_CASES}:start",
    "complete": f"{_CASES}:complete",
    "decide": f"{_CASES}:decide",
    "pause": f"{_CASES}:pause",
    "resume": f"{_CASES}:resume",
    "extend": f"{_CASES}:extend",
    "request-extension": f"{_CASES}:request_extension",
    "approve-extension": f"{_CASES}:approve_extension",
    "refuse-extension": f"{_CASES}:refuse_extension",
    "reassign": f"{_CASES}:reassign",
    "cancel": f"{_CASES}:cancel",
    "trigger": f"{_CASES}:trigger",
    "tick": f"{_CASES}:tick",
    "status": f"{_CASES}:status",
    "overdue": f"{_CASES}:overdue",
    "history": f"{_CASES}:history",
    "explain": f"{_CASES}:explain",
    "cases": "workflows.cli.case_listing:cases",
    "report": "workflows.cli.report_commands:report",
    "deliver": "workflows.cli.delivery_commands:deliver",
    "outbox": "workflows.cli.delivery_commands:outbox",
    "serve": "workflows.cli.prefect_commands:serve",
    "up": "workflows.cli.prefect_commands:up",
    "link": "workflows.cli.web_commands:link",
    "web": "workflows.cli.web_commands:web",
}


# Commands that run until stopped: their logs go where Prefect and the main job send them, each in full.
_LONG_RUNNING = {"serve", "up", "web"}


@click.group(cls=LazyGroup, lazy_commands=COMMANDS, context_settings={"help_option_names": ["-h", "--help"]})
@click.pass_context
def cli(context: click.Context) -> None:
    """Deadlines and escalations for a children's safeguarding partnership."""
    from workflows import clock

    if context.invoked_subcommand not in _LONG_RUNNING:
        from workflows.cli import log_lines

        log_lines.install()

    try:
        clock.now()  # a rehearsal clock that cannot be read is one line, for every command, before anything runs
    except clock.ClockError as error:
        from workflows.cli.errors import ExitCode, UserError

        raise UserError(str(error), ExitCode.INVALID_INPUT) from None


def main() -> None:
    try:
        cli(standalone_mode=True)
    except KeyboardInterrupt:
        sys.exit(130)
