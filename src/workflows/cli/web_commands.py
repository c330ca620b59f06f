"""`workflows link` (for the support desk) and `workflows web` (the practitioners' pages)."""

from __future__ import annotations

import click

from workflows.cli.case_commands import runtime
from workflows.cli.errors import ExitCode, UserError


@click.command()
@click.argument("reference", metavar="REF")
@click.argument("stage")
@click.option("--for", "email", required=True, metavar="EMAIL", help="The person the link is for.")
@click.option("--task", help="The item of a fanned-out stage, e.g. an agency key.")
def link(reference: str, stage: str, email: str, task: str | None) -> None:
    """Print a signed action link for EMAIL to act on STAGE of REF."""
    from workflows import clock
    from workflows.links.tokens import SECRET_VARIABLE, link_secret, new_claims, sign
    from workflows.store.cases import load_case

    secret = link_secret()
    if secret is None:
        raise UserError(f"set {SECRET_VARIABLE} to sign links")
    from workflows.engine.parties import may_open
    from workflows.engine.state import Slot
    from workflows.operations.errors import CaseNotFound
    from workflows.operations.inputs import read_address
    from workflows.operations.people import actor_for

    with runtime() as rt, rt.db.connect() as connection:
        email = read_address(email, "for") or ""
        stored = load_case(connection, reference)
        if stored is None:
            raise CaseNotFound(reference)
        if stage not in stored.state.stages:
            raise UserError(f"{reference} has no stage {stage!r}", ExitCode.INVALID_INPUT)
        if task is not None and task not in stored.state.stages[stage].tasks:
            raise UserError(f"stage {stage!r} of {reference} has no task {task!r}", ExitCode.INVALID_INPUT)
        if task is None and stored.state.stages[stage].tasks:
            tasks = ", ".join(stored.state.stages[stage].tasks)
            message = f"stage {stage!r} of {reference} has one task per agency: say which ({tasks})"
            raise UserError(message, ExitCode.INVALID_INPUT)
        definition = rt.pinned(connection, stored.state.definition_hash)
        # The page would refuse this person (403): no link is printed for them either.
        verdict = may_open(definition, stored.state, Slot(stage, task), actor_for(rt.config, email))
        if not verdict.allowed:
            raise UserError(f"{reference}: {verdict.reason}", ExitCode.REFUSED)
        base = rt.config.partnership.web_base_url.rstrip("/")
    click.echo(f"{base}/t/{sign(new_claims(reference, stage, task, email, clock.wall_now()), secret)}")


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True)
def web(host: str, port: int) -> None:
    """Serve the pages practitioners reach from their emails."""
    import uvicorn

    from workflows.web.app import create_app
    from workflows.web.slow_clients import BoundedWaitsProtocol

    with runtime() as rt:
        app = create_app(lambda: rt)
        # Slow clients are cut off (web/slow_clients.py); idle kept-alive connections after 5 s (uvicorn's).
        uvicorn.run(app, host=host, port=port, log_level="warning", http=BoundedWaitsProtocol, timeout_keep_alive=5)
