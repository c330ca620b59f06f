"""The pure engine: every rule checked without a database, a clock or a mailbox."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from workflows.calendar.durations import parse_duration
from workflows.calendar.london import LONDON
from workflows.engine import (
    Audit,
    CancelTimer,
    CaseStatus,
    Complete,
    Decide,
    Definition,
    EngineError,
    Extend,
    FireTimer,
    ItemStatus,
    Notify,
    Pause,
    Reassign,
    Resume,
    SetTimer,
    Slot,
    StartLinkedCase,
    apply,
    start_case,
)
from workflows.engine.commands import Acknowledge, Cancel
from workflows.engine.effects import Readdress
from workflows.engine.parties import Actor, Audience, Party
from workflows.engine.state_codec import case_from_json, case_to_json


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(LONDON)


BEA = Actor("bea@p.example", frozenset({("business-manager", None)}))
CAL = Actor("cal@p.example", frozenset({("partnership-chair", None), ("dsp-local-authority", None)}))
START = at("2026-12-18T10:00:00+00:00")  # Friday before Christmas


@pytest.fixture
def started(definition):
    facts = {"notified_on": date(2026, 12, 18), "agencies": ["city-council", "police"], "child_name": "Secret Name"}
    return start_case(definition, "DM-2026-001", facts, START)


def of(effects, kind):
    return [effect for effect in effects if isinstance(effect, kind)]


def test_start_opens_first_stage_queues_its_task_and_sets_its_timer(started):
    state, effects = started
    assert state.status is CaseStatus.OPEN
    assert state.stages["request"].status is ItemStatus.OPEN
    assert state.stages["request"].due_day == date(2026, 12, 21)
    assert state.stages["gather"].status is ItemStatus.WAITING
    (notice,) = of(effects, Notify)
    assert (notice.kind, notice.stage, notice.role) == ("task-assigned", "request", "business-manager")
    assert of(effects, SetTimer) == [SetTimer(Slot("request"), at("2026-12-21T23:59:59+00:00"))]
    assert [a.action for a in of(effects, Audit)] == ["case-started", "stage-opened"]


def test_no_effect_carries_a_sensitive_fact(started):
    _, effects = started
    assert "Secret Name" not in repr(effects)


def test_the_input_state_is_never_changed(definition, started):
    state, _ = started
    before = case_to_json(state)
    apply(definition, state, Complete("request", by=BEA.email, actor=BEA), START)
    assert case_to_json(state) == before


def test_state_round_trips_through_json(definition, started):
    state, _ = started
    state, _ = apply(definition, state, Complete("request"), at("2026-12-21T12:00:00+00:00"))
    assert case_from_json(case_to_json(state)) == state


def test_completing_opens_the_fan_out_one_task_per_agency(definition, started):
    state, _ = started
    state, effects = apply(definition, state, Complete("request", by=BEA.email, actor=BEA), at("2026-12-21T12:00:00Z"))
    gather = state.stages["gather"]
    assert set(gather.tasks) == {"city-council", "police"}
    notices = of(effects, Notify)
    assert {(n.task, n.agency, n.role) for n in notices} == {
        ("city-council", "city-council", "agency-safeguarding-lead"),
        ("police", "police", "agency-safeguarding-lead"),
    }
    # The first moment of each task is the "2 working days before" reminder: Mon 4 Jan 2027 at 09:00.
    assert {(t.slot.task, t.at) for t in of(effects, SetTimer)} == {
        ("city-council", at("2027-01-04T09:00:00Z")),
        ("police", at("2027-01-04T09:00:00Z")),
    }


def run_timers(definition, state, effects, until):
    """Fire every timer in time order up to `until`, as repeated sweeps would."""
    timers = {e.slot: e.at for e in effects if isinstance(e, SetTimer)}
    collected = list(effects)
    while True:
        due = sorted((when, slot) for slot, when in timers.items() if when <= until)
        if not due:
            return state, collected
        when, slot = due[0]
        del timers[slot]
        state, effects = apply(definition, state, FireTimer(slot), when)
        collected += effects
        for effect in effects:
            if isinstance(effect, SetTimer):
                timers[effect.slot] = effect.at
            elif isinstance(effect, CancelTimer):
                timers.pop(effect.slot, None)


def test_reminders_overdue_notices_and_escalations_fire_in_order(definition, started):
    state, _ = started
    state, opened = apply(definition, state, Complete("request"), at("2026-12-21T12:00:00Z"))
    state, effects = apply(definition, state, Complete("gather", task="police"), at("2026-12-22T12:00:00Z"))
    state, collected = run_timers(definition, state, opened + effects, at("2027-01-12T12:00:00Z"))
    council = [(n.kind, n.role, n.due_at) for n in of(collected, Notify) if n.task == "city-council"]
    kinds = [kind for kind, _, _ in council]
    assert kinds == [
        "task-assigned",
        "reminder",
        "due-today",
        "overdue",
        "escalation",
        "overdue",
        "overdue",
        "escalation",
        "overdue",
    ]
    assert [role for kind, role, _ in council if kind == "escalation"] == ["business-manager", "dsp-local-authority"]
    assert state.stages["gather"].tasks["city-council"].escalation_level == 2
    assert not [n for n in of(collected, Notify) if n.task == "police" and n.kind != "task-assigned"]


def test_a_late_sweep_sends_only_the_latest_reminder_but_every_escalation(definition, started):
    state, _ = started
    state, effects = apply(definition, state, Complete("request"), at("2026-12-21T12:00:00Z"))
    # The sweeper was down until 12 January: one overdue notice, both escalation steps.
    state, effects = apply(definition, state, FireTimer(Slot("gather", "police")), at("2027-01-12T12:00:00Z"))
    assert [n.kind for n in of(effects, Notify)] == ["overdue", "escalation", "escalation"]


def test_completing_every_task_finishes_the_stage_and_opens_the_next(definition, started):
    state, _ = started
    state, _ = apply(definition, state, Complete("request"), at("2026-12-21T12:00:00Z"))
    state, _ = apply(definition, state, Complete("gather", task="police"), at("2026-12-22T12:00:00Z"))
    assert state.stages["gather"].status is ItemStatus.OPEN
    state, effects = apply(definition, state, Complete("gather", task="city-council"), at("2026-12-23T12:00:00Z"))
    assert state.stages["gather"].status is ItemStatus.DONE
    assert state.stages["decide"].status is ItemStatus.OPEN
    assert state.stages["decide"].due_day == date(2027, 1, 4)  # 5 working days from 23 Dec: 24, 29, 30, 31 Dec, 4 Jan
    assert [n.kind for n in of(effects, Notify)] == ["decision-needed"]


def decided_case(definition, started):
    state, _ = started
    state, _ = apply(definition, state, Complete("request"), at("2026-12-21T12:00:00Z"))
    state, _ = apply(definition, state, Complete("gather", task="police"), at("2026-12-22T12:00:00Z"))
    state, _ = apply(definition, state, Complete("gather", task="city-council"), at("2026-12-23T12:00:00Z"))
    return state


def test_decision_with_no_further_stage_closes_the_case(definition, started):
    state = decided_case(definition, started)
    deciding = Decide("decide", "resolved", by=CAL.email, actor=CAL)
    state, effects = apply(definition, state, deciding, at("2027-01-04T12:00Z"))
    assert state.status is CaseStatus.CLOSED
    assert state.stages["chair-review"].status is ItemStatus.SKIPPED
    assert [n.kind for n in of(effects, Notify)] == ["case-closed"]


def test_decision_option_opens_its_stage(definition, started):
    state = decided_case(definition, started)
    state, _ = apply(definition, state, Decide("decide", "escalate"), at("2027-01-04T12:00Z"))
    assert state.stages["chair-review"].status is ItemStatus.OPEN
    assert state.stages["chair-review"].due_day == date(2027, 1, 6)  # 2 working days from when it opened


def test_unresolved_decision_moves_on_by_itself_at_its_deadline(definition, started):
    state = decided_case(definition, started)
    state, _ = apply(definition, state, FireTimer(Slot("decide")), at("2027-01-04T23:59:59Z"))
    assert state.stages["decide"].decision == "escalate"
    assert state.stages["decide"].decided_automatically
    assert state.stages["chair-review"].status is ItemStatus.OPEN


def test_pause_stops_timers_and_resume_moves_deadlines_by_the_paused_working_days(definition, started):
    state = decided_case(definition, started)  # decide due Mon 4 Jan 2027
    state, effects = apply(definition, state, Pause("criminal-proceedings"), at("2026-12-24T10:00Z"))
    assert state.status is CaseStatus.PAUSED
    assert of(effects, CancelTimer) == [CancelTimer(Slot("decide"))]
    with pytest.raises(EngineError, match="paused"):
        apply(definition, state, Decide("decide", "resolved"), at("2026-12-30T10:00Z"))
    # Paused from Thu 24 Dec to Tue 12 Jan: working days 29, 30, 31 Dec, 4, 5, 6, 7, 8, 11, 12 Jan = 10.
    state, effects = apply(definition, state, Resume(), at("2027-01-12T10:00Z"))
    assert state.status is CaseStatus.OPEN
    decide = state.stages["decide"]
    assert decide.due_day == date(2027, 1, 18)  # 4 Jan + 10 working days
    assert decide.shifts[-1].kind == "pause" and decide.shifts[-1].amount == "10 working days"
    assert of(effects, SetTimer)  # the clock runs again


def test_pause_reason_must_be_allowed(definition, started):
    state, _ = started
    with pytest.raises(EngineError, match="criminal-proceedings"):
        apply(definition, state, Pause("holiday"), START)


def test_extension_needs_the_approver_role_and_moves_the_deadline(definition, started):
    state, _ = started
    amount = parse_duration("3 working days")
    with pytest.raises(EngineError, match="partnership-chair"):
        apply(definition, state, Extend("request", amount, "sickness", BEA.email, actor=BEA), START)
    state, effects = apply(definition, state, Extend("request", amount, "sickness", CAL.email, actor=CAL), START)
    assert state.stages["request"].due_day == date(2026, 12, 24)
    assert state.stages["request"].due_version == 1
    assert [n.kind for n in of(effects, Notify)] == ["extension-approved"]


def test_reassign_puts_a_person_in_place_of_the_role(definition, started):
    state, _ = started
    state, effects = apply(definition, state, Reassign("request", "deputy@p.example", "leave"), START)
    (notice,) = of(effects, Notify)
    assert notice.audience == Audience((Party(person="deputy@p.example"),))
    (handed_over,) = of(effects, Readdress)  # what was waiting for the role goes to the deputy instead
    assert (handed_over.replaced, handed_over.to) == ((Party("business-manager"),), (Party(person="deputy@p.example"),))


def test_cancel_ends_everything(definition, started):
    state, _ = started
    state, effects = apply(definition, state, Cancel("opened in error"), START)
    assert state.status is CaseStatus.CANCELLED
    assert all(stage.status is ItemStatus.CANCELLED for stage in state.stages.values())
    assert of(effects, CancelTimer) == [CancelTimer(Slot("request"))]
    with pytest.raises(EngineError, match="already cancelled"):
        apply(definition, state, Cancel("again"), START)


@pytest.mark.parametrize(
    ("command", "message"),
    [
        (Complete("nope"), "has no stage 'nope'"),
        (Complete("gather"), "not open yet"),
        (Complete("request", task="police"), "has no tasks"),
        (Decide("request", "x"), "has no decision"),
        (Acknowledge("request"), "has not been escalated"),
    ],
)
def test_bad_commands_are_refused_with_a_reason(definition, started, command, message):
    state, _ = started
    with pytest.raises(EngineError, match=message):
        apply(definition, state, command, START)


def test_missing_required_fact_is_refused(definition):
    with pytest.raises(EngineError, match="needs the fact notified_on"):
        start_case(definition, "DM-2026-002", {}, START)


def test_stale_timer_is_cancelled(definition, started):
    state, _ = started
    state, _ = apply(definition, state, Complete("request"), START)
    state, effects = apply(definition, state, FireTimer(Slot("request")), at("2026-12-21T23:59:59Z"))
    assert effects == [CancelTimer(Slot("request"))]


CHILD = """\
id: follow-on
title: Follow-on
version: 1
reference: "FO-{seq}"
facts:
  decided_on: {type: date, required: true}
  origin: {type: text}
  child_name: {type: text, sensitive: true}
