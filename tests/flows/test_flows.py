"""The flows against a real Prefect server: the sweep, the DSP artifacts, a trigger, no sensitive data."""

from __future__ import annotations

import json
import time
from datetime import date, datetime

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
    runtime = Runtime.open(create=True)
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
    (row,) = [line for line in table.data.splitlines() if line.startswith(f"| {reference} |")]
    cells = [cell.strip() for cell in row.strip("|").split("|")]
    assert cells[2:4] == ["Staffordshire Police", "4 working days"]
    assert cells[5] == "DSP (local authority)"  # the role the escalation ladder has reached
    (summary,) = artifacts("overdue-summary")
    assert "| Staffordshire Police | 1 | 0 |" in summary.data

    (timeline,) = artifacts(f"case-{reference.lower()}")
    assert "| Return agency chronology and summary | open (0/1 returned)" in timeline.data
    assert "escalation" in timeline.data

    (progress,) = artifacts(f"round-{audit.lower()}")
    assert progress.type == "progress" and float(progress.data) == 0.0

    events = workflow_events(reference, "workflows.stage.escalated")
    assert {event.payload.get("level") for event in events} == {1, 2}
    assert all(event.resource.id == f"workflows.case.{reference}" for event in events)
    assert workflow_events(reference, "workflows.stage.overdue")

    everything = table.data + summary.data + timeline.data
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
    from flows.triggers import TRIGGER_FLOWS

    child_death = TRIGGER_FLOWS["child-death"].flow
    set_clock("2026-12-18T03:10")
    state = child_death(
        death_notification_id="CD-77",
        death_datetime=datetime(2026, 12, 18, 2, 0),
        external_causes=True,
        return_state=True,
    )
    references = state.result()
    assert len(references) == 1 and references[0].startswith("JAR-")
    run = flow_run(state.state_details.flow_run_id)
    assert run.name == f"{references[0]}-trigger"
    assert "process:joint-agency-response" in run.tags
    assert artifacts(f"case-{references[0].lower()}")
    assert child_death(death_datetime=datetime(2026, 12, 18, 2, 0), external_causes=False) == []


def test_a_start_form_starts_the_case_and_names_the_run_after_it(flow_env, set_clock):
    from flows.flow_runs import case_state
    from flows.starts import START_FLOWS

    set_clock("2026-12-18T10:00")
    start = START_FLOWS["rapid-review"].flow
    state = start(notification_date=date(2026, 12, 18), agencies=["cafcass"], return_state=True)
    reference = state.result()
    assert reference.startswith("RR-")
    assert flow_run(state.state_details.flow_run_id).name == f"{reference}-start"
    runtime = Runtime.open(create=True)
    facts = case_state(runtime, reference).facts
    assert facts["notification_date"] == date(2026, 12, 18) and facts["agencies"] == ["cafcass"]
    runtime.db.dispose()


def test_sensitive_facts_never_become_prefect_parameters(prefect_server):
    """The form offers no sensitive fact and the server refuses one sent anyway, before storing the run."""
    from prefect.exceptions import PrefectHTTPStatusError
    from prefect.states import Crashed

    from flows.flow_runs import forget_unknown_parameters, load_definitions
    from flows.starts import START_FLOWS

    rapid_review = START_FLOWS["rapid-review"]
    rapid_review.to_deployment().apply()
    with get_client(sync_client=True) as client:
        deployment = client.read_deployment_by_name("start-case/rapid-review")
        form = deployment.parameter_openapi_schema
        assert form["properties"]["notification_date"]["format"] == "date"
        assert "notification_date" in form["required"]
        assert form["properties"]["agencies"]["type"] == "array"
        assert form["properties"]["agencies"]["items"]["enum"] == list(load_definitions()[0].directory.agencies)
        assert "child_name" not in form["properties"] and form["additionalProperties"] is False

        typed = {"notification_date": "2026-12-18", "agencies": ["cafcass"]}
        with pytest.raises(PrefectHTTPStatusError) as refused:
            client.create_flow_run_from_deployment(deployment.id, parameters={**typed, "child_name": SECRET})
        assert refused.value.response.status_code == 409
        assert SECRET not in json.dumps([r.parameters for r in client.read_flow_runs()], default=str)

        # "Validate parameters" switched off in the UI: the server stores what it is sent. Such a run cannot
        # start (its parameters do not fit the flow); the hook its crash runs forgets what the form does not offer.
        sent = {"parameters": {**typed, "child_name": SECRET}, "enforce_parameter_schema": False}
        created = client.request(
            "POST", "/deployments/{id}/create_flow_run", path_params={"id": deployment.id}, json=sent
        ).json()
        forget_unknown_parameters(rapid_review.flow, client.read_flow_run(created["id"]), Crashed())
        assert client.read_flow_run(created["id"]).parameters == typed
        assert SECRET not in json.dumps([r.parameters for r in client.read_flow_runs()], default=str)


def test_forms_registered_by_prefect_deploy_are_locked_afterwards(prefect_server):
    """`prefect deploy` builds the schema from the signature alone: `python -m flows.locked_forms` locks it."""
    from flows.locked_forms import lock_registered
    from flows.starts import START_FLOWS

    audit = START_FLOWS["section-11-audit"]
    audit.flow.to_deployment("section-11-audit").apply()  # as prefect deploy registers it: not locked
    with get_client(sync_client=True) as client:
        assert (
            "additionalProperties"
            not in client.read_deployment_by_name("start-case/section-11-audit").parameter_openapi_schema
        )
        assert lock_registered([audit.to_deployment()]) == ["start-case/section-11-audit"]
        form = client.read_deployment_by_name("start-case/section-11-audit").parameter_openapi_schema
    assert form["additionalProperties"] is False
    assert form["properties"]["agencies"]["title"] == "Agencies taking part in this round"
