"""A flow the core refuses fails with one line saying which kind of refusal it was. The flow functions are called
directly: a refusal comes before anything reaches Prefect, so no server is needed."""

from __future__ import annotations

from pathlib import Path

import pytest

from workflows.operations import cases, extensions
from workflows.operations.runtime import Runtime

REPO = Path(__file__).resolve().parents[2]
APPROVER = "karen.whitehurst@stoke-council.example"  # business-manager: section-11-audit's extension_approver


@pytest.fixture
def audit(tmp_path, monkeypatch, set_clock) -> str:
    """A Section 11 round with one extension request, in the database the flows open."""
    monkeypatch.setenv("WORKFLOWS_DB_URL", f"sqlite:///{tmp_path / 'workflows.db'}")
    monkeypatch.setenv("WORKFLOWS_CONFIG", str(REPO / "config"))
    monkeypatch.setenv("WORKFLOWS_PROCESSES", str(REPO / "processes"))
    set_clock("2026-12-18T10:00")
    runtime = Runtime.open(create=True)
    reference = cases.start(runtime, "section-11-audit", {})[0]
    officer = "daniel.shaw@stoke-council.example"  # business-unit-officer: the launch is theirs
    extensions.request(runtime, reference, "launch", "5 working days", "Staff absence", officer)
    runtime.db.dispose()
    return reference


def refusal_of(run) -> str:
    from flows.flow_runs import ActionRefused

    with pytest.raises(ActionRefused) as failed:
        run()
    assert failed.value.__cause__ is None and failed.value.__suppress_context__
    message = str(failed.value)
    assert "\n" not in message
    return message


def test_each_kind_of_refusal_fails_the_run_in_one_line(audit):
    from flows.cases import approve_extension, extend_deadline, pause_case, record_outcome, refuse_extension

    assert refusal_of(lambda: pause_case.fn(audit, "holiday")) == (
        f"refused: {audit}: section-11-audit cannot be paused: its definition allows no pause"
    )
    assert refusal_of(lambda: approve_extension.fn(audit, 1, "officer@example.org")).startswith(
        f"refused: {audit}: officer@example.org does not hold 'business-manager'"
    )
    assert refusal_of(lambda: refuse_extension.fn(audit, 4, APPROVER)) == (
        f"invalid request: {audit}: no extension request 4 (requests: 1)"
    )
    assert refusal_of(lambda: extend_deadline.fn(audit, "launch", "5 days", "x", APPROVER)).startswith(
        "invalid amount: ambiguous unit in '5 days'"
    )
    assert refusal_of(lambda: record_outcome.fn("S11-2026-99", "launch")) == (
        "not found: no case with reference S11-2026-99"
    )
    assert refusal_of(lambda: record_outcome.fn(audit, "launch", outcome="decide")) == (
        "invalid option: a decision needs its option"
    )
