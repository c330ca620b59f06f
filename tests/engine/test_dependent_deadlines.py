"""A deadline counted from another stage's deadline follows it (issue 20, item 5): papers due 3 working days before a
panel whose date moves are due 3 working days before the new date, with a "deadline moved" message and an audit
entry; `explain` names the anchor as it now stands. Whatever moves the anchor: an extension, a pause, a chain."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from panel_process import PANEL_PROCESS

from workflows.calendar.durations import parse_duration
from workflows.calendar.london import LONDON
from workflows.engine import Audit, Definition, Notify, Pause, Resume, apply, start_case
from workflows.engine.commands import Complete, Extend
from workflows.engine.parties import Actor
from workflows.engine.vocabulary import AuditAction, MessageKind

START = datetime(2026, 12, 14, 10, tzinfo=LONDON)  # Monday
APPROVER = Actor("bea@p.example", frozenset({("business-manager", None)}))


@pytest.fixture
def definition(load_processes, minimal_config) -> Definition:
    process = load_processes({"panel-papers.yaml": PANEL_PROCESS}).get("panel-papers")
    return Definition(process, minimal_config.timing_rules(process), "hash-panel")


def due(state, stage: str) -> date:
    return state.stages[stage].due_day


def extend_panel(definition, state, amount: str, at: datetime = START):
    extension = Extend("panel", parse_duration(amount), "chair ill", APPROVER.email, actor=APPROVER)
    return apply(definition, state, extension, at)


def test_papers_and_minutes_follow_an_extended_panel(definition):
    state, _ = start_case(definition, "PP-2026-001", {}, START)
    panel, papers, minutes = due(state, "panel"), due(state, "papers"), due(state, "minutes")
    calendar = definition.rules.calendar
    assert calendar.working_days_between(papers, panel) == 3
    assert calendar.working_days_between(papers, minutes) == 2

    state, effects = extend_panel(definition, state, "5 working days")
    assert calendar.working_days_between(panel, due(state, "panel")) == 5
    assert calendar.working_days_between(due(state, "papers"), due(state, "panel")) == 3  # still 3 days before
    assert calendar.working_days_between(due(state, "papers"), due(state, "minutes")) == 2  # the chain follows too
    moved = [n for n in effects if isinstance(n, Notify) and n.kind == MessageKind.DEADLINE_MOVED]
    assert {(n.stage, n.details["previous_due"][:10]) for n in moved} == {
        ("papers", papers.isoformat()),
        ("minutes", minutes.isoformat()),
    }
    entries = [a for a in effects if isinstance(a, Audit) and a.action == AuditAction.DEADLINE_MOVED]
    assert [entry.stage for entry in entries] == ["papers", "minutes"]
    assert f"was {papers.isoformat()}" in entries[0].detail and "Hold the panel moved" in entries[0].detail
    assert state.stages["papers"].anchor == "deadline of stage panel"
    assert state.stages["papers"].anchor_at.date() == due(state, "panel")  # what explain prints as the anchor


def test_a_dependent_keeps_its_own_extension_on_top_when_its_anchor_moves(definition):
    state, _ = start_case(definition, "PP-2026-001", {}, START)
    own = Extend("papers", parse_duration("1 working day"), "printer broke", APPROVER.email, actor=APPROVER)
    state, _ = apply(definition, state, own, START)
    papers_before = due(state, "papers")
    state, _ = extend_panel(definition, state, "4 working days")
    calendar = definition.rules.calendar
    assert calendar.working_days_between(papers_before, due(state, "papers")) == 4
    assert calendar.working_days_between(due(state, "papers"), due(state, "panel")) == 2  # 3 before, 1 extra


def test_after_a_pause_the_dependent_moves_once_with_its_anchor(definition):
    state, _ = start_case(definition, "PP-2026-001", {}, START)
    papers, panel = due(state, "papers"), due(state, "panel")
    state, _ = apply(definition, state, Pause("hold"), datetime(2026, 12, 15, 10, tzinfo=LONDON))
    state, effects = apply(definition, state, Resume(), datetime(2026, 12, 17, 10, tzinfo=LONDON))  # 2 working days
    calendar = definition.rules.calendar
    assert calendar.working_days_between(panel, due(state, "panel")) == 2
    assert calendar.working_days_between(papers, due(state, "papers")) == 2  # followed the panel, not moved twice
    assert calendar.working_days_between(due(state, "papers"), due(state, "panel")) == 3
    told = {(n.stage, n.kind) for n in effects if isinstance(n, Notify)}
    assert {("panel", "deadline-moved"), ("papers", "deadline-moved")} <= told


def test_a_dependent_already_done_keeps_its_deadline(definition):
    state, _ = start_case(definition, "PP-2026-001", {}, START)
    state, _ = apply(definition, state, Complete("papers"), START)
    papers = due(state, "papers")
    state, effects = extend_panel(definition, state, "5 working days")
    assert due(state, "papers") == papers
    assert not [n for n in effects if isinstance(n, Notify) and n.stage == "papers"]


@pytest.mark.parametrize("amount", ["1 working day", "3 working days", "10 working days"])
def test_the_gap_to_the_anchor_holds_for_any_extension(definition, amount):
    state, _ = start_case(definition, "PP-2026-001", {}, START)
    state, _ = extend_panel(definition, state, amount)
    state, _ = extend_panel(definition, state, "2 working days")
    calendar = definition.rules.calendar
    assert calendar.working_days_between(due(state, "papers"), due(state, "panel")) == 3
    assert calendar.working_days_between(due(state, "papers"), due(state, "minutes")) == 2
