"""The flows against a real Prefect server: the sweep, the DSP artifacts, a trigger, no sensitive data."""

from __future__ import annotations

import json
import time
from datetime import date

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey, FlowRunFilter, FlowRunFilterId

from workflows.engine.commands import Complete
from workflows.operations import cases
from workflows.operations.runtime import Runtime

SECRET = "Zebedee Quillfeather"


def artifacts(key: str):
    with get_client(sync_client=True) as client:
        return client.read_artifacts(artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[key])))


def flow_run(run_id):
    with get_client(sync_client=True) as client:
        return client.read_flow_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[run_id])))[0]


def test_sweep_fires_timers_delivers_and_publishes_the_dsp_views(flow_env, set_clock, smtp):
    from flows.sweep import sweep

    set_clock("2026-12-18T10:00")
    runtime = Runtime.open()
    reference, _ = cases.start(
        runtime,
        "rapid-review",
        {"notification_date": date(2026, 12, 18), "agencies": ["staffordshire-police"], "child_name": SECRET},
    )
    cases.run(runtime, reference, Complete("request-chronologies"))
    audit, _ = cases.start(runtime, "section-11-audit", {})
    set_clock("2027-01-13T10:00")
    result = sweep()
    assert result["fired"]["escalation"] >= 2 and result["fired"]["due"] >= 1
    assert result["delivered"]["sent"] >= 3
    assert smtp.mailbox.received

    (table,) = artifacts("overdue-items")
    rows = json.loads(table.data)
    mine = [row for row in rows if row["reference"] == reference]
    assert mine and mine[0]["agency"] == "Staffordshire Police"
    assert mine[0]["status"] == "overdue" and mine[0]["escalation level"] == 2
    assert mine[0]["working days overdue"] == 4

    (timeline,) = artifacts(f"case-{reference.lower()}")
    assert "| Return agency chronology and summary | open (0/1 returned)" in timeline.data
    assert "escalation" in timeline.data

    (progress,) = artifacts(f"round-{audit.lower()}")
    assert progress.type == "progress" and float(progress.data) == 0.0

    events = workflow_events(reference, "workflows.stage.escalated")
    assert {event.payload.get("level") for event in events} == {1, 2}
    assert all(event.resource.id == f"workflows.case.{reference}" for event in events)
    assert workflow_events(reference, "workflows.stage.overdue")

    everything = json.dumps([a.data for a in artifacts("overdue-items")]) + timeline.data
    everything += json.dumps([event.model_dump(mode="json") for event in events])
    assert SECRET not in everything
    runtime.db.dispose()


def workflow_events(reference: str, name: str, wait: float = 20.0):
    """Events reach the server through Prefect's events worker: wait for them to land."""
    from prefect.events.filters import EventFilter, EventNameFilter, EventResourceFilter

    query = EventFilter(
        event=EventNameFilter(name=[name]), resource=EventResourceFilter(id=[f"workflows.case.{reference}"])
    )
    deadline = time.monotonic() + wait
    while True:
        with get_client(sync_client=True) as client:
            found = client.read_events(filter=query, limit=50).events  # the server allows at most 50
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.5)


def test_trigger_event_starts_a_joint_agency_response_named_and_tagged(flow_env, set_clock):
    from flows.cases import trigger_event

    set_clock("2026-12-18T03:10")
    state = trigger_event(
        event="child-death",
        facts={"death_notification_id": "CD-77", "death_datetime": "2026-12-18T02:00", "external_causes": "true"},
        return_state=True,
    )
    references = state.result()
    assert len(references) == 1 and references[0].startswith("JAR-")
    run = flow_run(state.state_details.flow_run_id)
    assert run.name == f"{references[0]}-trigger"
    assert "process:joint-agency-response" in run.tags
    assert artifacts(f"case-{references[0].lower()}")
    none = trigger_event(event="child-death", facts={"death_datetime": "2026-12-18T02:00", "external_causes": "false"})
    assert none == []


def test_sensitive_facts_never_become_prefect_parameters(flow_env, set_clock):
    from flows.cases import start_case, trigger_event

    set_clock("2026-12-18T10:00")
    with pytest.raises(ValueError, match="child_name is sensitive"):
        start_case(
            process="rapid-review",
            facts={"notification_date": "2026-12-18", "agencies": "cafcass", "child_name": SECRET},
        )
    with pytest.raises(ValueError, match="sensitive"):
        trigger_event(event="child-death", facts={"death_datetime": "2026-12-18T02:00", "child_name": SECRET})
    state = start_case(
        process="rapid-review", facts={"notification_date": "2026-12-18", "agencies": "cafcass"}, return_state=True
    )
    run = flow_run(state.state_details.flow_run_id)
    assert run.name == f"{state.result()}-start"
    with get_client(sync_client=True) as client:
        stored = [r.parameters for r in client.read_flow_runs()]
    assert SECRET not in json.dumps(stored, default=str)
