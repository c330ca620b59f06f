"""Every kind of definition error: reported as path:line:column with a plain message, all at once."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from workflows.definitions.library import load_library
from workflows.yamlsource import YamlSourceError

GOOD = """\
id: demo
title: Demo process
version: 1
calendar: partnership
reference: "DM-{year}-{seq:3}"
facts:
  notified_on: {type: date, required: true}
  agencies: {type: agency-list, from_directory: {audit: section-11}}
stages:
  gather:
    title: Gather returns
    owner: agency-safeguarding-lead
    for_each: agencies
    due: {in: 10 working days, from: "fact:notified_on"}
    reminders: {before: [2 working days], overdue_every: 1 working day}
    escalation:
      - {after: 1 working day, notify: business-manager}
  decide:
    title: Decide
    owner: dsp-local-authority
    after: [gather]
    due: {in: 5 working days, from: "stage:gather"}
    decision:
      options:
        more: {label: Look further, then: [follow-up]}
        done: {label: Nothing more}
  follow-up:
    title: Follow up
    owner: business-manager
    due: {in: 1 month, from: opened}
"""


def problems_for(tmp_path: Path, config, text: str, name: str = "demo") -> list[str]:
    folder = tmp_path / "processes"
    folder.mkdir(exist_ok=True)
    (folder / f"{name}.yaml").write_text(textwrap.dedent(text), encoding="utf-8")
    try:
        load_library([folder], config)
    except YamlSourceError as error:
        return [str(problem) for problem in error.problems]
    return []


def test_the_good_definition_has_no_problems(tmp_path, minimal_config):
    assert problems_for(tmp_path, minimal_config, GOOD) == []


def test_bad_yaml_gives_line_and_column(tmp_path, minimal_config):
    text = GOOD.replace("title: Gather returns", "title: [Gather returns")
    problems = problems_for(tmp_path, minimal_config, text)
    assert len(problems) == 1
    assert problems[0].startswith(str(tmp_path / "processes" / "demo.yaml") + ":")
    assert "bad YAML" in problems[0]


def test_misspelt_key_points_at_the_key_and_suggests_the_right_one(tmp_path, minimal_config):
    text = GOOD.replace("    for_each: agencies\n", "    for_each: agencies\n    reminder: {on_due_day: true}\n")
    (problem,) = problems_for(tmp_path, minimal_config, text)
    assert problem.endswith(":14:5: unknown key 'reminder' (did you mean 'reminders'?)")


def test_unknown_key_like_no_known_one_lists_the_allowed_keys(tmp_path, minimal_config):
    text = GOOD.replace("    for_each: agencies\n", "    for_each: agencies\n    colour: red\n")
    (problem,) = problems_for(tmp_path, minimal_config, text)
    assert problem.endswith(":14:5: unknown key 'colour' (allowed here: " + problem.split("allowed here: ")[1])
    assert "reminders" in problem and "escalation" in problem


def test_bad_duration_says_what_to_write(tmp_path, minimal_config):
    text = GOOD.replace("in: 10 working days", "in: 10 wrking days")
    (problem,) = problems_for(tmp_path, minimal_config, text)
    assert ":14:" in problem and "unknown unit 'wrking days'" in problem


def test_ambiguous_days_is_rejected(tmp_path, minimal_config):
    text = GOOD.replace("in: 5 working days", "in: 5 days")
    (problem,) = problems_for(tmp_path, minimal_config, text)
    assert ":22:" in problem and "write 'working days' or 'calendar days'" in problem


def test_unknown_role(tmp_path, minimal_config):
    text = GOOD.replace("notify: business-manager", "notify: head-of-everything")
    (problem,) = problems_for(tmp_path, minimal_config, text)
    assert ":17:" in problem and "unknown role 'head-of-everything'" in problem


def test_agency_role_without_an_agency_is_reported(tmp_path, minimal_config):
    text = GOOD.replace("    for_each: agencies\n", "")
    (problem,) = problems_for(tmp_path, minimal_config, text)
    assert ":12:12: " in problem and "held per agency" in problem


def test_unknown_stage_reference(tmp_path, minimal_config):
    text = GOOD.replace("after: [gather]", "after: [gathr]")
    problems = problems_for(tmp_path, minimal_config, text)
    assert any(":21:13: " in p and "unknown stage 'gathr'" in p for p in problems)


def test_unknown_fact_reference(tmp_path, minimal_config):
    text = GOOD.replace('from: "fact:notified_on"', 'from: "fact:notified"')
    (problem,) = problems_for(tmp_path, minimal_config, text)
    assert ":14:" in problem and "unknown fact 'notified'" in problem


def test_anchor_fact_must_be_a_date(tmp_path, minimal_config):
    text = GOOD.replace('from: "fact:notified_on"', 'from: "fact:agencies"')
    (problem,) = problems_for(tmp_path, minimal_config, text)
    assert "needs a date or datetime fact, but 'agencies' is agency-list" in problem


def test_dependency_cycle(tmp_path, minimal_config):
    text = GOOD.replace("    for_each: agencies\n", "    for_each: agencies\n    after: [decide]\n")
    problems = problems_for(tmp_path, minimal_config, text)
    assert any("dependency cycle: gather -> decide -> gather" in p for p in problems)


def test_unreachable_stage(tmp_path, minimal_config):
    text = GOOD + textwrap.indent(
        "island:\n  title: Island\n  owner: business-manager\n  due: {in: 1 week}\n"
        "  decision:\n    options:\n      a: {label: A, then: [lagoon]}\n      b: {label: B}\n"
        "lagoon:\n  title: Lagoon\n  owner: business-manager\n  due: {in: 1 week}\n"
        "  decision:\n    options:\n      a: {label: A, then: [island]}\n      b: {label: B}\n",
        "  ",
    )
    problems = problems_for(tmp_path, minimal_config, text)
    assert any("dependency cycle" in p for p in problems)


def test_stage_waiting_for_two_options_of_one_decision_is_unreachable(tmp_path, minimal_config):
    # `wrap-up` waits for `follow-up` (option "more") and `close-out` (option "done") of the same
    # decision: only one option is ever taken, so it can never open.
    text = GOOD.replace("done: {label: Nothing more}", "done: {label: Nothing more, then: [close-out]}") + (
        "  close-out:\n    title: Close out\n    owner: business-manager\n    due: {in: 1 week}\n"
        "  wrap-up:\n    title: Wrap up\n    owner: business-manager\n    due: {in: 1 week}\n"
        "    after: [follow-up, close-out]\n"
    )
    (problem,) = problems_for(tmp_path, minimal_config, text)
    assert ":35:3: stage 'wrap-up' can never open" in problem


def test_decision_option_starting_an_unknown_process(tmp_path, minimal_config):
    text = GOOD.replace(
        "more: {label: Look further, then: [follow-up]}",
        "more: {label: Look further, then: [follow-up], starts: no-such-process}",
    )
    (problem,) = problems_for(tmp_path, minimal_config, text)
    assert ":25:" in problem and "starts unknown process 'no-such-process'" in problem


def test_anchor_on_a_stage_that_may_not_have_finished(tmp_path, minimal_config):
    text = GOOD.replace("due: {in: 1 month, from: opened}", 'due: {in: 1 month, from: "stage:gather"}')
    assert problems_for(tmp_path, minimal_config, text) == []  # gather always finishes before decide
    text = GOOD.replace('    due: {in: 5 working days, from: "stage:gather"}', "    due: {in: 5 working days}")
    text = text.replace("due: {in: 1 month, from: opened}", 'due: {in: 1 month, from: "stage:island"}')
    (problem,) = problems_for(tmp_path, minimal_config, text)
    assert "unknown stage 'island'" in problem


def test_duplicate_key(tmp_path, minimal_config):
    text = GOOD.replace("    title: Decide\n", "    title: Decide\n    title: Decide again\n")
    (problem,) = problems_for(tmp_path, minimal_config, text)
    assert ":20:5: duplicate key 'title'" in problem


def test_trigger_condition_on_unknown_fact_and_wrong_type(tmp_path, minimal_config):
    text = GOOD + (
        "triggers:\n"
        "  - event: something-happened\n"
        "    when:\n"
        "      any:\n"
        "        - {fact: nope, equals: true}\n"
        "        - {fact: notified_on, at_least: 3}\n"
    )
    problems = problems_for(tmp_path, minimal_config, text)
    assert any(":35:18: unknown fact 'nope'" in p for p in problems)
    assert any(":36:41: at_least compares numbers" in p for p in problems)


def test_condition_needs_exactly_one_form(tmp_path, minimal_config):
    text = GOOD + "triggers:\n  - event: x\n    when: {fact: notified_on}\n"
    (problem,) = problems_for(tmp_path, minimal_config, text)
    assert "exactly one comparison" in problem


def test_all_problems_in_all_files_at_once(tmp_path, minimal_config):
    broken = GOOD.replace("title: Decide\n", "title: Decide\n    colour: red\n").replace(
        "in: 1 month", "in: 1 fortnight"
    )
    problems_for(tmp_path, minimal_config, "id: other\ntitle: [\n", name="other")
    problems = problems_for(tmp_path, minimal_config, broken)
    files = {p.split(":")[0] for p in problems}
    assert len(files) == 2
    assert len(problems) == 3  # bad YAML in other.yaml; unknown key and bad duration in demo.yaml


def test_id_must_match_file_name(tmp_path, minimal_config):
    (problem,) = problems_for(tmp_path, minimal_config, GOOD, name="elsewhere")
    assert ":1:5: id 'demo' must match the file name 'elsewhere'" in problem


def test_yes_and_no_stay_strings(tmp_path, minimal_config):
    text = GOOD.replace("more: {label: Look further", "yes: {label: Look further").replace(
        "done: {label: Nothing more}", "no: {label: Nothing more}"
    )
    assert problems_for(tmp_path, minimal_config, text) == []


@pytest.mark.parametrize(
    ("pattern", "ok"),
    [
        ("RR-{year}-{seq:3}", True),
        ("{seq}", True),
        ("RR-{year}", False),
        ("RR {seq}", False),
        ("R-{name}-{seq}", False),
    ],
)
def test_reference_pattern(tmp_path, minimal_config, pattern, ok):
    text = GOOD.replace('reference: "DM-{year}-{seq:3}"', f'reference: "{pattern}"')
    assert (problems_for(tmp_path, minimal_config, text) == []) is ok


STARTED = """\
id: follow-on
title: Follow-on
version: 1
reference: "FO-{seq}"
facts:
  decided_on: {type: date, required: true}
  origin: {type: text}
  urgent: {type: boolean}
