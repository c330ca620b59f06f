"""The state machine. Every function here is pure: it takes a state and returns a new one with effects."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from workflows.calendar.deadlines import Deadline, anchor_instant
from workflows.calendar.london import to_london
from workflows.calendar.rules import TimingRules
from workflows.definitions.graph import StageGraph
from workflows.definitions.model import FactType, Process, Stage
from workflows.engine import commands as cmd
from workflows.engine.definition import Definition
from workflows.engine.effects import CancelTimer, Effect, Notify, Readdress, StartLinkedCase
from workflows.engine.errors import CommandRefused, InvalidInput
from workflows.engine.extensions import Extensions
from workflows.engine.parties import Verdict, task_holders
from workflows.engine.schedule.timing import Moment, MomentKind, moments
from workflows.engine.state import (
    CaseState,
    CaseStatus,
    ItemState,
    ItemStatus,
    Pause,
    Shift,
    Slot,
    StageState,
    clone,
)
from workflows.engine.vocabulary import Action, AuditAction, MessageKind, ShiftKind

__all__ = ["Definition", "apply", "apply_in_turn", "start_case"]

# Reminder-like notices: after downtime only the latest of these is sent, not a burst of stale ones.
_NOTICE_KINDS = {
    MomentKind.REMINDER: MessageKind.REMINDER,
    MomentKind.DUE_TODAY: MessageKind.DUE_TODAY,
    MomentKind.OVERDUE: MessageKind.OVERDUE,
}


class _Step(Extensions):
    """One command's work: the layers below (step_base, messages, moves, extensions) and the handlers here."""

    def notify_owners(self, kind: MessageKind, slot: Slot, item: ItemState, number: int = 1) -> None:
        """The holders of the task, and everyone the stage involves besides (each at their own agency)."""
        self.send(kind, slot, item, number=number)

    # -- opening and finishing stages ------------------------------------------------------------------

    def open_stage(self, stage_id: str) -> None:
        stage_def = self.stage_def(stage_id)
        stage = self.state.stages[stage_id]
        stage.status, stage.opened_at = ItemStatus.OPEN, self.now
        counted = self.count(stage_id)
        description, deadline = counted.anchor, counted.deadline
        stage.anchor, stage.anchor_at = description, anchor_instant(counted.anchor_value)
        stage.base_due_at, stage.base_due_day = counted.by_rule.at, counted.by_rule.day
        stage.skipped_days = list(counted.by_rule.skipped)
        stage.shifts.extend(counted.pauses)
        stage.due_at, stage.due_day = deadline.at, deadline.day
        if stage_def.agency:
            stage.agency = self.state.facts.get(stage_def.agency)
        kind = MessageKind.DECISION_NEEDED if stage_def.decision else MessageKind.TASK_ASSIGNED
        if stage_def.for_each and self.process.recurs:
            kind = MessageKind.AUDIT_ROUND_OPENED  # a recurring round's per-agency return
        opened = f"{stage_def.title}: due {deadline.display()} ({description})"
        self.audit(AuditAction.STAGE_OPENED, opened, slot=Slot(stage_id))
        if stage_def.for_each:
            items = list(self.state.facts.get(stage_def.for_each) or [])
            for item in items:
                task = ItemState(ItemStatus.OPEN, due_at=deadline.at, due_day=deadline.day)
                stage.tasks[item] = task
                slot = Slot(stage_id, item)
                self.notify_owners(kind, slot, task)
                self.schedule(slot, task)
                self.opened.append(slot)
            if not items:
                self.finish_stage(stage_id, None, f"no items in {stage_def.for_each}")
            return
        self.notify_owners(kind, Slot(stage_id), stage)
        self.schedule(Slot(stage_id), stage)
        self.opened.append(Slot(stage_id))

    def finish_stage(self, stage_id: str, by: str | None, detail: str) -> None:
        stage = self.state.stages[stage_id]
        stage.status, stage.finished_at, stage.finished_by = ItemStatus.DONE, self.now, by
        if not stage.tasks:
            self.effects.append(CancelTimer(Slot(stage_id)))
        self.audit(AuditAction.STAGE_DONE, f"{self.stage_def(stage_id).title}: {detail}", by, Slot(stage_id))

    def advance(self, opened_by_decision: list[str]) -> None:
        """Open what can open now; close the case when nothing is open and nothing can open."""
        order = _opening_order(self.definition)
        for stage_id in sorted(opened_by_decision, key=order.index):
            if self.state.stages[stage_id].status is ItemStatus.WAITING:
                self.open_stage(stage_id)
        changed = True
        while changed:
            changed = False
            for stage_id in order:
                stage_def = self.stage_def(stage_id)
                if self.state.stages[stage_id].status is not ItemStatus.WAITING or not stage_def.after:
                    continue
                if all(self.state.stages[before].status is ItemStatus.DONE for before in stage_def.after):
                    self.open_stage(stage_id)
                    changed = True
        if not any(stage.status is ItemStatus.OPEN for stage in self.state.stages.values()):
            self.close()

    def close(self) -> None:
        for stage in self.state.stages.values():
            if stage.status is ItemStatus.WAITING:
                stage.status = ItemStatus.SKIPPED
        self.state.status, self.state.closed_at = CaseStatus.CLOSED, self.now
        self.send(MessageKind.CASE_CLOSED, None, None)
        self.audit(AuditAction.CASE_CLOSED, "every stage is finished")

    # -- commands --------------------------------------------------------------------------------------

    def start(self, actor: str | None, origin: str) -> None:
        self.audit(AuditAction.CASE_STARTED, f"{self.process.title} v{self.process.version} ({origin})", actor)
        graph = StageGraph(self.process)
        for stage_id in _opening_order(self.definition):
            if graph.opens_at_start(stage_id):
                self.open_stage(stage_id)
        self.advance([])

    def complete(self, command: cmd.Complete) -> None:
        self.require_running()
        stage = self.open_stage_state(command.stage)
        stage_def = self.stage_def(command.stage)
        if stage_def.decision:
            options = ", ".join(stage_def.decision.options)
            raise CommandRefused(f"stage {command.stage!r} needs a decision, one of: {options}", stage=command.stage)
        if stage_def.for_each:
            open_tasks = [item for item, task in stage.tasks.items() if task.status is ItemStatus.OPEN]
            if command.task is None:
                still_open = ", ".join(open_tasks)
                raise InvalidInput(
                    f"stage {command.stage!r} has one task per item: say which task ({still_open})", field="task"
                )
            task = self.open_task(command.stage, command.task)
            slot = Slot(command.stage, command.task)
            verdict = self.allowed(Action.FINISH, slot, command.by, command.actor)
            task.status, task.finished_at, task.finished_by, task.note = (
                ItemStatus.DONE,
                self.now,
                command.by,
                command.note,
            )
            self.effects.append(CancelTimer(slot))
            done = f"{stage_def.title} [{command.task}] done" + _note(command.note) + _behalf(verdict)
            self.audit(AuditAction.TASK_DONE, done, command.by, slot)
            if any(t.status is ItemStatus.OPEN for t in stage.tasks.values()):
                return
            self.finish_stage(command.stage, command.by, "every task is done")
        else:
            if command.task is not None:
                raise InvalidInput(f"stage {command.stage!r} has no tasks: name no task", field="task")
            verdict = self.allowed(Action.FINISH, Slot(command.stage), command.by, command.actor)
            stage.note = command.note
            self.finish_stage(command.stage, command.by, "done" + _note(command.note) + _behalf(verdict))
        self.advance([])

    def decide(self, command: cmd.Decide, automatically: bool = False) -> None:
        if not automatically:
            self.require_running()
        stage = self.open_stage_state(command.stage)
        decision = self.stage_def(command.stage).decision
        if decision is None:
            raise CommandRefused(f"stage {command.stage!r} has no decision: complete it instead", stage=command.stage)
        option = decision.options.get(command.option)
        if option is None:
            raise InvalidInput(
                f"stage {command.stage!r} has no option {command.option!r} (options: {', '.join(decision.options)})",
                field="option",
            )
        behalf = ""
        if not automatically:
            behalf = _behalf(self.allowed(Action.FINISH, Slot(command.stage), command.by, command.actor))
        stage.decision, stage.decided_automatically, stage.note = command.option, automatically, command.note
        how = "unresolved at its deadline, moved on" if automatically else "decided"
        decided = f"{how}: {command.option} ({option.label})" + _note(command.note) + behalf
        self.finish_stage(command.stage, command.by, decided)
        if option.starts:
            facts = {name: self.hand_over(source) for name, source in option.facts.items()}
            facts |= command.facts
            self.effects.append(
                StartLinkedCase(
                    option.starts,
                    {name: value for name, value in facts.items() if value is not None},
                    self.state.reference,
                    business_key=f"{self.state.reference}/{command.stage}/{command.option}",
                    at=self.now,
                )
            )
            self.audit(AuditAction.LINKED_CASE, f"option {command.option} starts {option.starts}", command.by)
        self.advance(list(option.then))

    def hand_over(self, source: Any) -> Any:
        if source == "decided":
            return self.now.date()
        if source == "started":
            return self.state.started_at.date()
        if source == "reference":
            return self.state.reference
        if isinstance(source, str) and source.startswith("fact:"):
            return self.state.facts.get(source[5:])
        return source

    def fire(self, command: cmd.FireTimer) -> None:
        slot = command.slot
        stage = self.state.stages.get(slot.stage)
        item = None
        if stage is not None:
            item = stage if slot.task is None else stage.tasks.get(slot.task)
        if self.state.status is not CaseStatus.OPEN or item is None or item.status is not ItemStatus.OPEN:
            self.effects.append(CancelTimer(slot))  # a stale timer: nothing to do
            return
        until = self.now
        self.opened = []
        self.catch_up(slot, item, until)
        # An automatic advance at a past deadline opened stages whose own moments may have passed too: catch
        # them up in this step, so that nothing is announced about a stage that has already moved on.
        while self.opened:
            opened, self.opened = self.opened, []
            for opened_slot in opened:
                opened_item = self.state.item(opened_slot)
                if self.state.status is CaseStatus.OPEN and opened_item.status is ItemStatus.OPEN:
                    self.catch_up(opened_slot, opened_item, until)
        self.now = until
        self.drop_notices_about_finished_items()

    def catch_up(self, slot: Slot, item: ItemState, until: datetime) -> None:
        """Apply the item's moments up to `until` in time order.

        After an outage only the latest reminder-like notice is sent, and none from before a deadline that
        has since passed; every escalation step that fell due is sent. An automatic advance happens at its
        deadline (later stages count from it), and nothing before it is announced: the stage has moved on.
        """
        stage = self.state.stages[slot.stage]
        stage_def = self.stage_def(slot.stage)
        after = item.fired_through or stage.opened_at or until
        latest_notice: Moment | None = None
        escalations: list[Moment] = []
        window = _Window(stage.anchor_at, after, until)
        for moment in _moments_until(stage_def, self.deadline_of(item), self.rules, window):
            if moment.kind in _NOTICE_KINDS:
                latest_notice = moment
            elif moment.kind is MomentKind.DUE:
                latest_notice = None  # "due soon" and "due today" are stale once the deadline has passed
                passed = f"{stage_def.title}: deadline {self.deadline_of(item).display()} passed"
                self.audit(AuditAction.OVERDUE, passed, slot=slot)
            elif moment.kind is MomentKind.ESCALATION:
                escalations.append(moment)
            elif moment.kind is MomentKind.ADVANCE:
                assert stage_def.decision and stage_def.decision.when_unresolved
                item.fired_through = moment.at
                self.audit(AuditAction.ADVANCED, f"{stage_def.title}: unresolved at its deadline", slot=slot)
                # The case moved on at the deadline, not when the sweeper noticed: later stages count from it.
                self.now = moment.at
                self.decide(cmd.Decide(slot.stage, stage_def.decision.when_unresolved), automatically=True)
                return
        if latest_notice is not None:  # the owner hears first, then each step of the ladder
            self.notify_owners(_NOTICE_KINDS[latest_notice.kind], slot, item, number=latest_notice.number)
        for moment in escalations:
            step = stage_def.escalation[moment.number - 1]
            item.escalation_level = moment.number
            # To the step's role, copying the holders of the task and everyone involved (engine/parties/).
            self.send(MessageKind.ESCALATION, slot, item, number=moment.number)
            self.audit(AuditAction.ESCALATED, f"level {moment.number}: {step.notify} told", slot=slot)
        item.fired_through = until
        self.now = until
        self.schedule(slot, item)

    def drop_notices_about_finished_items(self) -> None:
        """No message about a stage or task that is no longer open when the step ends."""

        def still_open(effect: Effect) -> bool:
            if not isinstance(effect, Notify) or effect.stage is None:
                return True
            slot = Slot(effect.stage, effect.task)
            return self.state.item(slot).status is ItemStatus.OPEN

        self.effects = [effect for effect in self.effects if still_open(effect)]

    def pause(self, command: cmd.Pause) -> None:
        self.require_running()
        policy = self.process.pause
        if policy is None:
            raise CommandRefused(f"{self.process.id} cannot be paused: its definition allows no pause")
        if command.reason not in policy.reasons:
            raise InvalidInput(f"pause reason must be one of: {', '.join(policy.reasons)}", field="reason")
        self.state.status = CaseStatus.PAUSED
        self.state.pauses.append(Pause(self.now, command.reason))
        for slot, item in self.state.items():
            if item.status is ItemStatus.OPEN:
                self.effects.append(CancelTimer(slot))
        self.audit(AuditAction.PAUSED, f"clock paused: {policy.reasons[command.reason]}", command.by)

    def resume(self, command: cmd.Resume) -> None:
        pause = self.state.pause
        if self.state.status is not CaseStatus.PAUSED or pause is None:
            raise CommandRefused(f"case {self.state.reference} is not paused")
        pause.ended_at = self.now
        self.state.status = CaseStatus.OPEN
        moved: list[str] = []
        # Anchors first: a stage counted from another's deadline follows it (and its count then starts after the
        # pause, so the pause does not move it twice).
        for stage_id in _opening_order(self.definition):
            stage = self.state.stages[stage_id]
            if stage.status is not ItemStatus.OPEN or stage.due_at is None:
                continue
            if not (stage.anchor_at is not None and stage.anchor_at < pause.started_at < stage.due_at):
                continue
            _, amount = self.pause_shift(pause, self.deadline_of(stage))
            shift = Shift(ShiftKind.PAUSE, amount, pause.reason, command.by, self.now)
            changes = self.shift(stage_id, None, lambda deadline: self.pause_shift(pause, deadline)[0], shift)
            moved.append(f"{stage_id} to {changes[0].after.display()}")
            self.announce(changes, MessageKind.DEADLINE_MOVED, because="the case's clock was paused")
            self.follow(stage_id)
        for slot, item in self.state.items():
            if item.status is ItemStatus.OPEN:
                item.fired_through = self.now  # nothing from the paused time is sent late
                self.schedule(slot, item)
        self.audit(AuditAction.RESUMED, "clock resumed" + (f"; moved {', '.join(moved)}" if moved else ""), command.by)

    def reassign(self, command: cmd.Reassign) -> None:
        self.require_running()
        stage = self.open_stage_state(command.stage)
        if command.task is not None:
            self.open_task(command.stage, command.task)  # a task done already stays with whoever did it
        if command.task is None and stage.tasks:
            raise InvalidInput(f"stage {command.stage!r} has one task per item: say which task", field="task")
        slot = Slot(command.stage, command.task)
        item = self.state.item(slot)
        replaced = task_holders(self.definition, self.state, slot)
        item.assignee = command.to
        # Messages still waiting go to the new holder: the holders replaced hear nothing more of this task.
        self.effects.append(Readdress(slot, replaced, task_holders(self.definition, self.state, slot)))
        self.send_reassigned(slot, item, command.to)
        self.audit(AuditAction.REASSIGNED, f"{slot} to {command.to}: {command.reason}", command.by, slot)

    def acknowledge(self, command: cmd.Acknowledge) -> None:
        stage = self.open_stage_state(command.stage)
        slot = Slot(command.stage, command.task)
        item = self.task_of(command.stage, command.task) if command.task else stage
        if item.escalation_level == 0:
            raise CommandRefused(f"{slot} has not been escalated", stage=command.stage, task=command.task)
        verdict = self.allowed(Action.ACKNOWLEDGE, slot, command.by, command.actor)
        item.acknowledged_level = item.escalation_level
        acknowledged = f"escalation level {item.escalation_level} acknowledged" + _behalf(verdict)
        self.audit(AuditAction.ACKNOWLEDGED, acknowledged, command.by, slot)

    def cancel(self, command: cmd.Cancel) -> None:
        if self.state.status in (CaseStatus.CLOSED, CaseStatus.CANCELLED):
            raise CommandRefused(f"case {self.state.reference} is already {self.state.status.value}")
        for slot, item in self.state.items():
            if item.status is ItemStatus.OPEN:
                self.effects.append(CancelTimer(slot))
        for stage in self.state.stages.values():
            for item in [stage, *stage.tasks.values()]:
                if item.status in (ItemStatus.OPEN, ItemStatus.WAITING):
                    item.status = ItemStatus.CANCELLED
        self.state.status, self.state.closed_at, self.state.close_reason = (
            CaseStatus.CANCELLED,
            self.now,
            command.reason,
        )
        self.audit(AuditAction.CASE_CANCELLED, command.reason, command.by)


