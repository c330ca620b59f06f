"""Structural and semantic problems in one run: the checks run on every part that parsed, never crash on what did
not, and say nothing that only follows from a problem already reported."""

from __future__ import annotations

import copy
from typing import Any

import yaml
from definition_texts import GOOD
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

DATA = yaml.safe_load(GOOD)
STAGES = list(DATA["stages"])


def text_of(data: dict[str, Any]) -> str:
    return yaml.safe_dump(data, sort_keys=False)


def break_stage(stage: dict[str, Any], how: str) -> dict[str, Any] | str:
    """One structural problem in a stage, of the kind `how` names."""
    stage = copy.deepcopy(stage)
    match how:
        case "ambiguous-days":
            stage["due"]["in"] = "5 days"
        case "unknown-key":
            stage["colour"] = "red"
        case "title-not-text":
            stage["title"] = ["Gather", "returns"]
        case "not-a-mapping":
            return "to be written"
        case "missing-owner":
            del stage["owner"]
        case "bad-reminder":
            stage["reminders"] = {"before": ["soon"]}
        case "step-without-role":
            stage["escalation"] = [{"after": "1 working day"}]
        case "due-not-a-mapping":
            stage["due"] = "tomorrow"
        case "owner-not-a-name":
            stage["owner"] = "Business Manager"
        case "after-not-a-list":
            stage["after"] = "everything"
    return stage


BREAKAGES = [
    "ambiguous-days",
    "unknown-key",
    "title-not-text",
    "not-a-mapping",
    "missing-owner",
    "bad-reminder",
    "step-without-role",
    "due-not-a-mapping",
    "owner-not-a-name",
    "after-not-a-list",
]


def test_the_good_definition_has_no_problems(problems_in):
    assert problems_in({"demo.yaml": GOOD}) == []


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(broken=st.sampled_from(STAGES), misspelt=st.sampled_from(STAGES), how=st.sampled_from(BREAKAGES))
def test_a_broken_stage_does_not_hide_a_misspelt_role_in_another_and_adds_no_noise(problems_in, broken, misspelt, how):
    if broken == misspelt:
        return
    data = copy.deepcopy(DATA)
    data["stages"][broken] = break_stage(data["stages"][broken], how)
    role = data["stages"][misspelt]["owner"]
    data["stages"][misspelt]["owner"] = role[:-1]  # one letter short
    text = text_of(data)
    problems = problems_in({"demo.yaml": text})
    unknown_role = [p for p in problems if f"unknown role {role[:-1]!r} (did you mean {role!r}" in p]
    assert len(unknown_role) == 1, problems
    line = text.splitlines().index(f"    owner: {role[:-1]}") + 1
    assert unknown_role[0].startswith(f"demo.yaml:{line}:12: ")
    # Exactly the one structural problem besides: no unknown stage, no stage that can never open, nothing
    # that only follows from the broken stage.
    assert len(problems) == 2, problems


def test_one_run_reports_a_bad_duration_in_one_stage_and_a_misspelt_role_in_another(problems_in):
    text = GOOD.replace("in: 1 month", "in: 1 fortnight").replace("owner: dsp-local-authority", "owner: dsp-local")
    assert problems_in({"demo.yaml": text}) == [
        "demo.yaml:20:12: unknown role 'dsp-local' (did you mean 'dsp-local-authority'?)",
        "demo.yaml:30:15: in: unknown unit 'fortnight' in '1 fortnight': use one of working days, calendar days, "
        "hours, weeks, months, years",
    ]


def test_a_process_whose_top_level_is_broken_still_gets_its_stages_checked(problems_in):
    text = GOOD.replace("title: Demo process\n", "").replace("version: 1", "version: 0")
    text = text.replace('reference: "DM-{year}-{seq:3}"', 'reference: "DM-{year}"')
    text = text.replace("after: [gather]", "after: [gahter]").replace("notify: business-manager", "notify: chair")
    assert problems_in({"demo.yaml": text}) == [
        "demo.yaml:1:1: missing required key 'title'",
        "demo.yaml:2:10: version: Input should be greater than or equal to 1",
        "demo.yaml:4:12: reference: the reference pattern needs a {seq} (or {seq:3}) counter",
        "demo.yaml:16:40: unknown role 'chair': add it to config/roles.yaml or use one of agency-safeguarding-lead, "
        "business-manager, dsp-local-authority, partnership-chair",
        "demo.yaml:20:13: unknown stage 'gahter' (did you mean 'gather'?)",
    ]


