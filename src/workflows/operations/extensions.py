"""Asking for more time, and the approver's answer: engine commands built from what people give, run in one
transaction each (or in the caller's, for the task pages)."""

from __future__ import annotations

from workflows.engine import commands as cmd
from workflows.engine.state import CaseState, ExtensionRequest
from workflows.operations.cases import run
from workflows.operations.inputs import read_amount
from workflows.operations.runtime import Runtime


def request_command(stage: str, amount: str, reason: str, by: str, task: str | None = None) -> cmd.RequestExtension:
    return cmd.RequestExtension(stage, read_amount(amount), reason, by, task)


def approve_command(request: int, by: str) -> cmd.ApproveExtension:
    # Who `by` is comes from the directory when it runs (operations/people.py): the engine decides if they may.
    return cmd.ApproveExtension(request, by)


def refuse_command(request: int, by: str) -> cmd.RefuseExtension:
    return cmd.RefuseExtension(request, by)


def latest_request(state: CaseState) -> ExtensionRequest:
    """The request a RequestExtension just added."""
    return state.extension_requests[-1]


def request(
    runtime: Runtime, reference: str, stage: str, amount: str, reason: str, by: str, task: str | None = None
) -> ExtensionRequest:
    """Ask for `amount` more on `stage` (or one task of it); the approver role is told. Returns the request."""
    return latest_request(run(runtime, reference, request_command(stage, amount, reason, by, task)))


def approve(runtime: Runtime, reference: str, request_number: int, by: str) -> CaseState:
    return run(runtime, reference, approve_command(request_number, by))


def refuse(runtime: Runtime, reference: str, request_number: int, by: str) -> CaseState:
    return run(runtime, reference, refuse_command(request_number, by))
