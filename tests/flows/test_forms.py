"""The run forms built from the library, without a Prefect server: fields, types, defaults, the lock."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import cache
from typing import Any

import pytest
from prefect.deployments.runner import RunnerDeployment
from prefect.utilities.callables import parameter_schema

from flows.flow_runs import load_definitions
from flows.forms import (
    CASE_REFERENCE,
    fact_assignments,
    listeners_by_event,
    start_form,
    trigger_form,
    typed_facts,
)
from flows.starts import START_FLOWS
from flows.triggers import TRIGGER_FLOWS
from workflows.calendar.london import LONDON
from workflows.definitions.facts import parse_fact_value
from workflows.definitions.model import Fact, FactType, Process

CONFIG, LIBRARY = load_definitions()
DIRECTORY = CONFIG.directory
AGENCIES = list(DIRECTORY.agencies)
PROCESSES = sorted(LIBRARY.processes)
SCALARS = {
    FactType.TEXT: {"type": "string"},
    FactType.NUMBER: {"type": "number"},
    FactType.BOOLEAN: {"type": "boolean"},
    FactType.DATE: {"type": "string", "format": "date"},
    FactType.DATETIME: {"type": "string", "format": "date-time"},
}


def widget(prop: dict[str, Any]) -> dict[str, Any]:
    """The property's own type: an optional one is Prefect's anyOf [type, null]."""
    branches = [branch for branch in prop.get("anyOf", [prop]) if branch != {"type": "null"}]
    assert len(branches) == 1, prop
    return {key: value for key, value in branches[0].items() if key in ("type", "format", "enum", "items")}


def expected_widget(fact: Fact) -> dict[str, Any]:
    if fact.type in SCALARS:
        return SCALARS[fact.type]
    if fact.type is FactType.CHOICE:
        return {"type": "string", "enum": fact.options}
    if fact.type is FactType.AGENCY:
        return {"type": "string", "enum": AGENCIES}
    return {"type": "array", "items": {"type": "string", "enum": AGENCIES}}


def has_default(process: Process, name: str) -> bool:
    rounds = process.recurs.facts if process.recurs else {}
    return name in rounds or process.facts[name].from_directory is not None


@pytest.mark.parametrize("process_id", PROCESSES)
def test_a_start_form_asks_for_exactly_the_non_sensitive_facts_typed(process_id):
    process = LIBRARY.processes[process_id]
    schema = parameter_schema(START_FLOWS[process_id].flow).model_dump()
    offered = [name for name, fact in process.facts.items() if not fact.sensitive]
    assert list(schema["properties"]) == [*offered, CASE_REFERENCE]
    needed = [name for name in offered if process.facts[name].required and not has_default(process, name)]
    assert schema["required"] == needed
    for name in offered:
        assert widget(schema["properties"][name]) == expected_widget(process.facts[name]), name
        if name not in needed and not has_default(process, name):
            assert schema["properties"][name]["default"] is None
    assert widget(schema["properties"][CASE_REFERENCE]) == {"type": "string"}


def test_rapid_review_form_and_its_lock():
    (deployment,) = [d for d in _deployments() if d.full_name == "start-case/rapid-review"]
    schema = deployment._parameter_openapi_schema.model_dump(exclude_unset=True)
    assert schema["additionalProperties"] is False and deployment.enforce_parameter_schema
    assert schema["type"] == "object" and "child_name" not in schema["properties"]
    date_field = schema["properties"]["notification_date"]
    assert date_field["format"] == "date" and "notification_date" in schema["required"]
    assert date_field["title"] == "Date the serious incident was notified to the national Panel"
    assert schema["properties"]["agencies"]["items"]["enum"] == AGENCIES
    # An optional field is its own widget (a date picker), not Prefect's "date | None" switch.
    assert schema["properties"]["awareness_date"] == {
        "format": "date",
        "type": "string",
        "position": 3,
        "title": "Date the local authority became aware of the incident",
    }
    assert "child_name" in deployment.description  # named, so DSPs know where it goes instead


def test_section_11_needs_nothing_and_offers_the_directory_and_round_defaults():
    schema = parameter_schema(START_FLOWS["section-11-audit"].flow).model_dump()
    assert schema["required"] == []
    assert schema["properties"]["agencies"]["default"] == DIRECTORY.select_agencies(audit="section-11")
    assert schema["properties"]["grading_scheme"]["default"] == "met-recommendations-not-met"
    assert schema["properties"]["peer_review_in_off_year"] == {
        "default": False,
        "position": 2,
        "title": "peer_review_in_off_year",
        "type": "boolean",
    }


def test_every_process_and_event_has_a_deployment_and_every_form_is_locked():
    from flows.deployments import SWEEP_INTERVAL, deployments

    names = [deployment.full_name for deployment in deployments()]
    events = sorted(listeners_by_event(LIBRARY.processes.values()))
    assert sorted(names) == sorted(
        [
            "sweep/sweep",
            "partnership-report/partnership-report",
            *(f"start-case/{process_id}" for process_id in PROCESSES),
            "record-outcome/record-outcome",
            "pause-case/pause-case",
            "resume-case/resume-case",
            "extend-deadline/extend-deadline",
            "approve-extension/approve-extension",
            "refuse-extension/refuse-extension",
            *(f"trigger-event/{event}" for event in events),
        ]
    )
    for deployment in _deployments():
        assert deployment._parameter_openapi_schema.model_dump(exclude_unset=True)["additionalProperties"] is False
    (sweep,) = [d for d in deployments(sweep_every=SWEEP_INTERVAL / 4) if d.name == "sweep"]
    assert sweep.schedules[0].schedule.interval == SWEEP_INTERVAL / 4
    (report,) = [d for d in deployments() if d.name == "partnership-report"]
    daily = report.schedules[0].schedule
    assert (daily.interval, daily.timezone) == (timedelta(days=1), "Europe/London")
    assert (daily.anchor_date.hour, daily.anchor_date.minute) == (6, 0)


def test_the_child_death_form_is_the_listening_process_facts():
    process = LIBRARY.processes["joint-agency-response"]
    schema = parameter_schema(TRIGGER_FLOWS["child-death"].flow).model_dump()
    assert list(schema["properties"]) == [name for name, fact in process.facts.items() if not fact.sensitive]
    assert schema["required"] == ["death_datetime"]
    assert widget(schema["properties"]["death_datetime"]) == {"type": "string", "format": "date-time"}
    assert schema["properties"]["agencies"]["default"] is None  # the process falls back on its own default


def test_no_shipped_form_leaves_a_fact_out():
    problems = [
        problem for built in (START_FLOWS, TRIGGER_FLOWS) for flow in built.values() for problem in flow.form.problems
    ]
    assert problems == []


def _listener(process_id: str, facts: dict[str, Fact]) -> Process:
    base = LIBRARY.processes["joint-agency-response"]
    return base.model_copy(update={"id": process_id, "facts": facts, "recurs": None})


def test_a_trigger_form_joins_its_listeners_facts():
    first = _listener(
        "first",
        {
            "when": Fact(type=FactType.DATE, required=True),
            "where": Fact(type=FactType.CHOICE, options=["home", "away"], required=True),
            "who": Fact(type=FactType.TEXT, sensitive=True),
            "count": Fact(type=FactType.NUMBER),
        },
    )
    second = _listener(
        "second",
        {
            "when": Fact(type=FactType.DATE, required=True),
            "where": Fact(type=FactType.CHOICE, options=["home", "abroad"]),
            "who": Fact(type=FactType.TEXT),  # not sensitive here, but sensitive for the first listener
            "count": Fact(type=FactType.NUMBER, required=True),
        },
    )
    form = trigger_form("something", [first, second], DIRECTORY)
    assert [field.name for field in form.fields] == ["when", "count"]
    assert form.field("when").required and not form.field("count").required
    (problem,) = form.problems
    assert "'where'" in problem and "first" in problem and "second" in problem


def test_a_fact_named_like_the_reference_field_is_reported_not_offered():
    process = _listener("odd", {"reference": Fact(type=FactType.TEXT), "when": Fact(type=FactType.DATE)})
    form = start_form(process, DIRECTORY)
    assert [field.name for field in form.fields] == ["when", CASE_REFERENCE]
    assert "reserves" in form.problems[0]


def test_form_values_become_the_typed_facts_a_case_starts_with():
    process = _listener(
        "typed",
        {
            "at": Fact(type=FactType.DATETIME),
            "on": Fact(type=FactType.DATE),
            "count": Fact(type=FactType.NUMBER),
            "agencies": Fact(type=FactType.AGENCY_LIST),
            "note": Fact(type=FactType.TEXT),
            "flag": Fact(type=FactType.BOOLEAN),
        },
    )
    facts = typed_facts(
        process,
        {
            "at": datetime(2026, 7, 1, 9, 30),
            "on": date(2026, 7, 1),
            "count": 3.0,
            "agencies": ["cafcass"],
            "note": "",
            "flag": False,
        },
    )
    assert facts == {
        "at": datetime(2026, 7, 1, 9, 30, tzinfo=LONDON),
        "on": date(2026, 7, 1),
        "count": 3,
        "agencies": ["cafcass"],
        "flag": False,
    }
    with pytest.raises(ValueError, match="no fact 'gone'"):
        typed_facts(process, {"gone": 1})


@pytest.mark.parametrize(
    ("fact", "value"),
    [
        (Fact(type=FactType.TEXT), "CD-77, second"),
        (Fact(type=FactType.NUMBER), 2.5),
        (Fact(type=FactType.NUMBER), 4.0),
        (Fact(type=FactType.BOOLEAN), True),
        (Fact(type=FactType.BOOLEAN), False),
        (Fact(type=FactType.DATE), date(2026, 12, 18)),
        (Fact(type=FactType.DATETIME), datetime(2026, 12, 18, 2, 0)),
        (Fact(type=FactType.CHOICE, options=["home", "hospital"]), "hospital"),
        (Fact(type=FactType.AGENCY), "cafcass"),
        (Fact(type=FactType.AGENCY_LIST), ["cafcass", "staffordshire-police"]),
    ],
)
def test_a_trigger_form_value_reads_back_as_the_same_typed_fact(fact, value):
    (assignment,) = fact_assignments({"name": value})
    text = assignment.partition("=")[2]
    typed = typed_facts(_listener("typed", {"name": fact}), {"name": value})["name"]
    assert parse_fact_value("name", fact, text, AGENCIES) == typed


def test_prefect_yaml_lists_what_workflows_serve_serves():
    from flows.prefect_yaml import PREFECT_YAML, prefect_yaml_text

    assert PREFECT_YAML.read_text() == prefect_yaml_text(), (
        "prefect.yaml is out of step with the library: run `.venv/bin/python -m flows.prefect_yaml`"
    )


@cache
def _deployments() -> list[RunnerDeployment]:
    from flows.deployments import deployments

    return deployments()
