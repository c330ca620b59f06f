"""The events the DSP view emits: what happened in a step, named as the Prefect events DSPs filter and automate
on. No fact values: ever."""

from __future__ import annotations

from dataclasses import dataclass

from workflows.engine.effects import Audit, Effect, Notify
from workflows.engine.vocabulary import AuditAction, MessageKind
from workflows.operations.sweeper import CommittedStep

EVENT_PREFIX = "workflows."  # every event name starts with it: DSPs filter the Event Feed on "workflows.*"
STAGE_OVERDUE = "workflows.stage.overdue"
STAGE_ESCALATED = "workflows.stage.escalated"
CASE_STARTED = "workflows.case.started"
CASE_CLOSED = "workflows.case.closed"


@dataclass(frozen=True, slots=True)
class Happening:
    event: str
    reference: str
    process: str
    stage: str | None = None
    task: str | None = None
    level: int | None = None
    role: str | None = None


def happenings_from(reference: str, process: str, effects: list[Effect]) -> list[Happening]:
    found = []
    for effect in effects:
        if isinstance(effect, Audit) and effect.action == AuditAction.OVERDUE:
            found.append(Happening(STAGE_OVERDUE, reference, process, effect.stage, effect.task))
        elif isinstance(effect, Notify) and effect.kind == MessageKind.ESCALATION:
            level = int(effect.details.get("number", 0)) or None
            found.append(Happening(STAGE_ESCALATED, reference, process, effect.stage, effect.task, level, effect.role))
        elif isinstance(effect, Audit) and effect.action == AuditAction.CASE_STARTED:
            found.append(Happening(CASE_STARTED, reference, process))
        elif isinstance(effect, Audit) and effect.action == AuditAction.CASE_CLOSED:
            found.append(Happening(CASE_CLOSED, reference, process))
    return found


def happenings_of(steps: list[CommittedStep]) -> list[Happening]:
    """The events of the steps a sweep committed, in order."""
    return [happening for step in steps for happening in happenings_from(step.reference, step.process, step.effects)]
