"""Helpers the flows share: the runtime, naming and tagging the current flow run, publishing after an action,
failing a run the core refused in one line, and forgetting parameters a run form does not offer."""

from __future__ import annotations

import inspect
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from prefect.client.orchestration import get_client
from prefect.runtime import flow_run as current_run

from workflows.config.loader import Config, load_config
from workflows.config.locations import locate_processes_dir
from workflows.dashboard.events import CASE_CLOSED, Happening
from workflows.dashboard.publish import emit, publish_case
from workflows.definitions.library import Library, load_sound_library
from workflows.definitions.model import Process
from workflows.engine.state import CaseState, CaseStatus
from workflows.operations.errors import CaseNotFound, InvalidInput, OperationError, database_problem
from workflows.operations.runtime import Runtime

if TYPE_CHECKING:
    from prefect.client.schemas.objects import FlowRun, State
    from prefect.flows import Flow


def open_runtime() -> Runtime:
    return Runtime.open()  # never creates one: `workflows init` or `workflows up` did


class ActionRefused(Exception):
    """The core refused a run's action, or its database failed: the run fails with this one line."""


def _one_line(text: str) -> str:
    return " ".join(text.split())


@contextmanager
def refusals_fail_the_run() -> Iterator[None]:
    """Fail the run with one line saying what kind of refusal it was, and no chained traceback of ours.

    A database failure says only the driver's first line: SQLAlchemy's own text would echo the statement's
    parameters, facts included, into Prefect's logs.
    """
    from sqlalchemy.exc import SQLAlchemyError

    try:
        yield
    except CaseNotFound as error:
        raise ActionRefused(_one_line(f"not found: {error}")) from None
    except InvalidInput as error:
        raise ActionRefused(_one_line(f"invalid {error.field}: {error}")) from None
    except OperationError as error:
        raise ActionRefused(_one_line(f"refused: {error}")) from None
    except SQLAlchemyError as error:
        raise ActionRefused(_one_line(f"database: {database_problem(error)}")) from None


def load_definitions() -> tuple[Config, Library]:
    """The config and process library the run forms are built from: what `open_runtime` reads, without the
    database."""
    config = load_config()
    return config, load_sound_library([locate_processes_dir()], config)


def label_run(name: str, tags: Iterable[str]) -> None:
    """Name the current flow run after the case and action, and tag it by process and agency."""
    run_id = current_run.get_id()
    if run_id is None:
        return
    with get_client(sync_client=True) as client:
        current = client.read_flow_run(run_id)
        client.update_flow_run(run_id, name=name, tags=sorted({*current.tags, *tags}))


def case_tags(process: Process | None, agencies: Iterable[str] = ()) -> list[str]:
    tags = [f"process:{process.id}"] if process else []
    return tags + [f"agency:{agency}" for agency in agencies if agency]


def after_action(runtime: Runtime, state: CaseState, action: str) -> None:
    """Name and tag the run, refresh the case's timeline, and say if the case closed."""
    process = runtime.library.processes.get(state.process_id)
    agencies = [item for stage in state.stages.values() for item in stage.tasks]
    label_run(f"{state.reference}-{action}", case_tags(process, agencies[:20]))
    publish_case(runtime, state.reference)
    if state.status is CaseStatus.CLOSED:
        emit(Happening(CASE_CLOSED, state.reference, state.process_id), runtime)


def case_state(runtime: Runtime, reference: str) -> CaseState:
    from workflows.store.cases import load_case

    with runtime.db.connect() as connection:
        stored = load_case(connection, reference)
    assert stored is not None
    return stored.state


def forget_unknown_parameters(flow: Flow[..., Any], flow_run: FlowRun, state: State) -> None:
    """A failed or crashed run keeps only the parameters its form offers.

    The server refuses anything else while the form's schema is enforced, but a run created with "Validate
    parameters" switched off is stored as sent (a child's name typed into the JSON view, say). Such a run
    fails before the flow starts, as its parameters do not fit the function; this hook then removes them.
    """
    offered = set(inspect.signature(flow.fn).parameters)
    with get_client(sync_client=True) as client:
        stored = client.read_flow_run(flow_run.id).parameters
        if set(stored) <= offered:
            return
        client.update_flow_run(flow_run.id, parameters={k: v for k, v in stored.items() if k in offered})


# Hooks for every flow: a run whose parameters do not fit (sent with validation off) fails before the flow starts.
FORGET_UNKNOWN_PARAMETERS: dict[str, Any] = {
    "on_failure": [forget_unknown_parameters],
    "on_crashed": [forget_unknown_parameters],
}