stages:
  act:
    title: Act
    owner: business-manager
    due: {in: 1 month, from: "fact:decided_on"}
"""


def test_started_process_gets_its_required_facts_of_the_right_type(tmp_path, minimal_config):
    problems_for(tmp_path, minimal_config, STARTED, name="follow-on")
    good = GOOD.replace(
        "more: {label: Look further, then: [follow-up]}",
        "more: {label: Look further, then: [follow-up], starts: follow-on,"
        " facts: {decided_on: decided, origin: reference, urgent: true}}",
    )
    assert problems_for(tmp_path, minimal_config, good) == []
    missing = GOOD.replace(
        "more: {label: Look further, then: [follow-up]}",
        'more: {label: Look further, starts: follow-on, facts: {origin: "fact:notified_on", urgent: 3}}',
    )
    problems = problems_for(tmp_path, minimal_config, missing)
    assert any("requires fact 'decided_on': hand it over under 'facts'" in p for p in problems)
    assert any("'notified_on' is date but follow-on's 'origin' is text" in p for p in problems)
    assert any("3 is not a boolean value for 'urgent'" in p for p in problems)


def test_escalating_to_an_agency_role_needs_an_agency(tmp_path, minimal_config):
    fan_out = GOOD.replace("notify: business-manager}", "notify: agency-safeguarding-lead}")
    assert problems_for(tmp_path, minimal_config, fan_out) == []  # the lead of the task's own agency
    text = GOOD + "      escalation: [{after: 1 week, notify: agency-safeguarding-lead}]\n"
    text = text.replace("      escalation: [", "    escalation: [")
    (problem,) = problems_for(tmp_path, minimal_config, text)
    assert "held per agency, but this stage names no agency" in problem


def test_fanned_out_stage_cannot_decide(tmp_path, minimal_config):
    text = GOOD.replace(
        "    for_each: agencies\n",
        "    for_each: agencies\n    decision: {options: {a: {label: A}, b: {label: B}}}\n",
    )
    (problem,) = problems_for(tmp_path, minimal_config, text)
    assert ":14:15: " in problem and "cannot take a decision" in problem


def test_a_value_fitting_no_member_of_a_union_is_one_problem_showing_it_as_written(tmp_path, minimal_config):
    problems_for(tmp_path, minimal_config, STARTED, name="follow-on")
    text = GOOD.replace(
        "more: {label: Look further, then: [follow-up]}",
        "more: {label: Look further, starts: follow-on, facts: {decided_on: decided, origin: 2026-01-01}}",
    )
    (problem,) = problems_for(tmp_path, minimal_config, text)
    assert problem.endswith(
        ":25:93: origin: expected true or false, a whole number, a number or a text value, got 2026-01-01"
    )
