"""Only true and false are booleans. `yes`, `no`, `on` and `off`, in any case, where a boolean is expected are
refused with their position; as keys and where text is expected they are plain text."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

# `{name}` placeholders: the one under test gets the word, every other one a proper `true`.
TEMPLATE = """\
id: demo
title: Demo
version: 1
reference: "DM-{{seq}}"
facts:
  urgent: {{type: boolean, title: Urgent, required: {required}, sensitive: {sensitive}}}
  setting: {{type: choice, options: [home, school]}}
  note: {{type: text}}
stages:
  act:
    title: Act
    owner: business-manager
    due: {{in: 5 working days}}
    reminders: {{on_due_day: {on_due_day}}}
  decide:
    title: Decide
    owner: business-manager
    after: [act]
    due: {{in: 5 working days}}
    decision:
      options:
        more: {{label: More, starts: follow-on, facts: {{flag: {handed}, decided_on: decided}}}}
        done: {{label: Done}}
triggers:
  - event: something-happened
    when:
      all:
        - {{fact: urgent, equals: {equals}}}
        - {{fact: urgent, not_in: [{not_in}]}}
        - {{fact: note, is_set: {is_set}}}
recurs: {{every: 1 year, starting: 2026-04-01, facts: {{urgent: {recurs}}}}}
"""
POSITIONS = ("required", "sensitive", "on_due_day", "handed", "equals", "not_in", "is_set", "recurs")
FOLLOW_ON = """\
id: follow-on
title: Follow-on
version: 1
reference: "FO-{seq}"
facts:
  decided_on: {type: date, required: true}
  flag: {type: boolean}
stages:
  act: {title: Act, owner: business-manager, due: {in: 1 month, from: "fact:decided_on"}}
"""
MARKER = "WORD-UNDER-TEST"


def demo_with(position: str, word: str) -> tuple[str, tuple[int, int]]:
    """The demo text with `word` at `position`, and the line and column it is at."""
    marked = TEMPLATE.format(**{name: MARKER if name == position else "true" for name in POSITIONS})
    index = marked.index(MARKER)
    where = marked.count("\n", 0, index) + 1, index - marked.rfind("\n", 0, index)
    return marked.replace(MARKER, word), where


def any_case(words: tuple[str, ...]) -> st.SearchStrategy[str]:
    def recase(word: str, upper: list[bool]) -> str:
        return "".join(letter.upper() if up else letter for letter, up in zip(word, upper, strict=False))

    return st.builds(recase, st.sampled_from(words), st.lists(st.booleans(), min_size=3, max_size=3))


def test_every_proper_boolean_is_accepted(problems_in):
    text, _ = demo_with("required", "true")
    assert problems_in({"demo.yaml": text, "follow-on.yaml": FOLLOW_ON}) == []


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(word=any_case(("yes", "no", "on", "off")), position=st.sampled_from(POSITIONS))
def test_yes_no_on_off_in_any_case_where_a_boolean_is_expected_is_refused_where_it_stands(problems_in, word, position):
    text, (line, column) = demo_with(position, word)
    problems = problems_in({"demo.yaml": text, "follow-on.yaml": FOLLOW_ON})
    assert len(problems) == 1, problems
    assert problems[0].startswith(f"demo.yaml:{line}:{column}: ")
    assert problems[0].endswith(f"write true or false, not {word!r}")


def test_the_refusals_read_plainly(problems_in):
    for position, word, message in [
        ("required", "yes", "demo.yaml:6:52: required: write true or false, not 'yes'"),
        ("sensitive", "On", "demo.yaml:6:69: sensitive: write true or false, not 'On'"),
        ("on_due_day", "NO", "demo.yaml:14:29: on_due_day: write true or false, not 'NO'"),
        ("equals", "no", "demo.yaml:28:34: equals: write true or false, not 'no'"),
        ("handed", "off", "demo.yaml:22:62: flag: write true or false, not 'off'"),
        ("recurs", "Yes", "demo.yaml:31:63: urgent: write true or false, not 'Yes'"),
        ("required", '"true"', "demo.yaml:6:52: required: write true without quotes: only true and false are booleans"),
        ("is_set", "1", "demo.yaml:30:32: is_set: write true or false, not 1"),
    ]:
        text, _ = demo_with(position, word)
        assert problems_in({"demo.yaml": text, "follow-on.yaml": FOLLOW_ON}) == [message]


TEXT_TEMPLATE = """\
id: demo
title: {word}
version: 1
reference: "DM-{{seq}}"
facts:
  setting: {{type: choice, title: {word}, options: [{word}, other]}}
  note: {{type: text}}
pause:
  reasons: {{{lower}: {word}}}
stages:
  decide:
    title: {word}
    owner: business-manager
    asks: {word}
    due: {{in: 5 working days}}
    decision:
      options:
        {lower}: {{label: {word}}}
        other: {{label: Other}}
triggers:
  - event: something-happened
    when:
      any:
        - {{fact: setting, equals: {word}}}
        - {{fact: note, in: [{word}, {lower}]}}
"""


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(word=any_case(("yes", "no", "on", "off")))
def test_as_keys_and_where_text_is_expected_they_are_plain_text(problems_in, word):
    # Option and reason ids are names, so lower case; titles, labels, choice options and text values any case.
    text = TEXT_TEMPLATE.format(word=word, lower=word.lower())
    assert problems_in({"demo.yaml": text}) == []


def test_an_option_called_no_and_a_choice_option_called_on_stay_text(problems_in):
    text = TEXT_TEMPLATE.format(word="on", lower="no")
    assert problems_in({"demo.yaml": text}) == []