stages:
  act: {title: Act, owner: business-manager, due: {in: 1 month, from: "fact:decided_on"}}
"""


def test_decision_option_starts_a_linked_case_with_its_facts(demo_text, load_processes, minimal_config):
    demo = demo_text.replace(
        "resolved: {label: Resolved}",
        "resolved: {label: Resolved, starts: follow-on, facts: {decided_on: decided, origin: reference,"
        ' child_name: "fact:child_name"}}',
    )
    process = load_processes({"demo.yaml": demo, "follow-on.yaml": CHILD}).get("demo")
    definition = Definition(process, minimal_config.timing_rules(process), "h")
    facts = {"notified_on": date(2026, 12, 18), "agencies": ["police"], "child_name": "Secret Name"}
    state, _ = start_case(definition, "DM-2026-009", facts, START)
    state, _ = apply(definition, state, Complete("request"), START)
    state, _ = apply(definition, state, Complete("gather", task="police"), START)
    state, effects = apply(definition, state, Decide("decide", "resolved"), at("2027-01-04T12:00:00Z"))
    (linked,) = of(effects, StartLinkedCase)
    assert linked.process_id == "follow-on"
    assert linked.parent_reference == "DM-2026-009"
    assert linked.facts == {"decided_on": date(2027, 1, 4), "origin": "DM-2026-009", "child_name": "Secret Name"}
    assert linked.business_key == "DM-2026-009/decide/resolved"


def test_a_late_sweep_advances_as_of_the_deadline_not_as_of_the_sweep(definition, started):
    state = decided_case(definition, started)  # decide due Mon 4 Jan 2027 23:59:59
    state, _ = apply(definition, state, FireTimer(Slot("decide")), at("2027-01-05T00:00:40Z"))
    chair = state.stages["chair-review"]
    assert chair.opened_at == at("2027-01-04T23:59:59Z")
    assert chair.due_day == date(2027, 1, 6)  # 2 working days from 4 Jan, not from 5 Jan


def test_a_task_already_done_cannot_be_reassigned(definition, started):
    state, _ = started
    state, _ = apply(definition, state, Complete("request", by=BEA.email, actor=BEA), START)
    lead = Actor("lee@p.example", frozenset({("agency-safeguarding-lead", "police")}))
    state, _ = apply(definition, state, Complete("gather", "police", lead.email, actor=lead), START)
    with pytest.raises(EngineError, match="task 'police' of stage 'gather' is already done"):
        apply(definition, state, Reassign("gather", "locum@p.example", "leave", "police"), START)