def _opening_order(definition: Definition) -> list[str]:
    """The order stages open in when several open in one step: file order, a stage counted from another's
    deadline after it. The usual process has no such stage: file order, at no cost."""
    process = definition.process
    if not any(stage.due.from_.kind == "due" for stage in process.stages.values()):
        return list(process.stages)
    return StageGraph(process).opening_order()


def _note(note: str | None) -> str:
    return f" - {note}" if note else ""


def _behalf(verdict: Verdict) -> str:
    return f" (recorded by the business unit on behalf of {verdict.on_behalf_of})" if verdict.on_behalf_of else ""


@dataclass(frozen=True, slots=True)
class _Window:
    start: datetime | None  # the anchor's instant: where shares of the time allowed count from
    after: datetime  # moments up to here are handled
    until: datetime


def _moments_until(stage: Stage, deadline: Deadline, rules: TimingRules, window: _Window) -> Iterator[Moment]:
    for moment in moments(stage, deadline, rules, window.start):
        if moment.at > window.until:
            return
        if moment.at > window.after:
            yield moment


def _check_facts(process: Process, facts: dict[str, Any]) -> None:
    missing = [
        name
        for name, fact in process.facts.items()
        if fact.required and (facts.get(name) is None or (fact.type is FactType.AGENCY_LIST and not facts.get(name)))
    ]
    if missing:
        plural = "s" if len(missing) > 1 else ""
        raise InvalidInput(f"{process.id} needs the fact{plural} {', '.join(missing)}", field="facts")
    unknown = [name for name in facts if name not in process.facts]
    if unknown:
        raise InvalidInput(f"{process.id} has no fact {', '.join(unknown)}", field="facts")


