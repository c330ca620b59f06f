"""Every shipped process, end to end, driven only through the public operations with a set clock.

Each journey starts a case, ticks when reminders are due, lets a stage go overdue until the sweeper
escalates it, then finishes every open stage and task until the case closes with no timer left. The
dates asserted are worked out by hand from config/calendar.yaml: Christmas 2026 has Friday 25 December
and Monday 28 December (Boxing Day observed) as bank holidays, the partnership calendar closes Thursday
31 December, and 1 January 2027 is a bank holiday. Every test runs on SQLite and on PostgreSQL.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import pytest
from sqlalchemy import func, select

from workflows.calendar.london import to_london
from workflows.engine.commands import Cancel, Command, Complete, Decide, Pause, Resume
from workflows.operations import cases, reports
from workflows.operations.errors import InvalidInput, OperationError
from workflows.operations.sweeper import tick
from workflows.store.cases import load_case
from workflows.store.schema import cases as case_table
from workflows.store.schema import outbox, timers

AGENCIES = ["stoke-on-trent-city-council", "staffordshire-police"]


def at(text: str) -> datetime:
    """An aware datetime (for datetime facts); a naive text is London wall time."""
    return to_london(datetime.fromisoformat(text))


# -- reading the store -------------------------------------------------------------------------------------


def case_id(runtime, reference: str) -> int:
    with runtime.db.connect() as connection:
        return connection.execute(select(case_table.c.id).where(case_table.c.reference == reference)).scalar_one()


def case_facts(runtime, reference: str) -> dict[str, Any]:
    with runtime.db.connect() as connection:
        stored = load_case(connection, reference)
    assert stored is not None
    return stored.state.facts


def timers_of(runtime, reference: str) -> int:
    with runtime.db.connect() as connection:
        query = select(func.count()).select_from(timers).where(timers.c.case_id == case_id(runtime, reference))
        return connection.execute(query).scalar_one()


def messages(runtime, reference: str, kind: str | None = None) -> list[Any]:
    query = select(outbox).where(outbox.c.case_id == case_id(runtime, reference)).order_by(outbox.c.id)
    if kind:
        query = query.where(outbox.c.kind == kind)
    with runtime.db.connect() as connection:
        return list(connection.execute(query))


def references_of(runtime, process_id: str) -> list[str]:
    query = select(case_table.c.reference).where(case_table.c.process_id == process_id).order_by(case_table.c.id)
    with runtime.db.connect() as connection:
        return list(connection.execute(query).scalars())


def stages_of(runtime, reference: str) -> dict[str, dict[str, Any]]:
    return {stage["id"]: stage for stage in reports.status(runtime, reference)["stages"]}


def due_of(runtime, reference: str, *stage_ids: str) -> dict[str, str | None]:
    stages = stages_of(runtime, reference)
    return {stage_id: stages[stage_id]["due"] for stage_id in stage_ids}


def escalation_levels(runtime, reference: str) -> dict[tuple[str, str | None], int]:
    """Escalated open items of one case, from the overdue report."""
    listed = reports.overdue(runtime)
    return {(i.stage, i.task): i.escalation_level for i in listed if i.reference == reference and i.escalation_level}


def listed_overdue(runtime, reference: str) -> list[Any]:
    return [item for item in reports.overdue(runtime) if item.reference == reference]


def assert_fired(fired: Counter[str], expected: dict[str, int]) -> None:
    """Only the kinds named are checked: rounds of recurring processes may start in the same tick."""
    assert {kind: fired.get(kind, 0) for kind in expected} == expected, dict(fired)


# -- driving a case --------------------------------------------------------------------------------------


def default_option(stage) -> str:
    """An option that starts no other case; one that opens further stages when there is one."""
    own = [(name, option) for name, option in stage.decision.options.items() if not option.starts]
    return next((name for name, option in own if option.then), own[0][0])


def drive_to_close(runtime, reference: str, choose: dict[str, str] | None = None) -> list[str]:
    """Complete or decide every open stage and task, in turn, until the case is no longer open."""
    choose = choose or {}
    process = runtime.library.get(reports.status(runtime, reference)["process"])
    done: list[str] = []
    for _ in range(2 * len(process.stages)):
        view = reports.status(runtime, reference)
        if view["state"] != "open":
            break
        for stage in view["stages"]:
            if stage["state"] != "open":
                continue
            definition = process.stages[stage["id"]]
            if definition.decision:
                option = choose.get(stage["id"]) or default_option(definition)
                cases.run(runtime, reference, Decide(stage["id"], option, by="e2e@partnership.example"))
            elif stage["tasks"]:
                for task in stage["tasks"]:
                    if task["state"] == "open":
                        cases.run(runtime, reference, Complete(stage["id"], task=task["item"]))
            else:
                cases.run(runtime, reference, Complete(stage["id"], note="done"))
            done.append(stage["id"])
    return done


def assert_closed_cleanly(runtime, reference: str) -> None:
    view = reports.status(runtime, reference)
    assert view["state"] == "closed"
    assert {stage["state"] for stage in view["stages"]} <= {"done", "skipped"}
    assert all(task["state"] == "done" for stage in view["stages"] for task in stage["tasks"])
    assert timers_of(runtime, reference) == 0
    assert [row.kind for row in messages(runtime, reference, "case-closed")] == ["case-closed"]
    assert listed_overdue(runtime, reference) == []
    assert reports.history(runtime, reference)[-1]["action"] == "case-closed"


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


# -- rapid review -> CSPR --------------------------------------------------------------------------------


def test_rapid_review_cspr_decision_starts_a_linked_cspr(shipped_runtime, set_clock):
    runtime = shipped_runtime
    set_clock("2026-12-18T10:00")
    reference, _ = cases.start(
        runtime,
        "rapid-review",
        {"notification_date": date(2026, 12, 18), "agencies": AGENCIES, "child_name": "Jane Doe"},
    )
    set_clock("2027-01-12T11:00")
    drive_to_close(runtime, reference, {"dsp-decision": "cspr"})
    assert reports.status(runtime, reference)["state"] == "closed"  # send-to-panel was completed too
    with runtime.db.connect() as connection:
        children = connection.execute(
            select(case_table.c.reference, case_table.c.process_id, case_table.c.status).where(
                case_table.c.parent_reference == reference
            )
        ).all()
    assert [(c.process_id, c.status) for c in children] == [("cspr", "open")]
    child = children[0].reference
    facts = case_facts(runtime, child)
    assert facts["decision_date"] == date(2027, 1, 12)
    assert facts["rapid_review_reference"] == reference
    assert facts["agencies"] == AGENCIES
    assert due_of(runtime, child, "commission-review") == {"commission-review": "2027-01-26T23:59:00+00:00"}
    assert "anchor: fact decision_date = 2027-01-12T00:00:00+00:00" in reports.explain(
        runtime, child, "commission-review"
    )
    assert any(
        entry["action"] == "linked-case" and child in entry["detail"] for entry in reports.history(runtime, reference)
    )
    # The child runs on its own: publication 6 months after the decision, Monday 12 July 2027.
    set_clock("2027-05-03T10:00")
    drive_until_open(runtime, child, "publish")
    assert due_of(runtime, child, "publish") == {"publish": "2027-07-12T23:59:00+01:00"}


def drive_until_open(runtime, reference: str, target: str) -> None:
    """Complete the first open stage (all its tasks), again and again, until `target` is open."""
    process = runtime.library.get(reports.status(runtime, reference)["process"])
    for _ in range(len(process.stages)):
        stages = stages_of(runtime, reference)
        if stages[target]["state"] == "open":
            return
        stage_id, stage = next((s, v) for s, v in stages.items() if v["state"] == "open")
        assert not process.stages[stage_id].decision, f"{stage_id} needs a decision before {target} opens"
        for task in stage["tasks"] or [None]:
            cases.run(runtime, reference, Complete(stage_id, task=task["item"] if task else None))
    raise AssertionError(f"{target} never opened")


# -- CSPR pause ------------------------------------------------------------------------------------------


def start_cspr(runtime, set_clock) -> str:
    set_clock("2027-01-11T10:00")
    reference, _ = cases.start(runtime, "cspr", {"decision_date": date(2027, 1, 11), "agencies": AGENCIES})
    return reference


def test_cspr_pause_while_publication_is_open_moves_it_by_the_paused_working_days(shipped_runtime, set_clock):
    runtime = shipped_runtime
    reference = start_cspr(runtime, set_clock)
    set_clock("2027-05-04T10:00")
    drive_until_open(runtime, reference, "publish")
    # 6 months from Monday 11 January is Sunday 11 July: calendar months are not moved off weekends.
    before = due_of(runtime, reference, "publish", "action-plan")
    assert before == {"publish": "2027-07-11T23:59:00+01:00", "action-plan": "2027-06-15T23:59:00+01:00"}
    assert timers_of(runtime, reference) > 0

    set_clock("2027-05-10T10:00")
    cases.run(runtime, reference, Pause("parallel-criminal-proceedings", by="karen.whitehurst@stoke-council.example"))
    assert reports.status(runtime, reference)["state"] == "paused"
    assert timers_of(runtime, reference) == 0
    sent = len(messages(runtime, reference))
    # While paused, the deadlines that would have passed fire nothing and every command is refused.
    set_clock("2027-05-21T10:00")
    assert tick(runtime) - Counter(digest=1) == Counter()  # nothing for the case; the daily digest may go
    assert len(messages(runtime, reference)) == sent
    refused = [
        Complete("publish"),
        Complete("action-plan"),
        Decide("action-plan-sign-off", "improvement-evidenced"),
        Pause("family-proceedings"),
    ]
    for command in refused:
        with pytest.raises(OperationError, match="paused"):
            cases.run(runtime, reference, command)
    with pytest.raises(OperationError, match="paused"):
        cases.extend(runtime, reference, "publish", "5 working days", "x", "jonathan.averill@stoke-council.example")
    assert due_of(runtime, reference, "publish", "action-plan") == before

    set_clock("2027-05-24T10:00")  # Mon 10 May to Mon 24 May: 10 working days
    cases.run(runtime, reference, Resume(by="karen.whitehurst@stoke-council.example"))
    after = due_of(runtime, reference, "publish", "action-plan")
    assert after == {"publish": "2027-07-23T23:59:00+01:00", "action-plan": "2027-06-29T23:59:00+01:00"}
    calendar = runtime.config.calendar("partnership")
    paused = calendar.working_days_between(date(2027, 5, 10), date(2027, 5, 24))
    assert paused == 10
    moved = calendar.working_days_between(date(2027, 7, 11), date(2027, 7, 23))
    assert moved == paused
    explained = reports.explain(runtime, reference, "publish")
    assert "due by the rule: 2027-07-11" in explained
    assert "pause of 10 working days (parallel-criminal-proceedings, by karen.whitehurst@stoke-council.example)" in (
        "\n".join(explained)
    )
    assert explained[-1].startswith("due: 2027-07-23")
    assert reports.status(runtime, reference)["state"] == "open"
    assert timers_of(runtime, reference) > 0
    # Nothing from the paused weeks is sent late (a multi-agency case audit round opens at 09:00 today).
    sent = len(messages(runtime, reference))
    set_clock("2027-05-24T10:05")
    assert_fired(tick(runtime), {"reminder": 0, "due": 0, "escalation": 0, "cycle-start": 1})
    assert len(messages(runtime, reference)) == sent
    drive_to_close(runtime, reference)
    assert_closed_cleanly(runtime, reference)


def test_cspr_pause_before_publication_opens_shifts_it_when_it_opens(shipped_runtime, set_clock):
    runtime = shipped_runtime
    reference = start_cspr(runtime, set_clock)
    set_clock("2027-03-01T10:00")
    cases.run(runtime, reference, Pause("parallel-criminal-proceedings"))
    set_clock("2027-03-15T10:00")  # ten working days later
    cases.run(runtime, reference, Resume())
    assert due_of(runtime, reference, "publish") == {"publish": None}
    set_clock("2027-03-16T10:00")
    drive_until_open(runtime, reference, "publish")
    assert due_of(runtime, reference, "publish") == {"publish": "2027-07-23T23:59:00+01:00"}
    assert any("pause of 10 working days" in line for line in reports.explain(runtime, reference, "publish"))


# -- joint agency response -------------------------------------------------------------------------------

CRITERIA = [
    "external_causes",
    "sudden_unexplained",
    "in_custody_or_detained",
    "suspicious_circumstances",
    "stillbirth_unattended",
]


def child_death(number: int, holds: str | None) -> list[str]:
    facts = [f"death_notification_id=CD-{number}", "death_datetime=2026-12-18T02:00"]
    return facts + [f"{name}={'true' if name == holds else 'false'}" for name in CRITERIA]


def test_joint_agency_response_starts_on_any_one_criterion_and_once_per_event(shipped_runtime, set_clock):
    runtime = shipped_runtime
    set_clock("2026-12-18T03:10")
    assert cases.trigger(runtime, "child-death", child_death(0, None)) == []
    assert (
        cases.trigger(runtime, "child-death", ["death_notification_id=CD-0", "death_datetime=2026-12-18T02:00"]) == []
    )
    started = []
    for number, criterion in enumerate(CRITERIA, 1):
        result = cases.trigger(runtime, "child-death", child_death(number, criterion))
        assert [(process, new) for process, _, new in result] == [("joint-agency-response", True)], criterion
        started.append(result[0][1])
    assert references_of(runtime, "joint-agency-response") == started
    assert len(set(started)) == 5
    again = cases.trigger(runtime, "child-death", child_death(5, "stillbirth_unattended"))
    assert again == [("joint-agency-response", started[-1], False)]
    assert references_of(runtime, "joint-agency-response") == started


def test_two_child_deaths_without_a_notification_id_start_two_responses(shipped_runtime, set_clock):
    set_clock("2026-12-18T03:10")
    first = cases.trigger(shipped_runtime, "child-death", ["death_datetime=2026-12-18T02:00", "external_causes=true"])
    second = cases.trigger(
        shipped_runtime, "child-death", ["death_datetime=2026-12-18T02:40", "sudden_unexplained=true"]
    )
    assert [new for _, _, new in first + second] == [True, True]
    assert len(references_of(shipped_runtime, "joint-agency-response")) == 2


def linked_children(runtime, parent: str) -> list[tuple[str, str]]:
    query = select(case_table.c.process_id, case_table.c.reference).where(case_table.c.parent_reference == parent)
    with runtime.db.connect() as connection:
        return [(row.process_id, row.reference) for row in connection.execute(query)]


def test_joint_agency_response_suspecting_abuse_starts_a_serious_incident_notification(shipped_runtime, set_clock):
    runtime = shipped_runtime
    set_clock("2026-12-18T03:10")
    facts = [*child_death(1, "sudden_unexplained"), f"agencies={','.join(AGENCIES)}"]
    [(_, reference, _)] = cases.trigger(runtime, "child-death", facts)
    set_clock("2026-12-18T11:00")
    cases.run(runtime, reference, Decide("information-sharing-discussion", "abuse-or-neglect-suspected"))
    [(process, child)] = linked_children(runtime, reference)
    assert process == "serious-incident-notification"
    handed = case_facts(runtime, child)
    assert handed["awareness_date"] == date(2026, 12, 18)
    assert handed["incident_id"] == reference
    assert handed["agencies"] == AGENCIES
    assert due_of(runtime, child, "notify-panel") == {"notify-panel": "2026-12-29T23:59:00+00:00"}


def test_a_decision_supplies_the_facts_its_started_process_still_needs(shipped_runtime, set_clock):
    runtime = shipped_runtime
    set_clock("2026-12-18T03:10")
    [(_, reference, _)] = cases.trigger(runtime, "child-death", child_death(1, "suspicious_circumstances"))
    set_clock("2026-12-18T11:00")
    with pytest.raises(InvalidInput, match="give its missing facts when deciding"):
        cases.run(runtime, reference, Decide("information-sharing-discussion", "abuse-or-neglect-suspected"))
    assert linked_children(runtime, reference) == []  # refused whole: the JAR's decision is not recorded either
    cases.decide(
        runtime,
        reference,
        "information-sharing-discussion",
        "abuse-or-neglect-suspected",
        assignments=["agencies=staffordshire-police"],
    )
    assert [process for process, _ in linked_children(runtime, reference)] == ["serious-incident-notification"]


def test_joint_agency_response_hour_deadlines_cross_the_clock_change(shipped_runtime, set_clock):
    runtime = shipped_runtime
    # The clocks go back at 02:00 BST on Sunday 25 October 2026: 24 hours after 22:30 BST is 21:30 GMT.
    set_clock("2026-10-24T22:45+01:00")
    facts = ["death_notification_id=CD-DST", "death_datetime=2026-10-24T22:30+01:00", "suspicious_circumstances=true"]
    [(_, reference, new)] = cases.trigger(runtime, "child-death", facts)
    assert new
    hour_stages = ["information-sharing-discussion", "joint-home-visit", "social-care-checks"]
    assert due_of(runtime, reference, *hour_stages, "notify-professionals") == {
        **dict.fromkeys(hour_stages, "2026-10-25T21:30:00+00:00"),
        "notify-professionals": "2026-10-26T23:59:00+00:00",  # 1 working day from Saturday 24 October
    }
    set_clock("2026-10-25T21:29+00:00")
    assert_fired(tick(runtime), {"reminder": 3, "due": 0, "escalation": 0})
    set_clock("2026-10-25T21:31+00:00")
    assert_fired(tick(runtime), {"due": 3, "reminder": 3, "escalation": 0})
    assert {s.stage for s in reports.overdue(runtime) if s.working_days_overdue == 0 and not s.at_risk} >= set(
        hour_stages
    )
    set_clock("2026-10-25T23:31+00:00")  # 2 hours overdue
    assert_fired(tick(runtime), {"escalation": 1})
    set_clock("2026-10-26T01:31+00:00")  # 4 hours overdue, and the second overdue notice
    assert_fired(tick(runtime), {"escalation": 2, "reminder": 3})
    level_1 = {(row.stage, row.role) for row in messages(runtime, reference, "escalation")}
    assert level_1 == {
        ("information-sharing-discussion", "designated-doctor-child-deaths"),
        ("joint-home-visit", "designated-doctor-child-deaths"),
        ("social-care-checks", "head-of-safeguarding-local-authority"),
    }
    assert escalation_levels(runtime, reference) == {(stage, None): 1 for stage in hour_stages}
    set_clock("2026-10-26T21:31+00:00")  # 24 hours overdue: level 2 for all three
    assert_fired(tick(runtime), {"escalation": 3})
    assert escalation_levels(runtime, reference) == {(stage, None): 2 for stage in hour_stages}
    level_2 = {(row.stage, row.role) for row in messages(runtime, reference, "escalation")} - level_1
    assert level_2 == {
        ("information-sharing-discussion", "dsp-icb"),
        ("joint-home-visit", "dsp-police"),
        ("social-care-checks", "dsp-local-authority"),
    }
    set_clock("2026-10-26T10:00+00:00")
    drive_to_close(runtime, reference)
    assert_closed_cleanly(runtime, reference)


def test_a_cancelled_case_fires_nothing_more(shipped_runtime, set_clock):
    runtime = shipped_runtime
    set_clock("2026-12-18T03:10")
    [(_, reference, _)] = cases.trigger(runtime, "child-death", child_death(1, "external_causes"))
    set_clock("2026-12-18T04:00")
    cases.run(runtime, reference, Pause("awaiting-post-mortem"))
    cases.run(runtime, reference, Cancel("duplicate notification", by="alison.grey@icb.nhs.example"))
    assert reports.status(runtime, reference)["state"] == "cancelled"
    assert timers_of(runtime, reference) == 0
    with pytest.raises(OperationError, match="already cancelled"):
        cases.run(runtime, reference, Cancel("again"))
    with pytest.raises(OperationError, match="not paused"):
        cases.run(runtime, reference, Resume())
    set_clock("2027-01-18T10:00")
    assert_fired(tick(runtime), {"reminder": 0, "due": 0, "escalation": 0})


# -- section 11 rounds -----------------------------------------------------------------------------------


def test_section_11_rounds_open_every_two_years_with_a_task_per_agency(shipped_runtime, set_clock):
    runtime = shipped_runtime
    section_11 = runtime.config.directory.select_agencies(audit="section-11")
    assert len(section_11) == 15
    set_clock("2026-03-31T10:00")
    assert_fired(tick(runtime), {"cycle-start": 0})
    assert references_of(runtime, "section-11-audit") == []
    with runtime.db.connect() as connection:
        scheduled = connection.execute(select(timers.c.fire_at).where(timers.c.process_id == "section-11-audit"))
        assert list(scheduled.scalars()) == [at("2026-04-01T09:00")]

    set_clock("2026-04-01T10:00")
    fired = tick(runtime)
    # The yearly report opens on 1 April 2026 too, so two rounds start in this tick.
    assert fired["cycle-start"] == 2
    [reference] = references_of(runtime, "section-11-audit")
    assert reference == "S11-2026-01"
    assert len(references_of(runtime, "yearly-report")) == 1
    assert case_facts(runtime, reference)["grading_scheme"] == "met-recommendations-not-met"
    assert due_of(runtime, reference, "launch") == {
        "launch": "2026-04-10T23:59:00+01:00"
    }  # Good Friday 3, Easter Monday 6 Apr

    cases.run(runtime, reference, Complete("launch"))
    tasks = stages_of(runtime, reference)["self-assessment"]["tasks"]
    assert [task["item"] for task in tasks] == section_11
    assert {task["due"] for task in tasks} == {"2026-06-24T23:59:00+01:00"}  # 12 weeks from 1 April
    with pytest.raises(InvalidInput, match="say which task"):
        cases.run(runtime, reference, Complete("self-assessment"))
    first, *rest = section_11
    cases.run(runtime, reference, Complete("self-assessment", task=first))
    with pytest.raises(OperationError, match="already done"):
        cases.run(runtime, reference, Complete("self-assessment", task=first))
    assert stages_of(runtime, reference)["findings-report"]["state"] == "waiting"
    for agency in rest:
        cases.run(runtime, reference, Complete("self-assessment", task=agency))
    assert stages_of(runtime, reference)["findings-report"]["state"] == "open"

    set_clock("2028-03-31T10:00")  # before the next round: nothing new
    tick(runtime)
    assert references_of(runtime, "section-11-audit") == [reference]
    set_clock("2028-04-03T10:00")  # 1 April 2028 is a Saturday: the round opens on Monday 3 April
    assert tick(runtime)["cycle-start"] >= 1
    assert references_of(runtime, "section-11-audit") == [reference, "S11-2028-01"]
    with runtime.db.connect() as connection:
        started = connection.execute(
            select(case_table.c.started_at).where(case_table.c.reference == "S11-2028-01")
        ).scalar_one()
        scheduled = connection.execute(
            select(timers.c.fire_at).where(timers.c.process_id == "section-11-audit")
        ).scalar_one()
    assert started.date() == date(2028, 4, 3)
    assert scheduled.date() == date(2030, 4, 1)
    cases.run(runtime, "S11-2028-01", Complete("launch"))
    assert [t["item"] for t in stages_of(runtime, "S11-2028-01")["self-assessment"]["tasks"]] == section_11


# -- professional escalation -----------------------------------------------------------------------------

ESCALATION_FACTS = {
    "raising_agency": "university-hospitals-north-midlands",
    "receiving_agency": "stoke-on-trent-city-council",
}


def test_professional_escalation_advances_stage_by_stage_by_itself(shipped_runtime, set_clock):
    runtime = shipped_runtime
    set_clock("2027-01-19T10:00")
    reference, _ = cases.start(runtime, "professional-escalation", ESCALATION_FACTS)
    # Each tick comes a minute after a deadline: the stage is decided `escalate` and the next one opens.
    ladder = [
        ("stage-1", "2027-01-26T23:59:00+00:00", "2027-01-27T00:00"),  # 5 working days from the start
        ("stage-2", "2027-02-02T23:59:00+00:00", "2027-02-03T00:00"),  # 5 working days from stage 1's deadline
        ("stage-3", "2027-02-05T23:59:00+00:00", "2027-02-06T00:00"),  # 3 working days from opening
        ("stage-4", "2027-02-12T23:59:00+00:00", "2027-02-13T00:00"),  # 5 working days from stage 3
    ]
    for stage, due, next_tick in ladder:
        stages = stages_of(runtime, reference)
        assert [s for s, v in stages.items() if v["state"] == "open"] == [stage]
        assert stages[stage]["due"] == due
        set_clock(next_tick)
        assert_fired(tick(runtime), {"advance": 1, "due": 0, "escalation": 0})
        assert stages_of(runtime, reference)[stage]["state"] == "done"
    stages = stages_of(runtime, reference)
    assert [s for s, v in stages.items() if v["state"] == "open"] == ["stage-5"]
    assert stages["stage-5"]["due"] == "2027-02-26T23:59:00+00:00"  # 10 working days from Fri 12 Feb
    advanced = [e for e in reports.history(runtime, reference) if e["action"] == "advanced"]
    assert [e["stage"] for e in advanced] == ["stage-1", "stage-2", "stage-3", "stage-4"]
    decided = [e["detail"] for e in reports.history(runtime, reference) if e["action"] == "stage-done"]
    assert all("unresolved at its deadline, moved on: escalate" in detail for detail in decided)
    # The last stage has no automatic option: it escalates instead (end of Tue 2 March).
    set_clock("2027-03-03T00:01")
    assert_fired(tick(runtime), {"advance": 0, "due": 1, "escalation": 1})
    assert [(r.stage, r.role) for r in messages(runtime, reference, "escalation")] == [
        ("stage-5", "dsp-local-authority")
    ]
    set_clock("2027-03-09T10:00")
    cases.run(runtime, reference, Decide("stage-5", "resolved"))
    assert_closed_cleanly(runtime, reference)


def test_professional_escalation_immediate_risk_skips_to_stage_3(shipped_runtime, set_clock):
    runtime = shipped_runtime
    set_clock("2027-01-19T11:00")
    reference, _ = cases.start(
        runtime, "professional-escalation", {**ESCALATION_FACTS, "child_at_immediate_risk": True}
    )
    cases.run(runtime, reference, Decide("stage-1", "immediate-risk", by="hannah.green@uhnm.nhs.example"))
    stages = stages_of(runtime, reference)
    assert {s: v["state"] for s, v in stages.items()} == {
        "stage-1": "done",
        "stage-2": "waiting",
        "stage-3": "open",
        "stage-4": "waiting",
        "stage-5": "waiting",
    }
    assert stages["stage-3"]["due"] == "2027-01-22T23:59:00+00:00"  # 3 working days from opening
    # Stage 3 involves both agencies' senior managers: the raising agency's owns it, the receiving one's is told.
    raising, receiving = ESCALATION_FACTS["raising_agency"], ESCALATION_FACTS["receiving_agency"]
    assert [(r.stage, r.role, r.agency) for r in messages(runtime, reference, "decision-needed")] == [
        ("stage-1", "practitioner", raising),
        ("stage-3", "senior-manager", raising),
        ("stage-3", "senior-manager", receiving),
    ]
    set_clock("2027-01-23T00:00")
    assert_fired(tick(runtime), {"advance": 1})
    assert stages_of(runtime, reference)["stage-4"]["state"] == "open"
    cases.run(runtime, reference, Decide("stage-4", "resolved"))
    stages = stages_of(runtime, reference)
    assert {s: v["state"] for s, v in stages.items()} == {
        "stage-1": "done",
        "stage-2": "skipped",
        "stage-3": "done",
        "stage-4": "done",
        "stage-5": "skipped",
    }
    assert_closed_cleanly(runtime, reference)


# -- extensions ------------------------------------------------------------------------------------------


def approvers(runtime, process_id: str) -> list[str]:
    role = runtime.library.get(process_id).extension_approver
    return [
        person.email
        for person in runtime.config.directory.people
        if role in runtime.config.directory.roles_of(person.email)
    ]


def test_extension_by_the_approver_moves_the_due_date(shipped_runtime, set_clock):
    runtime = shipped_runtime
    karen = "karen.whitehurst@stoke-council.example"
    assert karen in approvers(runtime, "section-11-audit")  # business-manager
    set_clock("2026-12-18T10:00")
    reference, _ = cases.start(runtime, "section-11-audit", {"grading_scheme": "score-0-to-3"})
    set_clock("2027-01-05T10:00")
    assert_fired(tick(runtime), {"escalation": 1})
    assert escalation_levels(runtime, reference) == {("launch", None): 1}
    state = cases.extend(runtime, reference, "launch", "5 working days", "agency leads on leave", approved_by=karen)
    # Tue 29 Dec + 5 working days: Wed 30 Dec, (31 Dec closed, 1 Jan bank holiday) 4, 5, 6, 7 Jan.
    assert due_of(runtime, reference, "launch") == {"launch": "2027-01-07T23:59:00+00:00"}
    assert state.stages["launch"].escalation_level == 0
    assert escalation_levels(runtime, reference) == {}
    explained = reports.explain(runtime, reference, "launch")
    assert f"extension of 5 working days (agency leads on leave, by {karen}) on 2027-01-05" in explained
    assert [r.role for r in messages(runtime, reference, "extension-approved")] == ["business-unit-officer"]
    # The ladder starts again from the new date: overdue by 2 working days at the end of Mon 11 Jan.
    set_clock("2027-01-11T23:58")
    assert_fired(tick(runtime), {"escalation": 0})
    set_clock("2027-01-12T00:00")
    assert_fired(tick(runtime), {"escalation": 1})
    assert len(messages(runtime, reference, "escalation")) == 2


def test_extension_by_someone_without_the_approver_role_is_refused(shipped_runtime, set_clock):
    runtime = shipped_runtime
    set_clock("2027-01-11T10:00")
    reference, _ = cases.start(runtime, "cspr", {"decision_date": date(2027, 1, 11), "agencies": AGENCIES})
    chair = "elaine.cartwright@independent.example"  # partnership-chair, not a lead safeguarding partner
    assert chair not in approvers(runtime, "cspr")
    before = (reports.status(runtime, reference), reports.history(runtime, reference), messages(runtime, reference))
    for email in (chair, "nobody@example.org"):
        with pytest.raises(OperationError, match="lead-safeguarding-partners"):
            cases.extend(runtime, reference, "commission-review", "5 working days", "busy", approved_by=email)
    after = (reports.status(runtime, reference), reports.history(runtime, reference), messages(runtime, reference))
    assert after == before
    lead = "jonathan.averill@stoke-council.example"
    assert lead in approvers(runtime, "cspr")
    cases.extend(runtime, reference, "commission-review", "5 working days", "reviewer ill", approved_by=lead)
    # Mon 25 Jan + 5 working days is Mon 1 Feb.
    assert due_of(runtime, reference, "commission-review") == {"commission-review": "2027-02-01T23:59:00+00:00"}


SERIOUS_INCIDENT_CASES = [
    # (location, abuse or neglect suspected, looked after) -> the processes the event starts
    ("in-area", True, False, ["serious-incident-notification"]),
    ("abroad-normally-resident-in-area", True, False, ["serious-incident-notification"]),
    (None, True, False, ["serious-incident-notification"]),  # unset: checked by hand in notify-panel
    ("elsewhere-in-england", True, False, []),  # the other area's duty
    ("outside-area-not-resident", True, False, []),
    ("elsewhere-in-england", False, True, ["looked-after-child-death"]),  # notified whatever was suspected
    ("in-area", True, True, ["looked-after-child-death", "serious-incident-notification"]),
]


@pytest.mark.parametrize(("location", "suspected", "looked_after", "expected"), SERIOUS_INCIDENT_CASES)
def test_a_serious_incident_starts_the_notifications_the_duties_require(
    shipped_runtime, set_clock, location, suspected, looked_after, expected
):
    set_clock("2026-12-18T10:00")
    facts = [
        "incident_id=INC-1",
        "awareness_date=2026-12-18",
        "child_died=true",
        f"abuse_or_neglect_suspected={str(suspected).lower()}",
        f"child_looked_after={str(looked_after).lower()}",
        "agencies=cafcass",
    ] + ([f"incident_location={location}"] if location else [])
    started = cases.trigger(shipped_runtime, "serious-incident", facts)
    assert sorted(process for process, _, _ in started) == expected
