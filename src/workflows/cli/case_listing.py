"""`workflows cases`: every case at a glance, newest first. Reads no facts."""

from __future__ import annotations

import json

import click

from workflows.cli.errors import ExitCode, UserError
from workflows.text.terminal import shown

STATES = ("open", "paused", "closed", "cancelled")
_HEADINGS = ("reference", "process", "state", "started", "closed", "open", "overdue")


@click.command("cases")
@click.option("--process", "process_id", metavar="PROCESS", help="Only cases of this process.")
@click.option("--state", type=click.Choice(STATES), help="Only cases in this state.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array of cases.")
def cases(process_id: str | None, state: str | None, as_json: bool) -> None:
    """List cases, newest first: reference, process, state, started, closed, open and overdue items."""
    from workflows import clock
    from workflows.calendar.london import to_london
    from workflows.cli.case_commands import runtime
    from workflows.operations.listing import list_cases, processes_with_cases
    from workflows.yamlsource import did_you_mean

    with runtime() as rt:
        if process_id is not None:
            known = set(rt.library.processes) | processes_with_cases(rt.db)
            if process_id not in known:
                hint = did_you_mean(process_id, known)
                message = f"unknown process {process_id!r}{hint}; known: {', '.join(sorted(known))}"
                raise UserError(message, ExitCode.INVALID_INPUT)
        found = list_cases(rt.db, clock.now(), process=process_id, state=state)
    if as_json:
        click.echo(json.dumps([summary.as_json() for summary in found], indent=2))
        return
    if not found:
        click.echo("no cases")
        return
    rows = [
        (
            shown(summary.reference),
            shown(summary.process),
            summary.state,
            to_london(summary.started_at).date().isoformat(),
            to_london(summary.closed_at).date().isoformat() if summary.closed_at else "-",
            str(summary.open_items),
            str(summary.overdue_items),
        )
        for summary in found
    ]
    widths = [max(len(row[column]) for row in [_HEADINGS, *rows]) for column in range(len(_HEADINGS))]
    for row in [_HEADINGS, *rows]:
        text = [cell.ljust(width) for cell, width in zip(row[:5], widths[:5], strict=True)]
        counts = [cell.rjust(width) for cell, width in zip(row[5:], widths[5:], strict=True)]
        click.echo("  ".join(text + counts))