def test_references_to_a_stage_that_did_not_parse_are_not_unknown(problems_in):
    text = GOOD.replace(
        "  gather:\n    title: Gather returns\n", "  gather: [Gather returns]\n  gather-old:\n    title: x\n"
    )
    (problem,) = problems_in({"demo.yaml": text})
    assert "gather: expected a mapping" in problem  # not "unknown stage 'gather'" for decide's `after` and anchor


def test_references_to_a_stage_whose_name_did_not_parse_are_not_unknown(problems_in):
    (problem,) = problems_in({"demo.yaml": GOOD.replace("  gather:\n", "  Gather:\n")})
    assert problem == "demo.yaml:10:3: Gather: 'Gather' is not a valid name (lower-case letters, digits, dashes)"


def test_references_to_a_fact_that_did_not_parse_are_not_unknown(problems_in):
    text = GOOD.replace("agencies: {type: agency-list,", "agencies: {type: agency-lists,")
    (problem,) = problems_in({"demo.yaml": text})
    assert "'agency-lists' is not one of" in problem and "(did you mean 'agency-list' or 'agency'?)" in problem


def test_an_agency_role_is_not_said_to_lack_an_agency_when_its_for_each_did_not_parse(problems_in):
    (problem,) = problems_in({"demo.yaml": GOOD.replace("for_each: agencies", "for_each: Agencies")})
    assert "for_each: 'Agencies' is not a valid name" in problem


def test_a_decision_that_did_not_parse_still_has_its_options_checked(problems_in):
    text = GOOD.replace("        done: {label: Nothing more}\n", "").replace("then: [follow-up]", "then: [folow-up]")
    assert problems_in({"demo.yaml": text}) == [
        "demo.yaml:24:7: decision: a decision needs at least two options",
        "demo.yaml:25:44: unknown stage 'folow-up' (did you mean 'follow-up'?)",
    ]


def test_without_a_valid_config_the_checks_that_need_none_still_run(problems_in, minimal_config):
    text = GOOD.replace("after: [gather]", "after: [gahter]").replace("owner: business-manager", "owner: nobody")
    assert problems_in({"demo.yaml": text}, config=None) == [
        "demo.yaml:21:13: unknown stage 'gahter' (did you mean 'gather'?)"  # roles wait for the config
    ]


JUNK = st.one_of(
    st.none(),
    st.integers(-3, 3),
    st.booleans(),
    st.sampled_from(["", "Bad Name", "5 days", "yes", "stage:nowhere", "fact:nope", "opened"]),
    st.lists(st.sampled_from(["gather", "x", "Bad"]), max_size=2),
    st.dictionaries(st.sampled_from(["in", "title", "a"]), st.sampled_from(["1 week", "x"]), max_size=2),
)


def paths_in(data: Any, prefix: tuple = ()) -> list[tuple]:
    found = [prefix] if prefix else []
    if isinstance(data, dict):
        for key, value in data.items():
            found += paths_in(value, (*prefix, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            found += paths_in(value, (*prefix, index))
    return found


PATHS = paths_in(DATA)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(changes=st.lists(st.tuples(st.sampled_from(PATHS), JUNK), min_size=1, max_size=4))
def test_any_damage_gives_positioned_problems_and_never_a_crash(problems_in, changes):
    data = copy.deepcopy(DATA)
    for path, junk in changes:
        container = data
        try:
            for part in path[:-1]:
                container = container[part]
            container[path[-1]] = copy.deepcopy(junk)
        except (KeyError, IndexError, TypeError):
            continue  # an earlier change removed this place
    text = text_of(data)
    lines = text.count("\n") + 1
    for problem in problems_in({"demo.yaml": text}):
        file, line, column, message = problem.split(":", 3)
        assert file == "demo.yaml" and 1 <= int(line) <= lines and int(column) >= 1 and message.strip()
