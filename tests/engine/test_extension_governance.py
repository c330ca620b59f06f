"""Extensions under governance (issue 20, items 4 and 6): a task's extension moves that task only; nobody approves
their own request unless the process allows it; all extensions of one deadline together stay within a limit (the
process's, else the partnership's); a request for a whole fanned-out stage is the business unit's."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workflows.calendar.durations import parse_duration
from workflows.calendar.london import LONDON
from workflows.engine import Definition, Notify, apply, start_case
from workflows.engine.commands import ApproveExtension, Complete, Extend, RequestExtension
from workflows.engine.errors import CommandRefused
from workflows.engine.parties import Actor

START = datetime(2026, 12, 18, 10, tzinfo=LONDON)
BEA = Actor("bea@p.example", frozenset({("business-manager", None)}), business_unit=True)
CAL = Actor("cal@p.example", frozenset({("partnership-chair", None)}))
CAL_DEPUTY = Actor("cd@p.example", frozenset({("partnership-chair", None)}))
LEADS = {
    agency: Actor(f"lead@{agency}.example", frozenset({("agency-safeguarding-lead", agency)}))
    for agency in ("city-council", "police")
}
FACTS = {"notified_on": date(2026, 12, 18), "agencies": ["city-council", "police"]}


def definition_of(demo, **changes) -> Definition:
    process, rules = demo
    limit = changes.pop("limit", None)
    return Definition(process.model_copy(update=changes), rules, "hash-governance", limit)


def gathering(definition):
    state, _ = start_case(definition, "DM-2026-001", FACTS, START)
    state, _ = apply(definition, state, Complete("request", by=BEA.email, actor=BEA), START)
    return state


def ask(definition, state, actor: Actor, amount: str, stage="gather", task: str | None = "police"):
    command = RequestExtension(stage, parse_duration(amount), "sickness", actor.email, task, actor)
    return apply(definition, state, command, START)


def approve(definition, state, number: int, actor: Actor = CAL):
    return apply(definition, state, ApproveExtension(number, actor.email, actor), START)


def test_approving_one_agencys_request_moves_that_agencys_task_only(demo):
    definition = definition_of(demo)
    state = gathering(definition)
    before = {name: task.due_at for name, task in state.stages["gather"].tasks.items()}
    state, _ = ask(definition, state, LEADS["police"], "3 working days")
    state, effects = approve(definition, state, 1)
    tasks = state.stages["gather"].tasks
    assert tasks["city-council"].due_at == before["city-council"]
    assert tasks["police"].due_at > before["police"]
    assert state.stages["gather"].due_at == before["city-council"]  # the stage's own deadline stays
    told = [n for n in effects if isinstance(n, Notify)]
    assert {(n.kind, n.task) for n in told} == {("extension-approved", "police")}
    assert [shift.amount for shift in tasks["police"].shifts] == ["3 working days"]


def test_a_request_for_the_whole_fanned_out_stage_is_the_business_units_and_moves_every_open_task(demo):
    definition = definition_of(demo)
    state = gathering(definition)
    with pytest.raises(CommandRefused, match="ask for more time on your agency's task"):
        ask(definition, state, LEADS["police"], "2 working days", task=None)
    state, _ = apply(
        definition,
        state,
        Complete("gather", "city-council", LEADS["city-council"].email, actor=LEADS["city-council"]),
        START,
    )
    done_due = state.stages["gather"].tasks["city-council"].due_at
    state, _ = ask(definition, state, BEA, "2 working days", task=None)
    state, _ = approve(definition, state, 1)
    tasks = state.stages["gather"].tasks
    assert tasks["city-council"].due_at == done_due  # done already: judged by the deadline it was done against
    assert tasks["police"].due_at == state.stages["gather"].due_at > done_due


def test_nobody_approves_their_own_request_unless_the_process_allows_it(demo):
    owned_by_the_chair = demo[0].model_copy(
        update={
            "stages": {
                **demo[0].stages,
                "request": demo[0].stages["request"].model_copy(update={"owner": "partnership-chair"}),
            }
        }
    )
    definition = Definition(owned_by_the_chair, demo[1], "hash-self")
    state, _ = start_case(definition, "DM-2026-001", FACTS, START)
    state, effects = ask(definition, state, CAL, "1 working day", stage="request", task=None)
    (asked,) = [n for n in effects if isinstance(n, Notify)]
    assert asked.audience.never == (CAL.email,)  # the approvers are told, not the one who asked
    with pytest.raises(CommandRefused, match="asked for this extension, so another holder"):
        approve(definition, state, 1, CAL)
    approve(definition, state, 1, CAL_DEPUTY)  # another holder of the role may
    allowing = Definition(owned_by_the_chair.model_copy(update={"extension_self_approval": True}), demo[1], "hash-2")
    state, _ = start_case(allowing, "DM-2026-002", FACTS, START)
    state, _ = ask(allowing, state, CAL, "1 working day", stage="request", task=None)
    approve(allowing, state, 1, CAL)


def test_extensions_together_stay_within_the_limit(demo):
    definition = definition_of(demo, limit=parse_duration("5 working days"))
    state = gathering(definition)
    with pytest.raises(CommandRefused, match=r"may be extended by at most 5 working days in all, to 2027-01-13"):
        ask(definition, state, LEADS["police"], "6 working days")
    state, _ = ask(definition, state, LEADS["police"], "3 working days")
    state, _ = approve(definition, state, 1)
    state, _ = ask(definition, state, LEADS["police"], "2 working days")  # 5 in all: at the limit
    state, _ = approve(definition, state, 2)
    with pytest.raises(CommandRefused, match="at most 5 working days in all"):
        ask(definition, state, LEADS["police"], "1 working day")
    with pytest.raises(CommandRefused, match="at most 5 working days in all"):
        extension = Extend("gather", parse_duration("1 working day"), "x", CAL.email, "police", CAL)
        apply(definition, state, extension, START)
    # Another agency's task has its own allowance.
    ask(definition, state, LEADS["city-council"], "5 working days", task="city-council")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(amounts=st.lists(st.integers(1, 12), min_size=1, max_size=6), limit=st.integers(1, 20))
def test_no_run_of_approvals_takes_a_deadline_past_the_limit(demo, amounts, limit):
    definition = definition_of(demo, limit=parse_duration(f"{limit} working days"))
    state = gathering(definition)
    first = state.stages["gather"].tasks["police"].due_day
    for amount in amounts:
        try:
            state, _ = ask(definition, state, LEADS["police"], f"{amount} working days")
            state, _ = approve(definition, state, state.extension_requests[-1].number)
        except CommandRefused as refused:
            assert "in all" in str(refused)
    calendar = definition.rules.calendar
    moved = calendar.working_days_between(first, state.stages["gather"].tasks["police"].due_day)
    assert moved <= limit
    granted = sum(int(shift.amount.split()[0]) for shift in state.stages["gather"].tasks["police"].shifts)
    assert moved == granted
