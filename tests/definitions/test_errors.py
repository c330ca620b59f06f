"""Every kind of definition error: reported as path:line:column with a plain message, all at once."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from definition_texts import GOOD

from workflows.definitions.library import load_library
from workflows.yamlsource import YamlSourceError


def problems_for(tmp_path: Path, config, text: str, name: str = "demo") -> list[str]:
    folder = tmp_path / "processes"
    folder.mkdir(exist_ok=True)
    (folder / f"{name}.yaml").write_text(textwrap.dedent(text), encoding="utf-8")
    try:
        load_library([folder], config)
    except YamlSourceError as error:
        return [str(problem) for problem in error.problems]
    return []


def test_bad_yaml_gives_line_and_column(tmp_path, minimal_config):
    text = GOOD.replace("title: Gather returns", "title: [Gather returns")
    problems = problems_for(tmp_path, minimal_config, text)
    assert len(problems) == 1
    assert problems[0].startswith(str(tmp_path / "processes" / "demo.yaml") + ":")
    assert "bad YAML" in problems[0]


def test_unknown_key_like_no_known_one_lists_the_allowed_keys(tmp_path, minimal_config):
    text = GOOD.replace("    for_each: agencies\n", "    for_each: agencies\n    colour: red\n")
    (problem,) = problems_for(tmp_path, minimal_config, text)
    assert problem.endswith(":14:5: unknown key 'colour' (allowed here: " + problem.split("allowed here: ")[1])
    assert "reminders" in problem and "escalation" in problem


def edited(*replacements: tuple[str, str], append: str = "") -> str:
    """GOOD with each `(old, new)` replaced (`old` must be there, so no case tests GOOD by mistake), then `append`."""
    text = GOOD
    for old, new in replacements:
        assert old in text, f"not in GOOD: {old!r}"
        text = text.replace(old, new)
    return text + append


ACCEPTED = [
    pytest.param(GOOD, id="the-good-definition"),
    pytest.param(
        edited(
            ("more: {label: Look further", "yes: {label: Look further"),
            ("done: {label: Nothing more}", "no: {label: Nothing more}"),
        ),
        id="yes-and-no-stay-strings",
    ),
    pytest.param(
        edited(("due: {in: 1 month, from: opened}", 'due: {in: 1 month, from: "stage:gather"}')),
        id="anchor-on-a-stage-that-always-finishes-first",  # gather always finishes before decide
    ),
    pytest.param(
        edited(("notify: business-manager}", "notify: agency-safeguarding-lead}")),
        id="escalating-to-the-lead-of-the-tasks-own-agency",
    ),
]


@pytest.mark.parametrize("text", ACCEPTED)
def test_a_sound_definition_has_no_problems(tmp_path, minimal_config, text):
    assert problems_for(tmp_path, minimal_config, text) == []


# (the edited definition, what its one problem contains, how it ends): each case has exactly one problem.
ONE_PROBLEM = [
    pytest.param(
        edited(("    for_each: agencies\n", "    for_each: agencies\n    reminder: {on_due_day: true}\n")),
        (),
        ":14:5: unknown key 'reminder' (did you mean 'reminders'?)",
        id="misspelt-key-points-at-the-key-and-suggests-the-right-one",
    ),
    pytest.param(
        edited(("in: 10 working days", "in: 10 wrking days")),
        (":14:", "unknown unit 'wrking days'"),
        "",
        id="bad-duration-says-what-to-write",
    ),
    pytest.param(
        edited(("in: 5 working days", "in: 5 days")),
        (":22:", "write 'working days' or 'calendar days'"),
        "",
        id="ambiguous-days-is-rejected",
    ),
    pytest.param(
        edited(("notify: business-manager", "notify: head-of-everything")),
        (":17:", "unknown role 'head-of-everything'"),
        "",
        id="unknown-role",
    ),
    pytest.param(
        edited(("    for_each: agencies\n", "")),
        (":12:12: ", "held per agency"),
        "",
        id="agency-role-without-an-agency",
    ),
    pytest.param(
        edited(('from: "fact:notified_on"', 'from: "fact:notified"')),
        (":14:", "unknown fact 'notified'"),
        "",
        id="unknown-fact-reference",
    ),
    pytest.param(
        edited(('from: "fact:notified_on"', 'from: "fact:agencies"')),
        ("needs a date or datetime fact, but 'agencies' is agency-list",),
        "",
        id="anchor-fact-must-be-a-date",
    ),
    pytest.param(
        # `wrap-up` waits for `follow-up` (option "more") and `close-out` (option "done") of the same
        # decision: only one option is ever taken, so it can never open.
        edited(
            ("done: {label: Nothing more}", "done: {label: Nothing more, then: [close-out]}"),
            append=(
                "  close-out:\n    title: Close out\n    owner: business-manager\n    due: {in: 1 week}\n"
                "  wrap-up:\n    title: Wrap up\n    owner: business-manager\n    due: {in: 1 week}\n"
                "    after: [follow-up, close-out]\n"
            ),
        ),
        (":35:3: stage 'wrap-up' can never open",),
        "",
        id="stage-waiting-for-two-options-of-one-decision-is-unreachable",
    ),
    pytest.param(
        edited(
            (
                "more: {label: Look further, then: [follow-up]}",
                "more: {label: Look further, then: [follow-up], starts: no-such-process}",
            )
        ),
        (":25:", "starts unknown process 'no-such-process'"),
        "",
        id="decision-option-starting-an-unknown-process",
    ),
    pytest.param(
        edited(
            ('    due: {in: 5 working days, from: "stage:gather"}', "    due: {in: 5 working days}"),
            ("due: {in: 1 month, from: opened}", 'due: {in: 1 month, from: "stage:island"}'),
        ),
        ("unknown stage 'island'",),
        "",
        id="anchor-on-a-stage-that-may-not-have-finished",
    ),
    pytest.param(
        edited(("    title: Decide\n", "    title: Decide\n    title: Decide again\n")),
        (":20:5: duplicate key 'title'",),
        "",
        id="duplicate-key",
    ),
    pytest.param(
        edited(append="triggers:\n  - event: x\n    when: {fact: notified_on}\n"),
        ("exactly one comparison",),
        "",
        id="condition-needs-exactly-one-form",
    ),
    pytest.param(
        edited(append="    escalation: [{after: 1 week, notify: agency-safeguarding-lead}]\n"),
        ("held per agency, but this stage names no agency",),
        "",
        id="escalating-to-an-agency-role-needs-an-agency",
    ),
    pytest.param(
        edited(
            (
                "    for_each: agencies\n",
                "    for_each: agencies\n    decision: {options: {a: {label: A}, b: {label: B}}}\n",
            )
        ),
        (":14:15: ", "cannot take a decision"),
        "",
        id="fanned-out-stage-cannot-decide",
    ),
]


@pytest.mark.parametrize(("text", "contains", "ends_with"), ONE_PROBLEM)
def test_one_mistake_is_one_problem_saying_where_and_what(tmp_path, minimal_config, text, contains, ends_with):
    (problem,) = problems_for(tmp_path, minimal_config, text)
    for fragment in contains:
        assert fragment in problem
    assert problem.endswith(ends_with)


# (the edited definition, groups of fragments): for each group, some problem contains all of its fragments.
SOME_PROBLEMS = [
    pytest.param(
        edited(("after: [gather]", "after: [gathr]")),
        [(":21:13: ", "unknown stage 'gathr'")],
        id="unknown-stage-reference",
    ),
    pytest.param(
        edited(("    for_each: agencies\n", "    for_each: agencies\n    after: [decide]\n")),
        [("dependency cycle: gather -> decide -> gather",)],
        id="dependency-cycle",
    ),
    pytest.param(
        edited(
            append=textwrap.indent(
                "island:\n  title: Island\n  owner: business-manager\n  due: {in: 1 week}\n"
                "  decision:\n    options:\n      a: {label: A, then: [lagoon]}\n      b: {label: B}\n"
                "lagoon:\n  title: Lagoon\n  owner: business-manager\n  due: {in: 1 week}\n"
                "  decision:\n    options:\n      a: {label: A, then: [island]}\n      b: {label: B}\n",
                "  ",
            )
        ),
        [("dependency cycle",)],
        id="unreachable-stage",
    ),
    pytest.param(
        edited(
            append=(
                "triggers:\n"
                "  - event: something-happened\n"
                "    when:\n"
                "      any:\n"
                "        - {fact: nope, equals: true}\n"
                "        - {fact: notified_on, at_least: 3}\n"
            )
        ),
        [(":35:18: unknown fact 'nope'",), (":36:41: at_least compares numbers",)],
        id="trigger-condition-on-unknown-fact-and-wrong-type",
    ),
]


@pytest.mark.parametrize(("text", "groups"), SOME_PROBLEMS)
def test_each_mistake_is_reported_among_the_problems(tmp_path, minimal_config, text, groups):
    problems = problems_for(tmp_path, minimal_config, text)
    for fragments in groups:
        assert any(all(fragment in p for fragment in fragments) for p in problems), fragments


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
