"""Catching up after an outage sends nothing stale (issue class: a "due today" notice for a stage that had
auto-advanced days before).

A simulated sweeper drives the pure engine: it fires every timer due at each of its (randomly spaced) runs,
while people complete stages at random moments in between.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workflows.calendar.deadlines import Deadline
from workflows.calendar.london import LONDON
from workflows.engine import (
    CancelTimer,
    Complete,
    Definition,
    EngineError,
    FireTimer,
    ItemStatus,
    Notify,
    SetTimer,
    Slot,
    apply,
    start_case,
)
from workflows.engine.schedule.timing import escalation_time
from workflows.engine.state import CaseState

START = datetime(2026, 12, 18, 10, 0, tzinfo=LONDON)
AGENCIES = ["city-council", "police"]
PRE_DEADLINE = {"reminder", "due-today"}

# The demo process, with reminders on the stage that moves on by itself when undecided at its deadline.
REMINDERS_ON_DECIDE = """    due: {in: 5 working days, from: "stage:gather"}
    reminders: {before: [2 working days], on_due_day: true}
    decision:"""


@pytest.fixture
def definition(load_processes, minimal_config, demo_text) -> Definition:
    text = demo_text.replace('    due: {in: 5 working days, from: "stage:gather"}\n    decision:', REMINDERS_ON_DECIDE)
    process = load_processes({"demo.yaml": text}).get("demo")
    return Definition(process, minimal_config.timing_rules(process), "hash-catch-up")


class Sweeper:
    """Timers as the store keeps them (one per slot, later effects win), fired like `workflows tick`."""

    def __init__(self, definition: Definition, state: CaseState, effects: list) -> None:
        self.definition, self.state = definition, state
        self.timers: dict[Slot, datetime] = {}
        self.sent: list[tuple[datetime, Notify]] = []
        self.record(START, effects)

    def record(self, now: datetime, effects: list) -> None:
        for effect in effects:
            if isinstance(effect, SetTimer):
                self.timers[effect.slot] = effect.at
            elif isinstance(effect, CancelTimer):
                self.timers.pop(effect.slot, None)
            elif isinstance(effect, Notify):
                self.sent.append((now, effect))

    def run(self, now: datetime) -> None:
        for _ in range(100):
            due = sorted(slot for slot, at in self.timers.items() if at <= now)
            if not due:
                return
            for slot in due:
                self.state, effects = apply(self.definition, self.state, FireTimer(slot), now)
                self.record(now, effects)
        raise AssertionError("the sweeper never caught up")

    def complete(self, now: datetime, stage: str, task: str | None) -> None:
        try:
            self.state, effects = apply(self.definition, self.state, Complete(stage, task), now)
        except EngineError:
            return  # not open (yet, or any more): a person would be told so
        self.record(now, effects)


hours = st.integers(min_value=1, max_value=24 * 70)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    sweeps=st.lists(hours, min_size=1, max_size=40),
    request_done=st.one_of(st.none(), hours),
    returns=st.lists(st.one_of(st.none(), hours), min_size=2, max_size=2),
    review_done=st.one_of(st.none(), hours),
)
def test_no_notice_about_a_stage_after_it_closed_or_moved_on(definition, sweeps, request_done, returns, review_done):
    facts = {"notified_on": date(2026, 12, 18), "agencies": AGENCIES}
    sweeper = Sweeper(definition, *start_case(definition, "DM-2026-001", facts, START))
    events = [(START + timedelta(hours=h), "sweep", None, None) for h in sweeps]
    events += [(START + timedelta(hours=h), "complete", "request", None) for h in [request_done] if h]
    events += [
        (START + timedelta(hours=h), "complete", "gather", task) for h, task in zip(returns, AGENCIES, strict=True) if h
    ]
    events += [(START + timedelta(hours=h), "complete", "chair-review", None) for h in [review_done] if h]
    for now, what, stage, task in sorted(events, key=lambda event: (event[0], event[1] == "sweep")):
        if what == "sweep":
            sweeper.run(now)
        else:
            sweeper.complete(now, stage, task)

    state = sweeper.state
    for sent_at, notice in sweeper.sent:
        if notice.stage is None:
            continue
        item = state.item(Slot(notice.stage, notice.task))
        assert item.finished_at is None or item.finished_at >= sent_at, (
            f"{notice.kind} about {notice.stage}[{notice.task}] at {sent_at}, after it finished at {item.finished_at}"
        )
        if notice.kind in PRE_DEADLINE:
            assert sent_at <= item.due_at, f"{notice.kind} about {notice.stage} after its deadline {item.due_at}"

    # Every escalation step that fell due while its task was open is sent, once, at the first sweep after it.
    # (A task opened already late starts its ladder from its opening: steps before it are not sent.)
    gather = definition.process.stages["gather"]
    opened = state.stages["gather"].opened_at
    runs = sorted(START + timedelta(hours=h) for h in sweeps)
    for agency, task in state.stages["gather"].tasks.items():
        deadline = Deadline(task.due_at, task.due_day)
        expected = set()
        for number, step in enumerate(gather.escalation, 1):
            falls = escalation_time(step, deadline, definition.rules)
            first_run = next((run for run in runs if run >= falls), None)
            if first_run is not None and falls > opened and (task.finished_at is None or task.finished_at > first_run):
                expected.add(number)
        sent = [n.details["number"] for _, n in sweeper.sent if n.kind == "escalation" and n.task == agency]
        assert sorted(sent) == sorted(expected)


def test_a_sweeper_back_after_an_automatic_advance_sends_no_due_today_notice(definition):
    """Returns in by Monday 4 January; `decide` is due Monday 11 January (reminders Thursday 7 and the morning
    of the 11th) and moves on by itself at its end. The sweeper, down from the 6th, is back on the 14th."""
    facts = {"notified_on": date(2026, 12, 18), "agencies": AGENCIES}
    sweeper = Sweeper(definition, *start_case(definition, "DM-2026-001", facts, START))
    sweeper.complete(START, "request", None)
    returned = datetime(2027, 1, 4, 12, 0, tzinfo=LONDON)
    for agency in AGENCIES:
        sweeper.complete(returned, "gather", agency)
    sweeper.run(datetime(2027, 1, 6, 12, 0, tzinfo=LONDON))
    before = len(sweeper.sent)
    sweeper.run(datetime(2027, 1, 14, 12, 0, tzinfo=LONDON))
    decide = sweeper.state.stages["decide"]
    assert (decide.status, decide.decision, decide.decided_automatically) == (ItemStatus.DONE, "escalate", True)
    assert decide.finished_at == datetime(2027, 1, 11, 23, 59, 59, tzinfo=LONDON)  # at its deadline
    kinds = [(notice.kind, notice.stage) for _, notice in sweeper.sent[before:]]
    # No "due today" about `decide`: it has moved on. Chair review, due the end of Wednesday 13, is overdue.
    assert kinds == [("task-assigned", "chair-review"), ("overdue", "chair-review")]
