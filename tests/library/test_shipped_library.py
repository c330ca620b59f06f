"""The shipped process library and demo directory: all valid, all simulate, key rules hold."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from workflows.config.loader import load_config
from workflows.definitions.library import load_library
from workflows.definitions.model import Process
from workflows.definitions.partnership import RoleScope
from workflows.engine.schedule.simulation import simulate, start_moment

REPO = Path(__file__).resolve().parents[2]
REQUIRED_IDS = {
    "serious-incident-notification",
    "looked-after-child-death",
    "rapid-review",
    "cspr",
    "joint-agency-response",
    "professional-escalation",
    "partner-dispute",
    "section-11-audit",
    "section-175-audit",
    "multi-agency-case-audit",
    "initial-child-protection-conference",
    "lado-referral",
    "return-home-interview",
    "yearly-report",
}


@pytest.fixture(scope="module")
def config():
    return load_config(REPO / "config")


@pytest.fixture(scope="module")
def library(config):
    return load_library([REPO / "processes"], config)


def test_every_required_process_ships_and_validates(library):
    assert set(library.processes) >= REQUIRED_IDS


@pytest.mark.parametrize("process_id", sorted(REQUIRED_IDS))
def test_each_definition_cites_its_source_tags(process_id):
    text = (REPO / "processes" / f"{process_id}.yaml").read_text()
    assert any(tag in text for tag in ("[national]", "[partnership]", "[varies]")), "cite the source of each timescale"


def _scenarios(process: Process):
    yield {}, {}
    yield {stage_id: 3 for stage_id in process.stages}, {}
    for stage_id, stage in process.stages.items():
        for option_id in stage.decision.options if stage.decision else ():
            yield {}, {stage_id: option_id}


@pytest.mark.parametrize("process_id", sorted(REQUIRED_IDS))
def test_each_process_simulates_on_time_late_and_through_every_option(library, config, process_id):
    process = library.get(process_id)
    rules = config.timing_rules(process)
    for late, choices in _scenarios(process):
        projection = simulate(process, rules, start_moment(date(2026, 12, 18), rules), {}, late, choices)
        events = projection.events
        assert events[0].kind == "start" and events[0].stage is None
        assert [e.at for e in events] == sorted(e.at for e in events)
        opened = [e.stage for e in events if e.kind == "start" and e.stage]
        assert len(opened) == len(set(opened)), "a stage opened twice"
        dues = {e.stage for e in events if e.kind == "due"}
        assert dues == set(opened), "every opened stage has a due event"
        roles = {e.to for e in events if e.to}
        assert roles <= set(config.directory.roles)
        if late:
            assert any(e.kind in ("escalation", "reminder") and e.at > events[0].at for e in events)


def test_roles_used_by_processes_have_holders(library, config):
    directory = config.directory
    for process in library.processes.values():
        for stage_id, stage in process.stages.items():
            roles = [stage.owner, *(step.notify for step in stage.escalation)]
            for role in roles:
                if directory.roles[role].scope is RoleScope.PARTNERSHIP:
                    assert directory.holders(role), f"{process.id}/{stage_id}: nobody holds {role}"


def test_every_audited_agency_has_someone_to_own_its_return(library, config):
    directory = config.directory
    for process_id in ("section-11-audit", "section-175-audit"):
        process = library.get(process_id)
        for stage in process.stages.values():
            if not stage.for_each:
                continue
            selection = process.facts[stage.for_each].from_directory
            assert selection is not None
            agencies = directory.select_agencies(audit=selection.audit, kind=selection.kind)
            assert agencies, f"{process_id}: the directory selects no agency"
            for agency in agencies:
                assert directory.holders(stage.owner, agency), f"{process_id}: nobody at {agency} holds {stage.owner}"


def test_section_11_runs_every_two_years_from_april_2026(library):
    recurs = library.get("section-11-audit").recurs
    assert recurs is not None
    assert (str(recurs.every), recurs.starting) == ("2 years", date(2026, 4, 1))


def test_joint_agency_response_starts_only_when_a_criterion_holds(library):
    process = library.get("joint-agency-response")
    (trigger,) = [t for t in process.triggers if t.event == "child-death"]
    assert trigger.when is not None and trigger.when.any_of is not None
    criteria = trigger.when.any_of
    assert len(criteria) == 5
    none_hold = {name: False for c in criteria for name in c.facts() if process.facts[name].type.value == "boolean"}
    assert not trigger.when.holds(none_hold)
    for criterion in criteria:
        (name,) = criterion.facts()
        fact = process.facts[name]
        value = True if fact.type.value == "boolean" else criterion.comparison()[1]
        if isinstance(value, list):
            value = value[0]
        assert trigger.when.holds({**none_hold, name: value}), f"criterion on {name} alone should start a JAR"


def test_professional_escalation_advances_stage_by_stage_when_unresolved(library, config):
    process = library.get("professional-escalation")
    rules = config.timing_rules(process)
    late = {stage_id: 1 for stage_id in process.stages}
    projection = simulate(process, rules, start_moment(date(2027, 2, 1), rules), {}, late, {})
    opened = [e.stage for e in projection.events if e.kind == "start" and e.stage]
    assert len(opened) >= 4
    assert opened == list(process.stages)[: len(opened)]
    advances = [e for e in projection.events if e.kind == "escalation" and e.stage in opened[:-1]]
    assert len(advances) >= len(opened) - 1


def test_rapid_review_cspr_option_starts_the_cspr_process(library):
    decision = library.get("rapid-review").stages["dsp-decision"].decision
    assert decision is not None and decision.options["cspr"].starts == "cspr"


def test_cspr_clock_can_pause_for_proceedings(library):
    pause = library.get("cspr").pause
    assert pause is not None and any("criminal" in reason for reason in pause.reasons)
