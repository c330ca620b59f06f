"""The business unit's actions on a running case, as Prefect flows with typed parameters (the UI's run form).

Starting cases and triggering events are in `starts.py` and `triggers.py`: their forms are built from the library.
"""

from __future__ import annotations

from typing import Literal

from prefect import flow

from flows.flow_runs import FORGET_UNKNOWN_PARAMETERS, after_action, open_runtime, refusals_fail_the_run
from workflows.engine import commands as cmd
from workflows.operations import cases, extensions
from workflows.operations.errors import InvalidInput


@flow(name="record-outcome", flow_run_name="{reference}-{outcome}", **FORGET_UNKNOWN_PARAMETERS)
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
    with refusals_fail_the_run():
        if outcome == "decide":
            if not option:
                raise InvalidInput("a decision needs its option", field="option")
            state = cases.decide(runtime, reference, stage, option, by=by)
        else:
            state = cases.run(runtime, reference, cmd.Complete(stage, task, by))
    after_action(runtime, state, outcome)
    return state.status.value


@flow(name="pause-case", flow_run_name="{reference}-pause", **FORGET_UNKNOWN_PARAMETERS)
def pause_case(reference: str, reason: str, by: str | None = None) -> str:
    runtime = open_runtime()
    with refusals_fail_the_run():
        state = cases.run(runtime, reference, cmd.Pause(reason, by))
    after_action(runtime, state, "pause")
    return state.status.value


@flow(name="resume-case", flow_run_name="{reference}-resume", **FORGET_UNKNOWN_PARAMETERS)
def resume_case(reference: str, by: str | None = None) -> str:
    runtime = open_runtime()
    with refusals_fail_the_run():
        state = cases.run(runtime, reference, cmd.Resume(by))
    after_action(runtime, state, "resume")
    return state.status.value


@flow(name="extend-deadline", flow_run_name="{reference}-extend", **FORGET_UNKNOWN_PARAMETERS)
def extend_deadline(
    reference: str, stage: str, amount: str, reason: str, approved_by: str, task: str | None = None
) -> str:
    """Extend a stage's deadline (or only one agency's task of it) by AMOUNT, e.g. "5 working days"; the approver
    must hold the approver role."""
    runtime = open_runtime()
    with refusals_fail_the_run():
        state = cases.extend(runtime, reference, stage, amount, reason, approved_by, task)
    after_action(runtime, state, "extend")
    item = state.stages[stage].tasks[task] if task else state.stages[stage]
    return item.due_at.isoformat() if item.due_at else ""


@flow(name="approve-extension", flow_run_name="{reference}-approve-extension", **FORGET_UNKNOWN_PARAMETERS)
def approve_extension(reference: str, request: int, by: str) -> str:
    """Approve a practitioner's extension request (its number is in the approver's email and the case history);
    `by` must hold the approver role, and may not be who asked. Returns the new deadline of what was asked about."""
    runtime = open_runtime()
    with refusals_fail_the_run():
        state = extensions.approve(runtime, reference, request, by)
    after_action(runtime, state, "approve-extension")
    asked = state.extension_request(request)
    item = None
    if asked is not None:
        item = state.stages[asked.stage].tasks[asked.task] if asked.task else state.stages[asked.stage]
    return item.due_at.isoformat() if item is not None and item.due_at else ""


@flow(name="refuse-extension", flow_run_name="{reference}-refuse-extension", **FORGET_UNKNOWN_PARAMETERS)
def refuse_extension(reference: str, request: int, by: str) -> str:
    """Refuse a practitioner's extension request: the deadline stays, and the person who asked is told."""
    runtime = open_runtime()
    with refusals_fail_the_run():
        state = extensions.refuse(runtime, reference, request, by)
    after_action(runtime, state, "refuse-extension")
    return state.status.value
