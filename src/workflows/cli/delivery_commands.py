"""`workflows deliver` and `workflows outbox`."""

from __future__ import annotations

import json

import click

from workflows.cli.case_commands import runtime
from workflows.cli.dates import typed_day
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


@click.group(invoke_without_command=True)
@click.option("--json", "as_json", is_flag=True)
# OutboxStatus's values, written out: importing the engine package would slow every command's start by 0.4 s.
@click.option("--status", type=click.Choice(["pending", "sent", "failed"]), help="Only messages in this state.")
@click.option("--limit", default=200, show_default=True)
@click.pass_context
def outbox(context: click.Context, as_json: bool, status: str | None, limit: int) -> None:
    """Messages queued, sent and failed, newest first; `workflows outbox retry` sends again what was given up on."""
    if context.invoked_subcommand is not None:
        return
    from workflows.store.outbox import listing

    with runtime() as rt, rt.db.connect() as connection:
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


@outbox.command()
@click.option(
    "--failed-since",
    "since",
    metavar="DATE",
    help="Only messages given up on from this day on (YYYY-MM-DD, London). Default: every one.",
)
def retry(since: str | None) -> None:
    """Queue again, due now, the messages given up on (a relay down past the retry period, say): each goes to
    whoever it did not reach. One that asks for action on an item no longer open, or a past day's digest, stays
    failed."""
    from datetime import time

    from workflows import clock
    from workflows.calendar.london import london_wall_time, to_london
    from workflows.notify.retry import retry_failed

    day = typed_day(since, "--failed-since")
    start = london_wall_time(day, time(0)) if day else None
    wall = clock.wall_now()
    with runtime() as rt, rt.db.begin() as connection:
        retried = retry_failed(connection, start, wall, to_london(clock.now()).date().isoformat())
    click.echo(f"queued again: {retried.requeued}")
    for reason, count in sorted(retried.left.items()):
        click.echo(f"left failed: {count} ({reason})")
    if retried.requeued:
        click.echo("workflows deliver (or the main job's next delivery) sends them")
