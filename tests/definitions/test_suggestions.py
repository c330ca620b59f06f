"""A misspelt role, stage, fact, process, option, calendar or key gets "did you mean ...?" with the nearest names."""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from workflows.config.loader import load_config
from workflows.definitions.fields import KEBAB, SNAKE
from workflows.definitions.parsing import parse_definition
from workflows.yamlsource import close_names, did_you_mean, load_located

REPO = Path(__file__).resolve().parents[2]
SHIPPED_CONFIG = load_config(REPO / "config")
SHIPPED = {path.stem: load_located(path).data for path in sorted((REPO / "processes").glob("*.yaml"))}


def references(process_id: str, data: dict[str, Any]) -> Iterator[tuple[str, tuple, str, str]]:
    """(process, path to the value, kind, name) for every role, stage and fact a shipped process refers to."""
    for stage_id, stage in data["stages"].items():
        yield process_id, ("stages", stage_id, "owner"), "role", stage["owner"]
        for index, step in enumerate(stage.get("escalation", [])):
            yield process_id, ("stages", stage_id, "escalation", index, "notify"), "role", step["notify"]
        for index, before in enumerate(stage.get("after", [])):
            yield process_id, ("stages", stage_id, "after", index), "stage", before
        if stage.get("for_each"):
            yield process_id, ("stages", stage_id, "for_each"), "fact", stage["for_each"]
        anchor = stage["due"].get("from", "start")
        if anchor.startswith("fact:"):
            yield process_id, ("stages", stage_id, "due", "from"), "fact", anchor


REFERENCES = [reference for process_id, data in SHIPPED.items() for reference in references(process_id, data)]


def known_names(kind: str, data: dict[str, Any]) -> set[str]:
    return {"role": set(SHIPPED_CONFIG.directory.roles), "stage": set(data["stages"]), "fact": set(data["facts"])}[kind]


def one_edit(name: str, at: int, letter: str, how: str) -> str:
    at %= len(name) + (how == "insert")
    if how == "delete":
        return name[:at] + name[at + 1 :]
    if how == "insert":
        return name[:at] + letter + name[at:]
    return name[:at] + letter + name[at + 1 :]


def check_one(data: dict[str, Any]) -> list[str]:
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "draft.yaml"
        path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
        return [problem.message for problem in parse_definition(path, SHIPPED_CONFIG, named=False).problems]


@settings(max_examples=80, deadline=None)
@given(
    reference=st.sampled_from(REFERENCES),
    at=st.integers(min_value=0, max_value=40),
    letter=st.sampled_from("abcdefghijklmnopqrstuvwxyz"),
    how=st.sampled_from(["delete", "insert", "substitute"]),
)
def test_a_reference_misspelt_by_one_edit_is_told_the_name_it_meant(reference, at, letter, how):
    process_id, path, kind, written = reference
    intended = written.removeprefix("fact:")
    misspelt = one_edit(intended, at, letter, how)
    data = SHIPPED[process_id]
    pattern = SNAKE if kind == "fact" else KEBAB
    if misspelt in known_names(kind, data) or len(intended) < 4 or not re.fullmatch(pattern, misspelt):
        return  # still a known name, too short to guess from, or no longer a name at all
    broken = yaml.safe_load(yaml.safe_dump(data))
    container = broken
    for part in path[:-1]:
        container = container[part]
    container[path[-1]] = f"fact:{misspelt}" if written.startswith("fact:") else misspelt
    messages = check_one(broken)
    (message,) = [m for m in messages if m.startswith(f"unknown {kind} {misspelt!r}")]
    assert "did you mean" in message and repr(intended) in message.split("did you mean")[1]


