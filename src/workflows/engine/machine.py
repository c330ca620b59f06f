"""The state machine. Every function here is pure: it takes a state and returns a new one with effects."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from workflows.calendar.deadlines import Deadline, anchor_instant
from workflows.calendar.durations import Duration, Unit
from workflows.calendar.london import to_london
from workflows.calendar.rules import TimingRules
from workflows.definitions.graph import StageGraph
from workflows.definitions.model import FactType, Process, Stage
from workflows.engine import commands as cmd
from workflows.engine.effects import Audit, CancelTimer, Effect, Notify, SetTimer, StartLinkedCase
from workflows.engine.errors import EngineError
from workflows.engine.schedule.timing import Moment, MomentKind, moments, next_moment, offset_from, stage_deadline
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

# Reminder-like notices: after downtime only the latest of these is sent, not a burst of stale ones.
_NOTICE_KINDS = {MomentKind.REMINDER: "reminder", MomentKind.DUE_TODAY: "due-today", MomentKind.OVERDUE: "overdue"}


@dataclass(frozen=True, slots=True)
class Definition:
    """The exact process a case runs, pinned by the hash of its YAML text, with its calendar rules."""

    process: Process
    rules: TimingRules
    hash: str


class _Step:
    """One command's work on a private copy of the state, collecting effects."""

    def __init__(self, definition: Definition, state: CaseState, now: datetime) -> None:
        self.definition = definition
        self.process = definition.process
        self.rules = definition.rules
        self.state = state
        self.now = to_london(now)
        self.effects: list[Effect] = []
        self.opened: list[Slot] = []  # slots opened in this step, for the sweeper's catch-up

    # -- helpers -------------------------------------------------------------------------------------

    def audit(self, action: str, detail: str, actor: str | None = None, slot: Slot | None = None) -> None:
        self.effects.append(Audit(action, detail, actor, slot.stage if slot else None, slot.task if slot else None))

    def stage_def(self, stage_id: str) -> Stage:
        return self.process.stages[stage_id]

    def open_stage_state(self, stage_id: str) -> StageState:
        if stage_id not in self.process.stages:
            known = ", ".join(self.process.stages)
            raise EngineError(f"{self.process.id} has no stage {stage_id!r} (stages: {known})")
        stage = self.state.stages[stage_id]
        if stage.status is ItemStatus.OPEN:
            return stage
        if stage.status is ItemStatus.WAITING:
            waiting_for = ", ".join(self.stage_def(stage_id).after) or "a decision"
            raise EngineError(f"stage {stage_id!r} is not open yet: it waits for {waiting_for}")
        raise EngineError(f"stage {stage_id!r} is already {stage.status.value}")

    def require_running(self) -> None:
        status = self.state.status
        if status is CaseStatus.PAUSED:
            pause = self.state.pause
            reason = pause.reason if pause else ""
            raise EngineError(f"case {self.state.reference} is paused ({reason}): resume it first")
        if status is not CaseStatus.OPEN:
            raise EngineError(f"case {self.state.reference} is {status.value}")

    def notify(self, kind: str, slot: Slot | None, item: ItemState | None, role: str | None, **extra: Any) -> None:
        stage = self.state.stages[slot.stage] if slot else None
        version = stage.due_version if stage else 0
        number = extra.pop("number", 1)
        key = f"{self.state.reference}/{slot or '-'}/{kind}-{number}/v{version}" + extra.pop("key_suffix", "")
        agency = extra.pop("agency", None)
        if agency is None and slot is not None and stage is not None:
            agency = slot.task if self.stage_def(slot.stage).for_each else stage.agency
        details = {"due_version": version, "number": number, **extra.pop("details", {})}
        self.effects.append(
            Notify(
                key=extra.pop("key", key),
                details=details,
                kind=kind,
                stage=slot.stage if slot else None,
                task=slot.task if slot else None,
                role=role,
                agency=agency,
                assignee=extra.pop("assignee", item.assignee if item else None),
                due_at=item.due_at if item else None,
                urgent=slot is not None and self.stage_def(slot.stage).due.is_elapsed_time,
                calendar=self.rules.calendar.name,
                **extra,
            )
        )

    def notify_owners(self, kind: str, slot: Slot, item: ItemState, number: int = 1) -> None:
        """The owner, and everyone the stage involves besides (each at their own agency)."""
        stage_def = self.stage_def(slot.stage)
        self.notify(kind, slot, item, stage_def.owner, number=number)
        for party in stage_def.involves:
            self.notify(
                kind,
                slot,
                item,
                party.role,
                number=number,
                agency=self.state.facts.get(party.agency) if party.agency else None,
                assignee=None,  # a reassignment puts someone in place of the owner, not of the others
                key_suffix=f"/with-{party.role}",
            )

    def deadline_of(self, item: ItemState) -> Deadline:
        assert item.due_at is not None
        return Deadline(at=item.due_at, day=item.due_day)

    def schedule(self, slot: Slot, item: ItemState) -> None:
        """Set the slot's timer to its next moment after what has been handled, or cancel it."""
        after = max(item.fired_through or self.now, self.now)
        window_start = self.state.stages[slot.stage].anchor_at
        moment = next_moment(self.stage_def(slot.stage), self.deadline_of(item), self.rules, after, window_start)
        self.effects.append(SetTimer(slot, moment.at) if moment else CancelTimer(slot))

    # -- opening and finishing stages ------------------------------------------------------------------

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
                raise EngineError(f"stage {stage_id!r} counts from the deadline of {anchor.ref!r}, which has none yet")
            return f"deadline of stage {anchor.ref}", referenced.due_day or referenced.due_at
        if anchor.kind == "opened":
            return "stage opened", self.now
        if anchor.kind == "round":
            return "the round's scheduled day", self.state.started_at.date()
        return "case start", self.state.started_at

    def pause_shift(self, pause: Pause, deadline: Deadline) -> tuple[Deadline, str]:
        """Move a deadline later by the working time a pause took."""
        assert pause.ended_at is not None
        if deadline.day is None:
            elapsed = pause.ended_at - pause.started_at
            return Deadline(to_london(deadline.at + elapsed), None), f"{elapsed} elapsed"
        calendar = self.rules.calendar
        days = calendar.working_days_between(pause.started_at.date(), to_london(pause.ended_at).date())
        if days == 0:
            return deadline, "0 working days"
        moved = offset_from(deadline, Duration(days, Unit.WORKING_DAYS), self.rules, sign=1, at=self.rules.day_ends_at)
        return Deadline(moved, moved.date()), f"{days} working day{'s' if days != 1 else ''}"

    def open_stage(self, stage_id: str) -> None:
        stage_def = self.stage_def(stage_id)
        stage = self.state.stages[stage_id]
        stage.status, stage.opened_at = ItemStatus.OPEN, self.now
        description, anchor_value = self.anchor(stage_id)
        anchor_at = anchor_instant(anchor_value)
        deadline = stage_deadline(stage_def, anchor_value, self.rules)
        stage.anchor, stage.anchor_at = description, anchor_at
        stage.base_due_at, stage.base_due_day, stage.skipped_days = deadline.at, deadline.day, list(deadline.skipped)
        for pause in self.state.pauses:
            if pause.ended_at and anchor_at < pause.started_at < deadline.at:
                deadline, amount = self.pause_shift(pause, deadline)
                stage.shifts.append(Shift("pause", amount, pause.reason, None, pause.ended_at))
        stage.due_at, stage.due_day = deadline.at, deadline.day
        if stage_def.agency:
            stage.agency = self.state.facts.get(stage_def.agency)
        kind = "decision-needed" if stage_def.decision else "task-assigned"
        if stage_def.for_each and self.process.recurs:
            kind = "audit-round-opened"  # a recurring round's per-agency return
        self.audit("stage-opened", f"{stage_def.title}: due {deadline.display()} ({description})", slot=Slot(stage_id))
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
        self.audit("stage-done", f"{self.stage_def(stage_id).title}: {detail}", by, Slot(stage_id))

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
        self.notify("case-closed", None, None, None)
        self.audit("case-closed", "every stage is finished")

    # -- commands --------------------------------------------------------------------------------------

    def start(self, actor: str | None, origin: str) -> None:
        self.audit("case-started", f"{self.process.title} v{self.process.version} ({origin})", actor)
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
            raise EngineError(f"stage {command.stage!r} needs a decision, one of: {options}")
        if stage_def.for_each:
            open_tasks = [item for item, task in stage.tasks.items() if task.status is ItemStatus.OPEN]
            if command.task is None:
                still_open = ", ".join(open_tasks)
                raise EngineError(f"stage {command.stage!r} has one task per item: give --task ({still_open})")
            task = stage.tasks.get(command.task)
            if task is None:
                raise EngineError(
                    f"stage {command.stage!r} has no task {command.task!r} (tasks: {', '.join(stage.tasks)})"
                )
            if task.status is not ItemStatus.OPEN:
                raise EngineError(f"task {command.task!r} of stage {command.stage!r} is already {task.status.value}")
            slot = Slot(command.stage, command.task)
            task.status, task.finished_at, task.finished_by, task.note = (
                ItemStatus.DONE,
                self.now,
                command.by,
                command.note,
            )
            self.effects.append(CancelTimer(slot))
            self.audit("task-done", f"{stage_def.title} [{command.task}] done" + _note(command.note), command.by, slot)
            if any(t.status is ItemStatus.OPEN for t in stage.tasks.values()):
                return
            self.finish_stage(command.stage, command.by, "every task is done")
        else:
            if command.task is not None:
                raise EngineError(f"stage {command.stage!r} has no tasks; leave out --task")
            stage.note = command.note
            self.finish_stage(command.stage, command.by, "done" + _note(command.note))
        self.advance([])

    def decide(self, command: cmd.Decide, automatically: bool = False) -> None:
        if not automatically:
            self.require_running()
        stage = self.open_stage_state(command.stage)
        decision = self.stage_def(command.stage).decision
        if decision is None:
            raise EngineError(f"stage {command.stage!r} has no decision: use complete")
        option = decision.options.get(command.option)
        if option is None:
            raise EngineError(
                f"stage {command.stage!r} has no option {command.option!r} (options: {', '.join(decision.options)})"
            )
        stage.decision, stage.decided_automatically, stage.note = command.option, automatically, command.note
        how = "unresolved at its deadline, moved on" if automatically else "decided"
        self.finish_stage(command.stage, command.by, f"{how}: {command.option} ({option.label})" + _note(command.note))
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
            self.audit("linked-case", f"option {command.option} starts {option.starts}", command.by)
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
                self.audit(
                    "overdue", f"{stage_def.title}: deadline {self.deadline_of(item).display()} passed", slot=slot
                )
            elif moment.kind is MomentKind.ESCALATION:
                escalations.append(moment)
            elif moment.kind is MomentKind.ADVANCE:
                assert stage_def.decision and stage_def.decision.when_unresolved
                item.fired_through = moment.at
                self.audit("advanced", f"{stage_def.title}: unresolved at its deadline", slot=slot)
                # The case moved on at the deadline, not when the sweeper noticed: later stages count from it.
                self.now = moment.at
                self.decide(cmd.Decide(slot.stage, stage_def.decision.when_unresolved), automatically=True)
                return
        if latest_notice is not None:  # the owner hears first, then each step of the ladder
            self.notify_owners(_NOTICE_KINDS[latest_notice.kind], slot, item, number=latest_notice.number)
        for moment in escalations:
            step = stage_def.escalation[moment.number - 1]
            item.escalation_level = moment.number
            self.notify("escalation", slot, item, step.notify, number=moment.number, copy_role=stage_def.owner)
            self.audit("escalated", f"level {moment.number}: {step.notify} told", slot=slot)
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
            raise EngineError(f"{self.process.id} cannot be paused: its definition allows no pause")
        if command.reason not in policy.reasons:
            raise EngineError(f"pause reason must be one of: {', '.join(policy.reasons)}")
        self.state.status = CaseStatus.PAUSED
        self.state.pauses.append(Pause(self.now, command.reason))
        for slot, item in self.state.items():
            if item.status is ItemStatus.OPEN:
                self.effects.append(CancelTimer(slot))
        self.audit("paused", f"clock paused: {policy.reasons[command.reason]}", command.by)

    def resume(self, command: cmd.Resume) -> None:
        pause = self.state.pause
        if self.state.status is not CaseStatus.PAUSED or pause is None:
            raise EngineError(f"case {self.state.reference} is not paused")
        pause.ended_at = self.now
        self.state.status = CaseStatus.OPEN
        moved = []
        for stage_id, stage in self.state.stages.items():
            if stage.status is not ItemStatus.OPEN or stage.due_at is None:
                continue
            if not (stage.anchor_at is not None and stage.anchor_at < pause.started_at < stage.due_at):
                continue
            shifted, amount = self.pause_shift(pause, self.deadline_of(stage))
            self.move_deadline(stage_id, shifted, Shift("pause", amount, pause.reason, command.by, self.now))
            moved.append(f"{stage_id} to {shifted.display()}")
        for slot, item in self.state.items():
            if item.status is ItemStatus.OPEN:
                item.fired_through = self.now  # nothing from the paused time is sent late
                self.schedule(slot, item)
        self.audit("resumed", "clock resumed" + (f"; moved {', '.join(moved)}" if moved else ""), command.by)

    def move_deadline(self, stage_id: str, deadline: Deadline, shift: Shift) -> None:
        stage = self.state.stages[stage_id]
        stage.shifts.append(shift)
        stage.due_version += 1
        for item in [stage, *stage.tasks.values()]:
            item.due_at, item.due_day = deadline.at, deadline.day
            if item.status is ItemStatus.OPEN:
                item.escalation_level = 0 if deadline.at > self.now else item.escalation_level

    def extend(self, command: cmd.Extend) -> None:
        self.require_running()
        stage = self.open_stage_state(command.stage)
        approver = self.process.extension_approver
        if approver is None:
            raise EngineError(f"{self.process.id} names no extension_approver, so its deadlines cannot be extended")
        if approver not in command.approver_roles:
            raise EngineError(f"{command.approved_by} does not hold {approver!r}, the role that approves extensions")
        current = self.deadline_of(stage)
        if command.amount.unit is Unit.HOURS:
            extended = Deadline(to_london(current.at + timedelta(hours=command.amount.amount)), None)
        else:
            at = offset_from(current, command.amount, self.rules, sign=1, at=self.rules.day_ends_at)
            extended = Deadline(at, at.date())
        shift = Shift("extension", str(command.amount), command.reason, command.approved_by, self.now)
        self.move_deadline(command.stage, extended, shift)
        for slot, item in self.state.items():
            if slot.stage == command.stage and item.status is ItemStatus.OPEN:
                item.fired_through = self.now
                self.schedule(slot, item)
                self.notify_owners("extension-approved", slot, item)
        self.audit(
            "extended",
            f"{command.stage} by {command.amount} to {extended.display()}: {command.reason}",
            command.approved_by,
            Slot(command.stage),
        )

    def reassign(self, command: cmd.Reassign) -> None:
        self.require_running()
        stage = self.open_stage_state(command.stage)
        if command.task is not None and command.task not in stage.tasks:
            raise EngineError(f"stage {command.stage!r} has no task {command.task!r}")
        if command.task is None and stage.tasks:
            raise EngineError(f"stage {command.stage!r} has one task per item: say which with --task")
        slot = Slot(command.stage, command.task)
        item = self.state.item(slot)
        item.assignee = command.to
        self.notify(
            "task-assigned",
            slot,
            item,
            self.stage_def(command.stage).owner,
            key=f"{self.state.reference}/{slot}/assigned-to-{command.to}/v{stage.due_version}",
        )
        self.audit("reassigned", f"{slot} to {command.to}: {command.reason}", command.by, slot)

    def acknowledge(self, command: cmd.Acknowledge) -> None:
        stage = self.open_stage_state(command.stage)
        slot = Slot(command.stage, command.task)
        item = stage.tasks.get(command.task) if command.task else stage
        if item is None:
            raise EngineError(f"stage {command.stage!r} has no task {command.task!r}")
        if item.escalation_level == 0:
            raise EngineError(f"{slot} has not been escalated")
        item.acknowledged_level = item.escalation_level
        self.audit("acknowledged", f"escalation level {item.escalation_level} acknowledged", command.by, slot)

    def cancel(self, command: cmd.Cancel) -> None:
        if self.state.status in (CaseStatus.CLOSED, CaseStatus.CANCELLED):
            raise EngineError(f"case {self.state.reference} is already {self.state.status.value}")
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
        self.audit("case-cancelled", command.reason, command.by)


def _opening_order(definition: Definition) -> list[str]:
    """The order stages open in when several open in one step: file order, a stage counted from another's
    deadline after it. The usual process has no such stage: file order, at no cost."""
    process = definition.process
    if not any(stage.due.from_.kind == "due" for stage in process.stages.values()):
        return list(process.stages)
    return StageGraph(process).opening_order()


def _note(note: str | None) -> str:
    return f" - {note}" if note else ""


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
        raise EngineError(f"{process.id} needs the fact{'s' if len(missing) > 1 else ''} {', '.join(missing)}")
    unknown = [name for name in facts if name not in process.facts]
    if unknown:
        raise EngineError(f"{process.id} has no fact {', '.join(unknown)}")


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
    cmd.Reassign: _Step.reassign,
    cmd.Acknowledge: _Step.acknowledge,
    cmd.Cancel: _Step.cancel,
}


def apply(
    definition: Definition, state: CaseState, command: cmd.Command, now: datetime
) -> tuple[CaseState, list[Effect]]:
    """Apply one command. The input state is never changed; an invalid command raises EngineError."""
    step = _Step(definition, clone(state), now)
    _HANDLERS[type(command)](step, command)  # type: ignore[operator]
    return step.state, step.effects
