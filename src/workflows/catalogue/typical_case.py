"""A typical case of a process: the engine's own simulation from a fixed start, every stage done on its due
date, and for each stage the escalation ladder that would follow if it were still open.

The start is fixed (TYPICAL_START) so the catalogue is the same each time it is built: a page that changed with
the day it was built would show changes nobody made.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from workflows.calendar.deadlines import Deadline
from workflows.calendar.durations import Duration
from workflows.calendar.london import LONDON, to_london
from workflows.calendar.rules import TimingRules
from workflows.definitions.model import Process, Stage
from workflows.engine.schedule.simulation import Projection, TimelineEvent, simulate, start_moment
from workflows.engine.schedule.timing import escalation_time

# Monday 4 January 2027, 09:00 London: the first working day of 2027 (1 January is a bank holiday), well inside
# the bank holiday table, so every process's whole timeline has real working days.
TYPICAL_START = datetime(2027, 1, 4, 9, 0, tzinfo=LONDON)


@dataclass(frozen=True, slots=True)
class LadderStep:
    """One escalation step, had the stage still been open: when it falls and who is told."""

    number: int
    after: Duration
    at: datetime
    role: str


@dataclass(frozen=True, slots=True)
class StageSpan:
    """One stage of the typical case: open from `opened` until it is done on its deadline `due`."""

    stage_id: str
    opened: datetime
    due: datetime
    reminders: tuple[datetime, ...]
    escalations: tuple[TimelineEvent, ...]  # escalations the case itself reaches (an unresolved decision moving on)
    ladder: tuple[LadderStep, ...]  # what would follow the deadline were the stage still open


@dataclass(frozen=True, slots=True)
class TypicalCase:
    projection: Projection
    rules: TimingRules
    spans: tuple[StageSpan, ...]  # the stages the case opens, in the order they open
    deadline_facts: dict[str, Any]  # facts assumed (not given) that a deadline counts from, and their values

    @property
    def started(self) -> datetime:
        return self.projection.started

    @property
    def ends(self) -> datetime:
        """The last moment on the timeline, the ladders of stages done late included."""
        moments = [self.started, *(event.at for event in self.projection.events)]
        moments += [step.at for span in self.spans for step in span.ladder]
        return max(moments)

    def not_reached(self) -> list[str]:
        """Stages this case never opens (another decision option, or a path not taken), in file order."""
        opened = {span.stage_id for span in self.spans}
        return [stage_id for stage_id in self.projection.process.stages if stage_id not in opened]


def _deadline_of(stage: Stage, due_at: datetime) -> Deadline:
    """The deadline a due event stands for: hour rules are an instant, the others a day ending at `due_at`."""
    return Deadline(due_at, None if stage.due.is_elapsed_time else to_london(due_at).date())


def _ladder(stage: Stage, due_at: datetime, rules: TimingRules) -> tuple[LadderStep, ...]:
    if stage.decision is not None and stage.decision.when_unresolved:
        return ()  # unresolved at its deadline, the case moves on instead (escalation policy)
    deadline = _deadline_of(stage, due_at)
    return tuple(
        LadderStep(number, step.after, to_london(escalation_time(step, deadline, rules)), step.notify)
        for number, step in enumerate(stage.escalation, 1)
    )


def _spans(process: Process, events: list[TimelineEvent], rules: TimingRules) -> tuple[StageSpan, ...]:
    spans = []
    for opening in (event for event in events if event.kind == "start" and event.stage):
        stage_id = opening.stage
        assert stage_id is not None
        own = [event for event in events if event.stage == stage_id]
        due_at = next((event.at for event in own if event.kind == "due"), opening.at)
        stage = process.stages[stage_id]
        spans.append(
            StageSpan(
                stage_id,
                opening.at,
                due_at,
                tuple(event.at for event in own if event.kind == "reminder"),
                tuple(event for event in own if event.kind == "escalation"),
                _ladder(stage, due_at, rules),
            )
        )
    return tuple(spans)


def typical_case(process: Process, rules: TimingRules, start: date | datetime = TYPICAL_START) -> TypicalCase:
    """Simulate `process` from `start` with no facts given (date facts count from the start) and each decision
    taking its first option, as `workflows simulate` does; CalendarRangeError when a date runs off the calendar."""
    projection = simulate(process, rules, start_moment(start, rules), {}, {}, {})
    anchors = {stage.due.from_.ref for stage in process.stages.values() if stage.due.from_.kind == "fact"}
    deadline_facts = {name: value for name, value in projection.assumed.items() if name in anchors}
    return TypicalCase(projection, rules, _spans(process, projection.events, rules), deadline_facts)
