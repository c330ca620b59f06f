"""Running a deployment from the main job and waiting for its outcome, through Prefect's API."""

from __future__ import annotations

import time
from typing import Any

from prefect.client.orchestration import get_client
from prefect.deployments import run_deployment
from prefect.exceptions import ObjectNotFound


def wait_for_deployments(names: list[str], timeout: float) -> bool:
    """True once every named deployment is registered (`workflows serve` registers them as it starts)."""
    deadline = time.monotonic() + timeout
    with get_client(sync_client=True) as client:
        missing = list(names)
        while missing and time.monotonic() < deadline:
            try:
                client.read_deployment_by_name(missing[0])
                missing.pop(0)
            except ObjectNotFound:
                time.sleep(1)
    return not missing


def run_and_wait(name: str, parameters: dict[str, Any], timeout: float) -> str:
    """Run a deployment; say how it ended (its run is named after the case: `RR-2026-001-start`)."""
    run = run_deployment(name, parameters=parameters, timeout=timeout)
    state = run.state
    if state is None or not state.is_final():
        return f"queued as flow run {run.name}: still running after {timeout:.0f} s; the Prefect UI shows it"
    with get_client(sync_client=True) as client:
        finished = client.read_flow_run(run.id)
    if state.is_completed():
        return f"done: flow run {finished.name}"
    return f"{state.name.lower()}: flow run {finished.name}: {state.message or 'see the Prefect UI'}"
