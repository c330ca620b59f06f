"""Project a whole case timeline: each stage completed on its due date, or N working days late.

This is how the business unit checks a definition before using it.
"""

from __future__ import annotations

import heapq
import itertools
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

from workflows.calendar.deadlines import Deadline, anchor_instant
from workflows.calendar.durations import Duration, Unit
from workflows.calendar.london import london_wall_time, to_london
from workflows.calendar.rules import TimingRules
from workflows.definitions.graph import StageGraph
from workflows.definitions.model import FactType, Process, Stage
from workflows.engine.schedule.timing import MomentKind, moments, offset_from, stage_deadline

EventKind = Literal["start", "reminder", "due", "escalation"]

_EVENT_KIND: dict[MomentKind, EventKind] = {
    MomentKind.REMINDER: "reminder",
    MomentKind.DUE_TODAY: "reminder",
    MomentKind.DUE: "due",
    MomentKind.OVERDUE: "reminder",
    MomentKind.ESCALATION: "escalation",
}


@dataclass(frozen=True, slots=True)
class TimelineEvent:
    at: datetime
    kind: EventKind
    stage: str | None
    to: str | None

    def as_json(self) -> dict[str, Any]:
        return {"at": self.at.isoformat(), "kind": self.kind, "stage": self.stage, "to": self.to}


@dataclass(frozen=True, slots=True)
class Projection:
    process: Process
    started: datetime
    events: list[TimelineEvent]
    assumed: dict[str, Any]  # facts the simulation had to assume, and their values
    decisions: dict[str, str]  # decision stage -> option taken


def assumed_facts(process: Process, facts: dict[str, Any], started: datetime) -> dict[str, Any]:
    """Date facts not given count from the start; anything else not given is left out."""
    assumed: dict[str, Any] = {}
    for name, fact in process.facts.items():
        if name in facts:
            continue
        if fact.type is FactType.DATE:
            assumed[name] = started.date()
        elif fact.type is FactType.DATETIME:
            assumed[name] = started
    return assumed


class _Projector:
    def __init__(
        self,
        process: Process,
        rules: TimingRules,
        started: datetime,
        facts: dict[str, Any],
        late: dict[str, int],
        choices: dict[str, str],
    ) -> None:
        self.process, self.rules, self.started, self.facts = process, rules, started, facts
        self.late, self.choices = late, choices
        self.graph = StageGraph(process)
        self.events: list[TimelineEvent] = []
        self.finished: dict[str, datetime] = {}
        self.deadlines: dict[str, Deadline] = {}
        self.opened: set[str] = set()
        self.decisions: dict[str, str] = {}
        self._queue: list[tuple[datetime, int, str, str | None]] = []
        self._order = itertools.count()

    def _emit(self, at: datetime, kind: EventKind, stage: str | None, to: str | None) -> None:
        self.events.append(TimelineEvent(to_london(at), kind, stage, to))

    def _anchor(self, stage_id: str, opened_at: datetime) -> date | datetime:
        anchor = self.process.stages[stage_id].due.from_
        if anchor.kind == "fact" and anchor.ref:
            return self.facts[anchor.ref]
        if anchor.kind == "stage" and anchor.ref:
            return self.finished[anchor.ref]
        if anchor.kind == "due" and anchor.ref:
            deadline = self.deadlines[anchor.ref]
            return deadline.day or deadline.at
        if anchor.kind == "round":
            return self.started.date()
        return opened_at if anchor.kind == "opened" else self.started

    def _next_owner(self, stage: Stage, option_id: str) -> str | None:
        assert stage.decision is not None
        targets = stage.decision.options[option_id].then
        return self.process.stages[targets[0]].owner if targets else None

    def open(self, stage_id: str, at: datetime) -> None:
        if stage_id in self.opened:
            return
        self.opened.add(stage_id)
        stage = self.process.stages[stage_id]
        self._emit(at, "start", stage_id, stage.owner)
        anchor = self._anchor(stage_id, at)
        deadline = self.deadlines[stage_id] = stage_deadline(stage, anchor, self.rules)
        days_late = self.late.get(stage_id, 0)
        done = deadline.at
        if days_late:
            late_by = Duration(days_late, Unit.WORKING_DAYS)
            done = offset_from(deadline, late_by, self.rules, sign=1, at=self.rules.day_ends_at)
        done = max(done, at)
        option = None
        if stage.decision:
            option = self.choices.get(stage_id) or next(iter(stage.decision.options))
        for moment in moments(stage, deadline, self.rules, anchor_instant(anchor)):
            # Reminders and the deadline itself show up to the completion; what follows a deadline only
            # happens while the stage is still open.
            ahead = moment.kind in (MomentKind.REMINDER, MomentKind.DUE_TODAY, MomentKind.DUE, MomentKind.ADVANCE)
            if moment.at > done or (moment.at == done and not ahead):
                break
            when = max(moment.at, at)
            if moment.kind is MomentKind.ADVANCE:
                assert stage.decision and stage.decision.when_unresolved
                if moment.at == done:  # resolved on the day: no advance
                    self._emit(when, "due", stage_id, stage.owner)
                    break
                option, done = stage.decision.when_unresolved, when
                self._emit(when, "due", stage_id, stage.owner)
                self._emit(when, "escalation", stage_id, self._next_owner(stage, option))
                break
            if moment.kind in (MomentKind.REMINDER, MomentKind.DUE_TODAY) and moment.at <= at:
                continue  # a reminder for a time before the stage opened is never sent
            kind = _EVENT_KIND[moment.kind]
            to = stage.escalation[moment.number - 1].notify if moment.kind is MomentKind.ESCALATION else stage.owner
            self._emit(when, kind, stage_id, to)
        if option is not None:
            self.decisions[stage_id] = option
        heapq.heappush(self._queue, (done, next(self._order), stage_id, option))

    def run(self) -> None:
        self._emit(self.started, "start", None, None)
        for stage_id in self.graph.opening_order():
            if self.graph.opens_at_start(stage_id):
                self.open(stage_id, self.started)
        while self._queue:
            done, _, stage_id, option = heapq.heappop(self._queue)
            self.finished[stage_id] = done
            stage = self.process.stages[stage_id]
            if stage.decision and option:
                for target in stage.decision.options[option].then:
                    self.open(target, done)
            for waiting, befores in self.graph.waits_for.items():
                if befores and stage_id in befores and befores <= self.finished.keys():
                    self.open(waiting, done)


def start_moment(value: date | datetime, rules: TimingRules) -> datetime:
    """A start given as a date means the beginning of that working day."""
    if isinstance(value, datetime):
        return to_london(value)
    return london_wall_time(value, rules.day_starts_at)


def simulate(
    process: Process,
    rules: TimingRules,
    started: datetime,
    facts: dict[str, Any] | None = None,
    late: dict[str, int] | None = None,
    choices: dict[str, str] | None = None,
) -> Projection:
    given = dict(facts or {})
    assumed = assumed_facts(process, given, started)
    projector = _Projector(process, rules, started, {**assumed, **given}, late or {}, choices or {})
    projector.run()
    order = {id(event): index for index, event in enumerate(projector.events)}
    events = sorted(projector.events, key=lambda event: (event.at, order[id(event)]))
    return Projection(process, started, events, assumed, projector.decisions)
