"""`workflows deliver` and `workflows outbox`."""

from __future__ import annotations

import json

import click

from workflows.cli.case_commands import runtime
from workflows.text.terminal import shown


@click.command()
@click.option("--batch-size", default=200, show_default=True, help="Messages sent over one SMTP connection.")
def deliver(batch_size: int) -> None:
    """Send pending messages over SMTP (WORKFLOWS_SMTP_HOST, WORKFLOWS_SMTP_PORT, ...); print the outcome."""
    from workflows.notify.delivery import deliver as send_pending

    with runtime() as rt:
        report = send_pending(rt, batch_size=batch_size)
    if not report:
        click.echo("nothing to send")
    for outcome in ("sent", "failed", "deferred", "waiting for working hours"):
        if report.get(outcome):
            click.echo(f"{outcome}: {report[outcome]}")


@click.command()
@click.option("--json", "as_json", is_flag=True)
# OutboxStatus's values, written out: importing the engine package would slow every command's start by 0.4 s.
@click.option("--status", type=click.Choice(["pending", "sent", "failed"]), help="Only messages in this state.")
@click.option("--limit", default=200, show_default=True)
def outbox(as_json: bool, status: str | None, limit: int) -> None:
    """Messages queued, sent and failed, newest first."""
    from workflows.store.outbox import listing

    with runtime(read_only=True) as rt, rt.db.connect() as connection:
        rows = listing(connection, status, limit)
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    if not rows:
        click.echo("the outbox is empty")
    for row in rows:
        where = f"{row['reference'] or '-'} {row['stage'] or ''}{'[' + row['task'] + ']' if row['task'] else ''}"
        problem = f"  ({shown(row['error'])})" if row["error"] else ""
        to = shown(row["role"] or "business unit")
        click.echo(f"{row['status']:<8} {row['kind']:<20} {shown(where):<60} to {to}{problem}")
