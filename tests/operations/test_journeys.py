"""Every shipped process, end to end, driven only through the public operations with a set clock.

Each journey starts a case, ticks when reminders are due, lets a stage go overdue until the sweeper
escalates it, then finishes every open stage and task until the case closes with no timer left. The
dates asserted are worked out by hand from config/calendar.yaml: Christmas 2026 has Friday 25 December
and Monday 28 December (Boxing Day observed) as bank holidays, the partnership calendar closes Thursday
31 December, and 1 January 2027 is a bank holiday. Every test runs on SQLite and on PostgreSQL.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pytest
from journey_helpers import (
    AGENCIES,
    assert_closed_cleanly,
    assert_fired,
    at,
    case_facts,
    drive_to_close,
    due_of,
    escalation_levels,
    messages,
    stages_of,
)

from workflows.engine.commands import Command, Decide
from workflows.operations import cases
from workflows.operations.sweeper import tick

# -- one journey per shipped process ---------------------------------------------------------------------


@dataclass(frozen=True)
class Tick:
    at: str
    expect: dict[str, int]


@dataclass(frozen=True)
class Run:
    at: str
    command: Command


@dataclass(frozen=True)
class Due:
    """Due dates as reports.status shows them (London time, ISO)."""

    dates: dict[str, str]


@dataclass(frozen=True)
class Journey:
    process: str
    start: str
    facts: dict[str, Any]
    due: dict[str, str]  # the stages open at the start and their due dates
    steps: tuple[Tick | Run | Due, ...]
    escalations: set[tuple[str, str, str | None, int]]  # (stage, role told, agency, level) in the outbox
    choose: dict[str, str] = field(default_factory=dict)


# Working days after Friday 18 December 2026 on the partnership calendar:
# Mon 21 (1), Tue 22 (2), Wed 23 (3), Thu 24 (4), Tue 29 (5), Wed 30 (6), Mon 4 Jan (7), Tue 5 (8), ...
JOURNEYS = [
    Journey(
        "rapid-review",
        "2026-12-18T10:00",
        {"notification_date": date(2026, 12, 18), "agencies": AGENCIES, "child_name": "Jane Doe"},
        {"request-chronologies": "2026-12-21T23:59:00+00:00"},  # 1 working day
        (
            Tick("2026-12-21T09:30", {"reminder": 1, "due": 0, "escalation": 0}),  # due today
            Tick("2026-12-23T09:00", {"due": 1, "escalation": 1, "reminder": 1}),  # level 1: end of Tue 22
        ),
        {("request-chronologies", "partnership-chair", None, 1)},
    ),
    Journey(
        "cspr",
        "2027-01-11T10:00",
        {"decision_date": date(2027, 1, 11), "agencies": AGENCIES},
        {"commission-review": "2027-01-25T23:59:00+00:00"},  # 2 weeks
        (
            Tick("2027-01-19T10:00", {"reminder": 0}),
            Tick("2027-01-20T10:00", {"reminder": 1, "due": 0}),  # 3 working days before
            Tick("2027-01-28T10:00", {"due": 1, "escalation": 1, "reminder": 1}),  # end of Wed 27 Jan
        ),
        {("commission-review", "business-manager", None, 1)},
    ),
    Journey(
        "initial-child-protection-conference",
        "2026-12-18T10:00",
        {"strategy_discussion_date": date(2026, 12, 18), "agencies": AGENCIES},
        {"arrange-conference": "2026-12-23T23:59:00+00:00"},  # 3 working days
        (
            Tick("2026-12-23T09:30", {"reminder": 1}),
            # Level 1 at the end of Thu 24, level 2 at the end of Tue 29 (25 and 28 are bank holidays).
            Tick("2026-12-29T23:58", {"due": 1, "escalation": 1}),
            Tick("2026-12-30T10:00", {"due": 0, "escalation": 1}),
        ),
        {
            ("arrange-conference", "child-protection-chair", None, 1),
            ("arrange-conference", "head-of-safeguarding-local-authority", None, 2),
        },
        {"hold-conference": "child-protection-plan"},
    ),
    Journey(
        "joint-agency-response",
        "2026-12-18T03:10",
        {"death_datetime": at("2026-12-18T02:00"), "sudden_unexplained": True, "death_notification_id": "CD-9"},
        {
            "information-sharing-discussion": "2026-12-19T02:00:00+00:00",  # 24 hours
            "joint-home-visit": "2026-12-19T02:00:00+00:00",
            "social-care-checks": "2026-12-19T02:00:00+00:00",
            "notify-professionals": "2026-12-21T23:59:00+00:00",  # 1 working day
        },
        (
            Tick("2026-12-18T14:30", {"reminder": 3, "due": 0}),  # 12 hours before, three stages
            # Two hours overdue: the information-sharing discussion escalates; the others wait for 4 hours.
            Tick("2026-12-19T04:30", {"due": 3, "reminder": 3, "escalation": 1}),
        ),
        {("information-sharing-discussion", "designated-doctor-child-deaths", None, 1)},
    ),
    Journey(
        "lado-referral",
        "2026-12-18T10:00",
        {"employer_agency": "trentside-primary-academy", "allegation_known_at": at("2026-12-18T09:00")},
        {"tell-lado": "2026-12-21T23:59:00+00:00"},
        (
            Tick("2026-12-21T09:30", {"reminder": 1}),
            Tick("2026-12-24T10:00", {"due": 1, "escalation": 2, "reminder": 1}),
        ),
        {
            ("tell-lado", "lado", "trentside-primary-academy", 1),
            ("tell-lado", "business-manager", "trentside-primary-academy", 2),
        },
        {"initial-consideration": "threshold-met", "outcome": "unsubstantiated"},
    ),
    Journey(
        "multi-agency-case-audit",
        "2026-12-18T10:00",
        {},  # agencies from the directory
        {"choose-theme": "2026-12-29T23:59:00+00:00"},  # 5 working days from the start
        (
            Tick("2026-12-23T09:30", {"reminder": 1}),  # 2 working days before
            Tick("2027-01-05T10:00", {"due": 1, "escalation": 1, "reminder": 1}),  # end of Mon 4 Jan
        ),
        {("choose-theme", "business-manager", None, 1)},
    ),
    Journey(
        "partner-dispute",
        "2027-01-19T10:00",
        {"raised_by": "police", "subject": "data-sharing"},
        {"local-resolution": "2027-02-16T23:59:00+00:00"},  # 20 working days
        (
            Tick("2027-02-09T10:00", {"reminder": 1, "advance": 0}),  # 5 working days before
            Tick("2027-02-17T10:00", {"advance": 1, "due": 0, "escalation": 0}),  # unresolved: not-resolved
            Due({"stakeholder-views": "2027-03-02T23:59:00+00:00"}),  # 10 working days from the deadline, Tue 16 Feb
            Tick("2027-03-06T10:00", {"due": 1, "escalation": 1, "reminder": 1}),  # escalation at the end of Thu 4 Mar
        ),
        {("stakeholder-views", "partnership-chair", None, 1)},
    ),
    Journey(
        "professional-escalation",
        "2026-12-18T10:00",
        {"raising_agency": "university-hospitals-north-midlands", "receiving_agency": "stoke-on-trent-city-council"},
        {"stage-1": "2026-12-29T23:59:00+00:00"},
        (
            Tick("2026-12-23T09:30", {"reminder": 1}),
            Tick("2026-12-30T10:00", {"advance": 1, "due": 0}),
            Due({"stage-2": "2027-01-07T23:59:00+00:00"}),  # 5 working days from the deadline, Tue 29 Dec
            Run("2027-01-04T10:00", Decide("stage-2", "escalate")),
            Due({"stage-3": "2027-01-07T23:59:00+00:00"}),  # 3 working days from opening
            Run("2027-01-04T11:00", Decide("stage-3", "escalate")),
            Due({"stage-4": "2027-01-11T23:59:00+00:00"}),
            Run("2027-01-04T12:00", Decide("stage-4", "escalate")),
            Due({"stage-5": "2027-01-18T23:59:00+00:00"}),  # 10 working days from Mon 4 Jan
            Tick("2027-01-21T10:00", {"due": 1, "escalation": 1, "reminder": 1}),  # end of Wed 20 Jan
        ),
        {("stage-5", "dsp-local-authority", None, 1)},
    ),
    Journey(
        "return-home-interview",
        "2026-12-18T10:00",
        {"returned_at": at("2026-12-18T08:00"), "missing_episode_id": "MP-1"},
        {"offer-interview": "2026-12-21T08:00:00+00:00"},  # 72 hours
        (
            Tick("2026-12-19T09:00", {"reminder": 1}),  # 48 hours before
            Tick("2026-12-21T20:30", {"due": 1, "escalation": 1, "reminder": 1}),  # 12 hours overdue
        ),
        {("offer-interview", "missing-children-team-manager", None, 1)},
    ),
    Journey(
        "section-11-audit",
        "2026-12-18T10:00",
        {"grading_scheme": "red-amber-green"},
        {"launch": "2026-12-29T23:59:00+00:00"},
        (
            Tick("2026-12-23T09:30", {"reminder": 1}),
            Tick("2027-01-05T10:00", {"due": 1, "escalation": 1, "reminder": 1}),
        ),
        {("launch", "business-manager", None, 1)},
    ),
    Journey(
        "section-175-audit",
        "2026-12-18T10:00",
        {},
        {"open-audit": "2026-12-29T23:59:00+00:00", "returns-analysis": "2027-04-30T23:59:00+01:00"},  # 19 weeks
        (
            Tick("2026-12-23T09:30", {"reminder": 1}),
            Tick("2027-01-05T10:00", {"due": 1, "escalation": 1, "reminder": 1}),
        ),
        {("open-audit", "education-subgroup-chair", None, 1)},
    ),
    Journey(
        "serious-incident-notification",
        "2026-12-18T10:00",
        {"awareness_date": date(2026, 12, 18), "abuse_or_neglect_suspected": True, "agencies": AGENCIES},
        {
            "notify-panel": "2026-12-29T23:59:00+00:00",
            "inform-partners": "2026-12-29T23:59:00+00:00",
        },
        (
            Tick("2026-12-22T09:30", {"reminder": 1}),  # notify-panel 3 working days before
            Tick("2026-12-24T10:00", {"reminder": 2, "due": 0}),  # 1 and 2 working days before
            Tick("2027-01-04T10:00", {"due": 2, "escalation": 2, "reminder": 2}),  # level 1: end of Wed 30 Dec
        ),
        {("notify-panel", "dsp-local-authority", None, 1), ("inform-partners", "partnership-chair", None, 1)},
    ),
    Journey(
        "looked-after-child-death",
        "2026-12-18T10:00",
        {"awareness_date": date(2026, 12, 18), "child_died": True, "child_looked_after": True},
        {"notify-secretary-of-state-ofsted": "2026-12-29T23:59:00+00:00"},
        (
            Tick("2026-12-24T10:00", {"reminder": 1}),  # 1 working day before
            Tick("2027-01-04T10:00", {"due": 1, "escalation": 1, "reminder": 1}),  # level 1: end of Wed 30 Dec
        ),
        {("notify-secretary-of-state-ofsted", "dsp-local-authority", None, 1)},
    ),
    Journey(
        "yearly-report",
        "2026-12-18T10:00",
        {"reporting_year": "2025/26"},
        {"request-contributions": "2026-12-29T23:59:00+00:00"},
        (
            Tick("2026-12-23T09:30", {"reminder": 1}),
            Tick("2027-01-05T10:00", {"due": 1, "escalation": 1, "reminder": 1}),
        ),
        {("request-contributions", "business-manager", None, 1)},
    ),
]


def test_every_shipped_process_has_a_journey(shipped_runtime):
    assert sorted(j.process for j in JOURNEYS) == sorted(shipped_runtime.library.processes)


@pytest.mark.parametrize("journey", JOURNEYS, ids=[j.process for j in JOURNEYS])
def test_process_runs_end_to_end(shipped_runtime, set_clock, journey):
    runtime = shipped_runtime
    process = runtime.library.get(journey.process)
    # Other processes' rounds would open in the same ticks (from their scheduled day, catching up at once):
    # the counts below are this journey's own.
    for other in [pid for pid, p in runtime.library.processes.items() if p.recurs and pid != journey.process]:
        del runtime.library.processes[other]
    set_clock(journey.start)
    reference, new = cases.start(runtime, journey.process, journey.facts)
    assert new
    stages = stages_of(runtime, reference)
    assert {s: v["due"] for s, v in stages.items() if v["state"] == "open"} == journey.due
    for name, fact in process.facts.items():
        if fact.from_directory and name not in journey.facts:
            selection = fact.from_directory
            expected = runtime.config.directory.select_agencies(audit=selection.audit, kind=selection.kind)
            assert case_facts(runtime, reference)[name] == expected

    for step in journey.steps:
        if isinstance(step, Tick):
            set_clock(step.at)
            assert_fired(tick(runtime), step.expect)
        elif isinstance(step, Run):
            set_clock(step.at)
            cases.run(runtime, reference, step.command)
        else:
            assert due_of(runtime, reference, *step.dates) == step.dates

    # Each escalation went to the role on that step of the stage's ladder, copied to the stage's owner.
    rows = messages(runtime, reference, "escalation")
    assert {(row.stage, row.role, row.agency) for row in rows} == {(s, r, a) for s, r, a, _ in journey.escalations}
    assert len(rows) == len(journey.escalations)
    for stage, role, _, level in journey.escalations:
        assert process.stages[stage].escalation[level - 1].notify == role
    assert all(row.copy_role == process.stages[row.stage].owner for row in rows)
    top: dict[tuple[str, str | None], int] = {}
    for stage, _, _, level in journey.escalations:
        top[(stage, None)] = max(level, top.get((stage, None), 0))
    assert escalation_levels(runtime, reference) == top
    assert any(row.kind in ("reminder", "due-today", "overdue") for row in messages(runtime, reference))

    done = drive_to_close(runtime, reference, journey.choose)
    assert done
    assert_closed_cleanly(runtime, reference)
    assert tick(runtime).get("escalation", 0) == 0
