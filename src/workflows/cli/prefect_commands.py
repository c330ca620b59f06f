"""`workflows serve` (every deployment from one process) and `workflows up` (the main job)."""

from __future__ import annotations

import os
import signal
import sys
from datetime import timedelta

import click

from workflows.cli.intervals import IntervalType


def import_flows() -> None:
    """Make the repository's `flows/` package importable here and in the flow-run processes Prefect starts."""
    from workflows.config.locations import locate_folder

    root = str(locate_folder("WORKFLOWS_FLOWS", "flows").parent)
    if root not in sys.path:
        sys.path.insert(0, root)
    paths = [path for path in os.environ.get("PYTHONPATH", "").split(os.pathsep) if path]
    if root not in paths:
        os.environ["PYTHONPATH"] = os.pathsep.join([root, *paths])


def _stopped_while_starting(*_: object) -> None:
    os.write(1, b"stopped before serving\n")
    os._exit(0)


SWEEP_EVERY = click.option(
    "--sweep-every",
    type=IntervalType(),
    default="1m",
    show_default=True,
    help="How often Prefect's scheduler runs the sweep, e.g. 1m, 30s.",
)


@click.command()
@SWEEP_EVERY
def serve(sweep_every: timedelta) -> None:
    """Serve every deployment (the sweep on an interval, and the business unit's actions) from this process."""
    # Prefect's imports take seconds: stopped before it serves, it ends at once and quietly (nothing has started;
    # a Ctrl-C inside those imports would print a traceback). serve_until_stopped hands the signals back.
    for ending in (signal.SIGINT, signal.SIGTERM):
        signal.signal(ending, _stopped_while_starting)
    import_flows()
    from flows.deployments import deployments
    from workflows.orchestration.serving import serve_until_stopped

    serve_until_stopped(deployments(sweep_every=sweep_every))


@click.command()
@click.option("--port", default=4200, show_default=True, help="Port of the Prefect server and UI.")
@click.option("--smtp-port", default=8025, show_default=True, help="Port of the local mail sink.")
@click.option("--web-port", default=8000, show_default=True, help="Port of the practitioners' task pages.")
@click.option("--no-demo", is_flag=True, help="Do not start the demonstration cases.")
@SWEEP_EVERY
def up(port: int, smtp_port: int, web_port: int, no_demo: bool, sweep_every: timedelta) -> None:
    """The main job: a Prefect server, the deployments, the task pages, a local mail sink, demonstration cases."""
    from workflows.localrun.mainjob import MainJobSettings, run_main_job

    run_main_job(
        MainJobSettings(
            prefect_port=port, smtp_port=smtp_port, web_port=web_port, demo=not no_demo, sweep_every=sweep_every
        )
    )
