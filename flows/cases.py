"""The business unit's actions as Prefect deployments with typed parameters (the UI's run form)."""

from __future__ import annotations

from typing import Literal

from prefect import flow

from flows.runtime import case_tags, label_run, open_runtime, refuse_sensitive
from workflows.dashboard.publish import emit, publish_case
from workflows.engine import commands as cmd
from workflows.engine.state import CaseState, CaseStatus
from workflows.operations import cases
from workflows.operations.happenings import CASE_CLOSED, CASE_STARTED, Happening
from workflows.operations.runtime import Runtime


def _after(runtime: Runtime, state: CaseState, action: str) -> None:
    """Name and tag the run, refresh the case's timeline, and say if the case closed."""
    process = runtime.library.processes.get(state.process_id)
    agencies = [item for stage in state.stages.values() for item in stage.tasks]
    label_run(f"{state.reference}-{action}", case_tags(process, agencies[:20]))
    publish_case(runtime, state.reference)
    if state.status is CaseStatus.CLOSED:
        emit(Happening(CASE_CLOSED, state.reference, state.process_id))


def _state(runtime: Runtime, reference: str) -> CaseState:
    from workflows.store import repository as repo

    with runtime.db.connect() as connection:
        stored = repo.load_case(connection, reference)
    assert stored is not None
    return stored.state


@flow(name="start-case", flow_run_name="start-{process}")
def start_case(process: str, facts: dict[str, str] | None = None, reference: str | None = None) -> str:
    """Start a case of PROCESS. Facts are NAME: VALUE text; sensitive facts are refused here."""
    runtime = open_runtime()
    definition = runtime.library.get(process)
    given = facts or {}
    refuse_sensitive([definition], given)
    typed = cases.parse_facts(runtime, definition, [f"{name}={value}" for name, value in given.items()])
    started, _ = cases.start(runtime, process, typed, reference=reference, actor="prefect")
    _after(runtime, _state(runtime, started), "start")
    emit(Happening(CASE_STARTED, started, process))
    return started


@flow(name="record-outcome", flow_run_name="{reference}-{outcome}")
def record_outcome(
    reference: str,
    stage: str,
    outcome: Literal["complete", "decide"] = "complete",
    option: str | None = None,
    task: str | None = None,
    by: str | None = None,
) -> str:
    """Record a stage (or one agency's task) done, or a decision (with its option)."""
    runtime = open_runtime()
    if outcome == "decide":
        if not option:
            raise ValueError("a decision needs its option")
        state = cases.decide(runtime, reference, stage, option, by=by)
    else:
        state = cases.run(runtime, reference, cmd.Complete(stage, task, by))
    _after(runtime, state, outcome)
    return state.status.value


@flow(name="pause-case", flow_run_name="{reference}-pause")
def pause_case(reference: str, reason: str, by: str | None = None) -> str:
    runtime = open_runtime()
    state = cases.run(runtime, reference, cmd.Pause(reason, by))
    _after(runtime, state, "pause")
    return state.status.value


@flow(name="resume-case", flow_run_name="{reference}-resume")
def resume_case(reference: str, by: str | None = None) -> str:
    runtime = open_runtime()
    state = cases.run(runtime, reference, cmd.Resume(by))
    _after(runtime, state, "resume")
    return state.status.value


@flow(name="extend-deadline", flow_run_name="{reference}-extend")
def extend_deadline(reference: str, stage: str, amount: str, reason: str, approved_by: str) -> str:
    """Extend a stage's deadline by AMOUNT, e.g. "5 working days"; the approver must hold the approver role."""
    runtime = open_runtime()
    state = cases.extend(runtime, reference, stage, amount, reason, approved_by)
    _after(runtime, state, "extend")
    due = state.stages[stage].due_at
    return due.isoformat() if due else ""


@flow(name="trigger-event", flow_run_name="event-{event}")
def trigger_event(event: str, facts: dict[str, str] | None = None) -> list[str]:
    """Start every process whose trigger matches EVENT and its facts; sensitive facts are refused here."""
    runtime = open_runtime()
    given = facts or {}
    listening = [p for p in runtime.library.processes.values() if any(t.event == event for t in p.triggers)]
    refuse_sensitive(listening, given)
    started = cases.trigger(runtime, event, [f"{name}={value}" for name, value in given.items()], actor="prefect")
    references = []
    for process_id, reference, new in started:
        references.append(reference)
        if new:
            emit(Happening(CASE_STARTED, reference, process_id))
            publish_case(runtime, reference)
    process = runtime.library.processes.get(started[0][0]) if started else None
    label_run(f"{started[0][1]}-trigger" if started else f"event-{event}-none", case_tags(process))
    return references