def test_close_names_are_the_nearest_three_at_most_and_none_when_nothing_is_close():
    known = ["panel-meeting", "panel-meetings", "panel-review", "send-to-panel", "dsp-decision"]
    assert close_names("panel-meetin", known) == ["panel-meeting", "panel-meetings", "panel-review"]
    assert close_names("colour", known) == []
    assert did_you_mean("dsp-decison", known) == " (did you mean 'dsp-decision'?)"
    assert did_you_mean("panel-meetin", known[:2]) == " (did you mean 'panel-meeting' or 'panel-meetings'?)"
    assert did_you_mean("colour", known) == ""


BASE = """\
id: demo
title: Demo process
version: 1
calendar: partnership
reference: "DM-{year}-{seq:3}"
facts:
  notified_on: {type: date, required: true}
  setting: {type: choice, options: [home, school, hospital]}
stages:
  gather:
    title: Gather returns
    owner: business-manager
    due: {in: 10 working days, from: "fact:notified_on"}
    reminders: {on_due_day: true}
  decide:
    title: Decide
    owner: dsp-local-authority
    after: [gather]
    due: {in: 5 working days, from: opened}
    decision:
      when_unresolved: escalate
      options:
        escalate: {label: Escalate}
        resolved: {label: Resolved}
triggers:
  - event: something-happened
    when: {fact: setting, equals: home}
"""


def position_of(marker: str, text: str) -> str:
    index = text.index(marker)
    return f"{text.count(chr(10), 0, index) + 1}:{index - text.rfind(chr(10), 0, index)}"


@pytest.mark.parametrize(
    ("before", "after", "at", "message"),
    [
        ("reminders: {on", "reminder: {on", "reminder:", "unknown key 'reminder' (did you mean 'reminders'?)"),
        (
            "owner: dsp-local-authority",
            "owner: dsp-local-authorty",
            "dsp-local-authorty",
            "unknown role 'dsp-local-authorty' (did you mean 'dsp-local-authority'?)",
        ),
        ("after: [gather]", "after: [gahter]", "gahter", "unknown stage 'gahter' (did you mean 'gather'?)"),
        (
            "fact:notified_on",
            "fact:notifed_on",
            '"fact:notifed_on"',
            "unknown fact 'notifed_on' (did you mean 'notified_on'?)",
        ),
        (
            "calendar: partnership",
            "calendar: partnershp",
            "partnershp",
            "unknown calendar 'partnershp' (did you mean 'partnership'?)",
        ),
        (
            "when_unresolved: escalate",
            "when_unresolved: escalte",
            "when_unresolved: escalte",
            "decision: when_unresolved names 'escalte', which is not one of the options (did you mean 'escalate'?)",
        ),
        (
            "equals: home}",
            "equals: hom}",
            "hom}",
            "'hom' can never be a value of 'setting' (choice) (did you mean 'home'?)",
        ),
        (
            "type: choice",
            "type: choise",
            "choise",
            "type: 'choise' is not one of 'text', 'number', 'boolean', 'date', 'datetime', 'choice', 'agency' or "
            "'agency-list' (did you mean 'choice'?)",
        ),
        (
            "owner: dsp-local-authority",
            "owner: head-of-everything",
            "head-of-everything",
            "unknown role 'head-of-everything': add it to config/roles.yaml or use one of agency-safeguarding-lead, "
            "business-manager, dsp-local-authority, partnership-chair",
        ),
    ],
)
def test_each_kind_of_misspelling_reads_plainly(problems_in, before, after, at, message):
    assert BASE.count(before) == 1
    text = BASE.replace(before, after)
    assert problems_in({"demo.yaml": text}) == [f"demo.yaml:{position_of(at, text)}: {message}"]


def test_a_misspelt_process_to_start_is_told_the_nearest(problems_in):
    text = BASE.replace("escalate: {label: Escalate}", "escalate: {label: Escalate, starts: follow-onn}")
    other = BASE.replace("id: demo", "id: follow-on")
    problems = problems_in({"demo.yaml": text, "follow-on.yaml": other})
    where = position_of("follow-onn", text)
    assert problems == [f"demo.yaml:{where}: starts unknown process 'follow-onn' (did you mean 'follow-on'?)"]
