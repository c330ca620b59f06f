"""`workflows serve` (every deployment from one process) and `workflows up` (the main job)."""

from __future__ import annotations

import os
import sys

import click

from workflows.config.loader import locate_folder


def import_flows() -> None:
    """Make the repository's `flows/` package importable here and in the flow-run processes Prefect starts."""
    root = str(locate_folder("WORKFLOWS_FLOWS", "flows").parent)
    if root not in sys.path:
        sys.path.insert(0, root)
    paths = [path for path in os.environ.get("PYTHONPATH", "").split(os.pathsep) if path]
    if root not in paths:
        os.environ["PYTHONPATH"] = os.pathsep.join([root, *paths])


@click.command()
def serve() -> None:
    """Serve every deployment (sweep every minute, and the business unit's actions) from this process."""
    import_flows()
    from prefect import serve as prefect_serve

    from flows.deployments import deployments

    # pause_on_shutdown=False: stopping the server must not leave the sweep paused for the next start.
    prefect_serve(*deployments(), pause_on_shutdown=False)


@click.command()
@click.option("--port", default=4200, show_default=True, help="Port of the Prefect server and UI.")
@click.option("--smtp-port", default=8025, show_default=True, help="Port of the local mail sink.")
@click.option("--web-port", default=8000, show_default=True, help="Port of the practitioners' task pages.")
@click.option("--no-demo", is_flag=True, help="Do not start the demonstration cases.")
def up(port: int, smtp_port: int, web_port: int, no_demo: bool) -> None:
    """The main job: a Prefect server, the deployments, the task pages, a local mail sink, demonstration cases."""
    from workflows.mainjob import run_main_job

    run_main_job(prefect_port=port, smtp_port=smtp_port, demo=not no_demo, web_port=web_port)
