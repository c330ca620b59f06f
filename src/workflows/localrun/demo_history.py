"""A year of invented history for the main job's first start, so that `workflows report` and the DSPs' charts have
something to show: rapid reviews, return home interviews and initial child protection conferences from the last
twelve months, each driven through the real operations at the time it happened (some stages on time, some late),
and one rapid review still open with two agencies' chronologies overdue.

Invented dates and agencies only, and no child's details. The history's messages belong to the past: they are
recorded as sent when queued, so none is emailed now (the overdue rapid review's reminders and escalations, due
from now on, are sent as usual).
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from workflows.calendar.london import london_wall_time, to_london
from workflows.definitions.model import Stage
from workflows.engine import commands as cmd
from workflows.engine.state import CaseState, CaseStatus, ItemStatus, Slot
from workflows.localrun.demo import DEMO_AGENCIES
from workflows.operations import cases
from workflows.operations.report_period import months_ending
from workflows.operations.runtime import Runtime
from workflows.store.cases import StoredCase, load_case
from workflows.store.outbox import record_sent_when_queued

ACTOR = "demo.history@partnership.example"  # who started the invented cases (their steps are the business unit's)
MONTHS = 12
SEED = 14  # the same history on every fresh start
OVERDUE_FOR = timedelta(days=28)  # the open rapid review: notified four weeks ago


@dataclass(frozen=True, slots=True)
class Kind:
    """A process the history holds, how many cases a month, its facts at a start, and how often a stage is late."""

    process_id: str
    per_month: int
    facts: Callable[[datetime], dict[str, Any]]
    late_share: float


KINDS = (
    Kind(
        "rapid-review",
        2,
        lambda started: {"notification_date": started.date(), "agencies": DEMO_AGENCIES},
        0.3,
    ),
    Kind("return-home-interview", 4, lambda started: {"returned_at": started}, 0.4),
    Kind(
        "initial-child-protection-conference",
        2,
        lambda started: {"strategy_discussion_date": started.date(), "agencies": DEMO_AGENCIES},
        0.15,
    ),
)


def seed_demo_history(runtime: Runtime, now: datetime) -> Counter[str]:
    """The history, up to `now`; how many cases of each process it started."""
    chance = random.Random(SEED)
    started: Counter[str] = Counter()
    case_ids: list[int] = []
    for month in months_ending(to_london(now).date(), MONTHS):  # the months the DSPs' chart shows
        for kind in KINDS:
            for _ in range(kind.per_month):
                day = month.replace(day=chance.randint(1, 28))
                moment = _weekday(london_wall_time(day, time(chance.randint(9, 15), chance.choice((0, 30)))))
                if moment > now - timedelta(days=45):
                    continue  # too recent to have run its course
                reference = _start(runtime, kind, moment)
                _drive(runtime, reference, chance, kind.late_share, now)
                started[kind.process_id] += 1
                case_ids.append(_case_id(runtime, reference))
    overdue = _start(runtime, KINDS[0], _weekday(now - OVERDUE_FOR))
    state = _state(runtime, overdue)
    cases.run(runtime, overdue, cmd.Complete("request-chronologies"), state.started_at + timedelta(hours=3))
    returned = state.started_at + timedelta(days=6)
    cases.run(runtime, overdue, cmd.Complete("agency-chronology", DEMO_AGENCIES[1]), returned)
    started[KINDS[0].process_id] += 1
    case_ids.append(_case_id(runtime, overdue))
    with runtime.db.begin() as connection:
        record_sent_when_queued(connection, case_ids)
    return started


def _weekday(moment: datetime) -> datetime:
    while moment.weekday() >= 5:
        moment += timedelta(days=1)
    return moment


def _start(runtime: Runtime, kind: Kind, moment: datetime) -> str:
    process = runtime.library.get(kind.process_id)
    facts = kind.facts(moment)
    return cases.start(runtime, process.id, facts, actor=ACTOR, origin="demonstration history", now=moment)[0]


def _stored(runtime: Runtime, reference: str) -> StoredCase:
    with runtime.db.connect() as connection:
        stored = load_case(connection, reference)
    assert stored is not None
    return stored


def _state(runtime: Runtime, reference: str) -> CaseState:
    return _stored(runtime, reference).state


def _case_id(runtime: Runtime, reference: str) -> int:
    return _stored(runtime, reference).id


def _drive(runtime: Runtime, reference: str, chance: random.Random, late_share: float, now: datetime) -> None:
    """Do each open item in turn, earliest deadline first: on time (a little before its deadline) or late (a few
    days after), never before what was done last nor after `now`. Decisions take an option that ends the case."""
    started = _state(runtime, reference)
    process, last = runtime.library.get(started.process_id), started.started_at
    for _ in range(40):
        state = _state(runtime, reference)
        waiting = [(item.due_at, slot) for slot, item in state.items() if item.status is ItemStatus.OPEN]
        if state.status is not CaseStatus.OPEN or not waiting:
            return
        due_at, slot = min(waiting, key=lambda pair: (pair[0] or now, pair[1]))
        due_at = due_at or last + timedelta(days=1)
        if chance.random() < late_share:
            at = due_at + timedelta(days=chance.randint(1, 6), hours=chance.randint(1, 8))
        else:
            at = due_at - timedelta(hours=chance.randint(2, 40))
        at = _weekday(max(at, last + timedelta(minutes=30)))
        if at >= now:
            return
        cases.run(runtime, reference, _command(process.stages[slot.stage], slot, chance), at)
        last = at


def _command(stage: Stage, slot: Slot, chance: random.Random) -> cmd.Command:
    if stage.decision is None:
        return cmd.Complete(slot.stage, slot.task)
    options = stage.decision.options
    ending = [key for key, option in options.items() if not option.then and option.starts is None]
    return cmd.Decide(slot.stage, chance.choice(ending or list(options)))
