"""validate on the language's newer parts: each mistake found, with its position, in words that say what to do."""

from __future__ import annotations

import pytest

BASE = """\
id: demo
title: Demo process
version: 1
calendar: partnership
reference: "DM-{year}-{seq:3}"
facts:
  raising_agency: {type: agency, required: true}
  notified_on: {type: date, required: true}
stages:
  panel:
    title: Panel
    owner: partnership-chair
    due: {in: 10 working days}
  papers:
    title: Papers
    owner: business-manager
    due: {before: 2 working days, from: "due:panel"}
  decide:
    title: Decide
    owner: dsp-local-authority
    after: [panel]
    due: {in: 5 working days, from: opened}
    decision:
      when_unresolved: escalate
      options:
        resolved: {label: Resolved}
        escalate: {label: Escalate, then: [review]}
  review:
    title: Review
    owner: agency-safeguarding-lead
    agency: raising_agency
    involves:
      - {role: agency-safeguarding-lead, agency: raising_agency}
    due: {by: 30 September, from: "fact:notified_on"}
    reminders: {at_share: [50%, 75%]}
"""


def test_the_newer_parts_written_well_are_valid(problems_in):
    assert problems_in({"demo.yaml": BASE}) == []


MISTAKES = [
    (
        "escalation on a stage that moves on by itself",
        (
            "    due: {in: 5 working days, from: opened}\n",
            "    due: {in: 5 working days, from: opened}\n"
            "    escalation: [{after: 1 working day, notify: business-manager}]\n",
        ),
        "moves on by itself at its deadline (when_unresolved), so it is never overdue and its escalation can never",
    ),
    (
        "overdue reminders on a stage that moves on by itself",
        (
            "    due: {in: 5 working days, from: opened}\n",
            "    due: {in: 5 working days, from: opened}\n    reminders: {overdue_every: 1 working day}\n",
        ),
        "overdue reminders can never be sent",
    ),
    (
        "round in a process that does not recur",
        ('from: "fact:notified_on"}', "from: round}"),
        "'round' is a recurring round's scheduled day: this process has no 'recurs'",
    ),
    (
        "counting back from the start",
        ('{before: 2 working days, from: "due:panel"}', "{before: 2 working days, from: start}"),
        "'before' counts back from a later moment",
    ),
    (
        "the deadline of a stage that may not be open yet",
        ('{before: 2 working days, from: "due:panel"}', '{before: 2 working days, from: "due:review"}'),
        "stage 'review' may not be open yet when 'papers' opens",
    ),
    (
        "a misspelt stage in a deadline anchor",
        ('from: "due:panel"', 'from: "due:pannel"'),
        "unknown stage 'pannel' (did you mean 'panel'?)",
    ),
    (
        "two ways of saying when",
        ("{by: 30 September,", "{in: 3 working days, by: 30 September,"),
        "exactly one of 'in', 'before' or 'by' (given: in, by)",
    ),
    ("a date that does not exist", ("{by: 30 September,", "{by: 31 September,"), "'31 September' is not a date"),
    ("a share of nothing", ("[50%, 75%]", "[0%, 75%]"), "between 0% and 100%"),
    (
        "an agency role involved without its agency",
        ("- {role: agency-safeguarding-lead, agency: raising_agency}", "- {role: agency-safeguarding-lead}"),
        "role 'agency-safeguarding-lead' is held per agency: add 'agency'",
    ),
    (
        "a partnership role involved at an agency",
        (
            "- {role: agency-safeguarding-lead, agency: raising_agency}",
            "- {role: business-manager, agency: raising_agency}",
        ),
        "role 'business-manager' is partnership-wide: remove 'agency'",
    ),
    (
        "a misspelt stage counting convention",
        ("    owner: partnership-chair\n", "    owner: partnership-chair\n    counting: same-days\n"),
        "counting",
    ),
]


@pytest.mark.parametrize(("mistake", "change", "expected"), MISTAKES, ids=[m[0] for m in MISTAKES])
def test_each_mistake_is_found_with_its_position(problems_in, mistake, change, expected):
    old, new = change
    assert old in BASE, mistake
    found = problems_in({"demo.yaml": BASE.replace(old, new, 1)})
    assert any(expected in problem for problem in found), found
    assert all(problem.startswith("demo.yaml:") and problem.split(":")[1].isdigit() for problem in found)