def start_case(
    definition: Definition,
    reference: str,
    facts: dict[str, Any],
    now: datetime,
    *,
    actor: str | None = None,
    origin: str = "started by hand",
    parent_reference: str | None = None,
) -> tuple[CaseState, list[Effect]]:
    process = definition.process
    _check_facts(process, facts)
    state = CaseState(
        reference=reference,
        process_id=process.id,
        definition_hash=definition.hash,
        status=CaseStatus.OPEN,
        started_at=to_london(now),
        facts=dict(facts),
        stages={stage_id: StageState() for stage_id in process.stages},
        parent_reference=parent_reference,
    )
    step = _Step(definition, state, now)
    step.start(actor, origin)
    return step.state, step.effects


_HANDLERS = {
    cmd.Complete: _Step.complete,
    cmd.Decide: _Step.decide,
    cmd.FireTimer: _Step.fire,
    cmd.Pause: _Step.pause,
    cmd.Resume: _Step.resume,
    cmd.Extend: _Step.extend,
    cmd.RequestExtension: _Step.request_extension,
    cmd.ApproveExtension: _Step.approve_extension,
    cmd.RefuseExtension: _Step.refuse_extension,
    cmd.Reassign: _Step.reassign,
    cmd.Acknowledge: _Step.acknowledge,
    cmd.Cancel: _Step.cancel,
}


def apply(
    definition: Definition, state: CaseState, command: cmd.Command, now: datetime
) -> tuple[CaseState, list[Effect]]:
    """Apply one command. The input state is never changed; a command the case cannot take raises
    CommandRefused, one that does not fit the case InvalidInput (both EngineErrors)."""
    step = _Step(definition, clone(state), now)
    _HANDLERS[type(command)](step, command)  # type: ignore[operator]
    return step.state, step.effects


def apply_in_turn(
    definition: Definition, state: CaseState, commands: list[cmd.Command], now: datetime
) -> tuple[CaseState, list[list[Effect]]]:
    """Apply commands one after another, as `apply` each on the last one's state would, with each command's
    effects. One copy of the input state serves them all (nobody else sees the states between): a sweep fires
    several timers of one case for the price of one copy. A refusal or error of any command raises, and
    nothing of the others is kept."""
    working = clone(state)
    effects: list[list[Effect]] = []
    for command in commands:
        step = _Step(definition, working, now)
        _HANDLERS[type(command)](step, command)  # type: ignore[operator]
        working = step.state
        effects.append(step.effects)
    return working, effects
