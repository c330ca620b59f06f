"""The projected timeline: stage order, dates, reminders, escalations and escalation-policy advances."""

from __future__ import annotations

from datetime import date, datetime

from workflows.calendar.london import LONDON
from workflows.engine.schedule.simulation import simulate, start_moment


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(LONDON)


def run(demo, start: date, **kwargs):
    process, rules = demo
    return simulate(process, rules, start_moment(start, rules), {"notified_on": start}, **kwargs)


def test_on_time_run_opens_stages_in_order_with_due_dates_from_the_calendar(demo):
    # Friday 18 Dec 2026: Christmas Day and Boxing Day (observed 28 Dec) are skipped.
    events = run(demo, date(2026, 12, 18)).events
    dues = [(e.stage, e.at) for e in events if e.kind == "due"]
    assert dues == [
        ("request", at("2026-12-21T23:59:59+00:00")),
        ("gather", at("2027-01-06T23:59:59+00:00")),  # 10 working days: 21,22,23,24,29,30,31 Dec, 4,5,6 Jan
        ("decide", at("2027-01-13T23:59:59+00:00")),  # 5 working days after gather finished
    ]
    assert [e.kind for e in events if e.stage is None] == ["start"]
    assert not [e for e in events if e.kind == "escalation"]
    assert "chair-review" not in {e.stage for e in events}  # the first option, resolved, was taken


def test_reminders_before_and_on_the_due_day_go_to_the_owner_at_the_start_of_the_day(demo):
    events = run(demo, date(2026, 12, 18)).events
    reminders = [(e.at, e.to) for e in events if e.kind == "reminder" and e.stage == "gather"]
    assert reminders == [
        (at("2027-01-04T09:00:00+00:00"), "agency-safeguarding-lead"),  # 2 working days before 6 Jan
        (at("2027-01-06T09:00:00+00:00"), "agency-safeguarding-lead"),
    ]


def test_late_stage_fires_overdue_reminders_and_the_escalation_ladder(demo):
    events = run(demo, date(2026, 12, 18), late={"gather": 4}).events
    gather = [(e.kind, e.at, e.to) for e in events if e.stage == "gather" and e.at > at("2027-01-06T23:59:59Z")]
    assert gather == [
        ("reminder", at("2027-01-07T09:00:00Z"), "agency-safeguarding-lead"),
        ("escalation", at("2027-01-07T23:59:59Z"), "business-manager"),
        ("reminder", at("2027-01-08T09:00:00Z"), "agency-safeguarding-lead"),
        ("reminder", at("2027-01-11T09:00:00Z"), "agency-safeguarding-lead"),
        ("escalation", at("2027-01-11T23:59:59Z"), "dsp-local-authority"),
        ("reminder", at("2027-01-12T09:00:00Z"), "agency-safeguarding-lead"),
    ]
    decide_due = next(e.at for e in events if e.kind == "due" and e.stage == "decide")
    assert decide_due == at("2027-01-19T23:59:59Z")  # 5 working days after the late completion on 12 Jan


def test_unresolved_decision_advances_by_itself_at_its_deadline(demo):
    projection = run(demo, date(2026, 12, 18), late={"decide": 1})
    advance = [e for e in projection.events if e.kind == "escalation" and e.stage == "decide"]
    assert [(e.at, e.to) for e in advance] == [(at("2027-01-13T23:59:59Z"), "partnership-chair")]
    assert projection.decisions["decide"] == "escalate"
    chair_due = next(e.at for e in projection.events if e.kind == "due" and e.stage == "chair-review")
    assert chair_due == at("2027-01-15T23:59:59Z")  # 2 working days from when it opened


def test_chosen_option_opens_its_stage(demo):
    projection = run(demo, date(2026, 12, 18), choices={"decide": "escalate"})
    opened = [e.stage for e in projection.events if e.kind == "start"]
    assert opened == [None, "request", "gather", "decide", "chair-review"]


def test_events_are_sorted_by_time(demo):
    events = run(demo, date(2027, 3, 1), late={"gather": 6, "decide": 2}).events
    assert [e.at for e in events] == sorted(e.at for e in events)


def test_missing_date_facts_are_assumed_to_be_the_start_date(demo):
    process, rules = demo
    projection = simulate(process, rules, start_moment(date(2027, 3, 1), rules), {})
    assert projection.assumed == {"notified_on": date(2027, 3, 1)}
