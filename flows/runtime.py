"""Helpers the flows share: the runtime, naming and tagging the current flow run, refusing sensitive facts."""

from __future__ import annotations

from collections.abc import Iterable

from prefect.client.orchestration import get_client
from prefect.runtime import flow_run

from workflows.definitions.model import Process
from workflows.operations.runtime import Runtime


def open_runtime() -> Runtime:
    return Runtime.open()


def label_run(name: str, tags: Iterable[str]) -> None:
    """Name the current flow run after the case and action, and tag it by process and agency."""
    run_id = flow_run.get_id()
    if run_id is None:
        return
    with get_client(sync_client=True) as client:
        current = client.read_flow_run(run_id)
        client.update_flow_run(run_id, name=name, tags=sorted({*current.tags, *tags}))


def case_tags(process: Process | None, agencies: Iterable[str] = ()) -> list[str]:
    tags = [f"process:{process.id}"] if process else []
    return tags + [f"agency:{agency}" for agency in agencies if agency]


REDACTED = "[removed: sensitive]"


def refuse_sensitive(processes: Iterable[Process], facts: dict[str, str]) -> None:
    """Prefect keeps parameters in its own database and shows them in its UI: sensitive facts never stay there.

    By the time a flow runs, Prefect has stored its parameters; so a sensitive fact typed into the run form is
    first blanked out of the stored run, then the run is refused.
    """
    sensitive = sorted(
        {name for process in processes for name in facts if name in process.facts and process.facts[name].sensitive}
    )
    if not sensitive:
        return
    run_id = flow_run.get_id()
    if run_id is not None:
        with get_client(sync_client=True) as client:
            stored = client.read_flow_run(run_id).parameters
            scrubbed = {**stored, "facts": {k: REDACTED if k in sensitive else v for k, v in facts.items()}}
            client.update_flow_run(run_id, parameters=scrubbed)
    raise ValueError(
        f"{', '.join(sensitive)} {'is' if len(sensitive) == 1 else 'are'} sensitive and cannot be passed "
        "through Prefect: record them with the `workflows` command on the server"
    )
