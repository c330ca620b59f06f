"""Serve the deployments from one process, and stop cleanly on SIGINT or SIGTERM."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from typing import Any

from prefect.deployments.runner import RunnerDeployment
from prefect.runner import Runner


class GracefulRunner(Runner):
    """Prefect's runner answers SIGTERM by calling its async stop from a signal handler, which is never
    awaited (`coroutine 'Runner.astop' was never awaited`). Turn SIGTERM into SIGINT instead: asyncio.run
    then cancels the runner's task and the runner leaves its context as on Ctrl-C."""

    def handle_sigterm(self, *args: Any, **kwargs: Any) -> None:
        signal.raise_signal(signal.SIGINT)


def serve_until_stopped(deployments: list[RunnerDeployment]) -> None:
    # pause_on_shutdown=False: stopping must not leave the sweep's schedule paused for the next start.
    runner = GracefulRunner(pause_on_shutdown=False)
    for deployment in deployments:
        runner.add_deployment(deployment)
    # From here Ctrl-C is the runner's to handle (asyncio.run cancels it); SIGTERM becomes Ctrl-C (above).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    print(f"serving {len(deployments)} deployments; Ctrl-C or SIGTERM stops", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(runner.start())
    print("stopped serving", flush=True)
