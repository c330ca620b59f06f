"""One engine step's working copy and the helpers every part of the engine uses: audit entries, the stages a
command names, who may act (engine/parties/), deadlines and timers, anchors.

The step is built up in layers, each a module of one concern: this base; messages (messages.py); moving
deadlines (moves.py); extensions (extensions.py); the handlers that open, finish, fire and pause (machine.py).
"""

from __future__ import annotations

from datetime import date, datetime

from workflows.calendar.deadlines import Deadline
from workflows.calendar.london import to_london
from workflows.definitions.model import Stage
from workflows.engine.definition import Definition
from workflows.engine.effects import Audit, CancelTimer, Effect, SetTimer
from workflows.engine.errors import CommandRefused, InvalidInput
from workflows.engine.parties import Actor, Verdict, permitted
from workflows.engine.schedule.timing import next_moment
from workflows.engine.state import CaseState, CaseStatus, ExtensionRequest, ItemState, ItemStatus, Slot, StageState
from workflows.engine.vocabulary import Action, AuditAction


class StepBase:
    """One command's work on a private copy of the state, collecting effects."""

    def __init__(self, definition: Definition, state: CaseState, now: datetime) -> None:
        self.definition = definition
        self.process = definition.process
        self.rules = definition.rules
        self.state = state
        self.now = to_london(now)
        self.effects: list[Effect] = []
        self.opened: list[Slot] = []  # slots opened in this step, for the sweeper's catch-up

    def audit(self, action: AuditAction, detail: str, actor: str | None = None, slot: Slot | None = None) -> None:
        self.effects.append(Audit(action, detail, actor, slot.stage if slot else None, slot.task if slot else None))

    def stage_def(self, stage_id: str) -> Stage:
        return self.process.stages[stage_id]

    def open_stage_state(self, stage_id: str) -> StageState:
        if stage_id not in self.process.stages:
            known = ", ".join(self.process.stages)
            raise InvalidInput(f"{self.process.id} has no stage {stage_id!r} (stages: {known})", field="stage")
        stage = self.state.stages[stage_id]
        if stage.status is ItemStatus.OPEN:
            return stage
        if stage.status is ItemStatus.WAITING:
            waiting_for = ", ".join(self.stage_def(stage_id).after) or "a decision"
            raise CommandRefused(f"stage {stage_id!r} is not open yet: it waits for {waiting_for}", stage=stage_id)
        raise CommandRefused(f"stage {stage_id!r} is already {stage.status.value}", stage=stage_id)

    def require_running(self) -> None:
        status = self.state.status
        if status is CaseStatus.PAUSED:
            pause = self.state.pause
            reason = pause.reason if pause else ""
            raise CommandRefused(f"case {self.state.reference} is paused ({reason}): resume it first")
        if status is not CaseStatus.OPEN:
            raise CommandRefused(f"case {self.state.reference} is {status.value}")

    def task_of(self, stage_id: str, task: str) -> ItemState:
        stage = self.state.stages[stage_id]
        found = stage.tasks.get(task)
        if found is None:
            known = f" (tasks: {', '.join(stage.tasks)})" if stage.tasks else ""
            raise InvalidInput(f"stage {stage_id!r} has no task {task!r}{known}", field="task")
        return found

    def open_task(self, stage_id: str, task: str) -> ItemState:
        found = self.task_of(stage_id, task)
        if found.status is not ItemStatus.OPEN:
            raise CommandRefused(
                f"task {task!r} of stage {stage_id!r} is already {found.status.value}", stage=stage_id, task=task
            )
        return found

    # -- who may act ---------------------------------------------------------------------------------------------

    def require(self, verdict: Verdict, slot: Slot) -> Verdict:
        """Go on only with the permission of engine/parties/; a refusal says why and changes nothing."""
        if not verdict.allowed:
            raise CommandRefused(verdict.reason, stage=slot.stage, task=slot.task)
        return verdict

    def allowed(
        self, action: Action, slot: Slot, by: str | None, actor: Actor | None, request: ExtensionRequest | None = None
    ) -> Verdict:
        verdict = permitted(self.definition, self.state, action, slot, acting(by, actor), request=request)
        return self.require(verdict, slot)

    # -- deadlines and timers ------------------------------------------------------------------------------------

    def deadline_of(self, item: ItemState) -> Deadline:
        assert item.due_at is not None
        return Deadline(at=item.due_at, day=item.due_day)

    def schedule(self, slot: Slot, item: ItemState) -> None:
        """Set the slot's timer to its next moment after what has been handled, or cancel it."""
        after = max(item.fired_through or self.now, self.now)
        window_start = self.state.stages[slot.stage].anchor_at
        moment = next_moment(self.stage_def(slot.stage), self.deadline_of(item), self.rules, after, window_start)
        self.effects.append(SetTimer(slot, moment.at) if moment else CancelTimer(slot))

    def anchor(self, stage_id: str) -> tuple[str, date | datetime]:
        anchor = self.stage_def(stage_id).due.from_
        if anchor.kind == "fact" and anchor.ref:
            value = self.state.facts.get(anchor.ref)
            if value is None:
                return f"case start (fact {anchor.ref} not given)", self.state.started_at
            return f"fact {anchor.ref}", value
        if anchor.kind == "stage" and anchor.ref:
            finished = self.state.stages[anchor.ref].finished_at
            assert finished is not None, "validation guarantees the anchor stage finished first"
            return f"completion of stage {anchor.ref}", finished
        if anchor.kind == "due" and anchor.ref:
            referenced = self.state.stages[anchor.ref]
            if referenced.due_at is None:
                raise CommandRefused(
                    f"stage {stage_id!r} counts from the deadline of {anchor.ref!r}, which has none yet", stage=stage_id
                )
            return f"deadline of stage {anchor.ref}", referenced.due_day or referenced.due_at
        if anchor.kind == "opened":
            return "stage opened", self.now
        if anchor.kind == "round":
            return "the round's scheduled day", self.state.started_at.date()
        return "case start", self.state.started_at


def acting(by: str | None, actor: Actor | None) -> Actor | None:
    """Who acts: the directory's answer the shell looked up for `by`, or, when it looked up nobody (a test, a
    caller that forgot), `by` holding nothing. None only when nobody is named: the business unit's own command."""
    if by is None:
        return None
    if actor is not None and actor.email.lower() == by.lower():
        return actor
    return Actor(by.lower())
