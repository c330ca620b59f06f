"""The state machine. Every function here is pure: it takes a state and returns a new one with effects."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from workflows.calendar.deadlines import Deadline, anchor_instant
from workflows.calendar.durations import Duration, Unit, parse_duration
from workflows.calendar.london import hours_later, to_london
from workflows.calendar.rules import TimingRules
from workflows.definitions.graph import StageGraph
from workflows.definitions.model import FactType, Process, Stage
from workflows.engine import commands as cmd
from workflows.engine.effects import Audit, CancelTimer, Effect, Notify, SetTimer, StartLinkedCase
from workflows.engine.errors import CommandRefused, InvalidInput
from workflows.engine.schedule.timing import Moment, MomentKind, moments, next_moment, offset_from, stage_deadline
from workflows.engine.state import (
    CaseState,
    CaseStatus,
    ExtensionRequest,
    ItemState,
    ItemStatus,
    Pause,
    RequestStatus,
    Shift,
    Slot,
    StageState,
    clone,
)
from workflows.engine.vocabulary import AuditAction, MessageKind, ShiftKind

# Reminder-like notices: after downtime only the latest of these is sent, not a burst of stale ones.
_NOTICE_KINDS = {
    MomentKind.REMINDER: MessageKind.REMINDER,
    MomentKind.DUE_TODAY: MessageKind.DUE_TODAY,
    MomentKind.OVERDUE: MessageKind.OVERDUE,
}


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

    def notify(
        self,
        kind: MessageKind,
        slot: Slot | None,
        item: ItemState | None,
        role: str | None,
        *,
        assignee: str | None = None,
        number: int = 1,
        agency: str | None = None,
        copy_role: str | None = None,
        key: str | None = None,
        key_suffix: str = "",
        details: dict[str, Any] | None = None,
    ) -> None:
        """Queue a message about `slot` (None: about the case) to `role`, or to `assignee` in its place.

        `number` counts messages of one kind about one deadline (the reminder or escalation step) and is part of
        the key; `agency` defaults to the slot's own; `key` replaces the derived key, `key_suffix` extends it.
        """
        stage = self.state.stages[slot.stage] if slot else None
        version = stage.due_version if stage else 0
        if agency is None and slot is not None and stage is not None:
            agency = slot.task if self.stage_def(slot.stage).for_each else stage.agency
        self.effects.append(
            Notify(
                key=key or f"{self.state.reference}/{slot or '-'}/{kind}-{number}/v{version}{key_suffix}",
                details={"due_version": version, "number": number, **(details or {})},
                kind=kind,
                stage=slot.stage if slot else None,
                task=slot.task if slot else None,
                role=role,
                agency=agency,
                assignee=assignee,
                copy_role=copy_role,
                due_at=item.due_at if item else None,
                urgent=slot is not None and self.stage_def(slot.stage).due.is_elapsed_time,
                calendar=self.rules.calendar.name,
            )
        )

    def notify_owners(self, kind: MessageKind, slot: Slot, item: ItemState, number: int = 1) -> None:
        """The owner (or the person put in their place), and everyone the stage involves besides (each at their
        own agency)."""
        stage_def = self.stage_def(slot.stage)
        self.notify(kind, slot, item, stage_def.owner, assignee=item.assignee, number=number)
        for party in stage_def.involves:
            self.notify(
                kind,
                slot,
                item,
                party.role,
                number=number,
                agency=self.state.facts.get(party.agency) if party.agency else None,
                # no assignee: a reassignment puts someone in place of the owner, not of the others
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
                raise CommandRefused(
                    f"stage {stage_id!r} counts from the deadline of {anchor.ref!r}, which has none yet", stage=stage_id
                )
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
                stage.shifts.append(Shift(ShiftKind.PAUSE, amount, pause.reason, None, pause.ended_at))
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
        self.notify(MessageKind.CASE_CLOSED, None, None, None)
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
            task = self.task_of(command.stage, command.task)
            if task.status is not ItemStatus.OPEN:
                raise CommandRefused(
                    f"task {command.task!r} of stage {command.stage!r} is already {task.status.value}",
                    stage=command.stage,
                    task=command.task,
                )
            slot = Slot(command.stage, command.task)
            task.status, task.finished_at, task.finished_by, task.note = (
                ItemStatus.DONE,
                self.now,
                command.by,
                command.note,
            )
            self.effects.append(CancelTimer(slot))
            done = f"{stage_def.title} [{command.task}] done" + _note(command.note)
            self.audit(AuditAction.TASK_DONE, done, command.by, slot)
            if any(t.status is ItemStatus.OPEN for t in stage.tasks.values()):
                return
            self.finish_stage(command.stage, command.by, "every task is done")
        else:
            if command.task is not None:
                raise InvalidInput(f"stage {command.stage!r} has no tasks: name no task", field="task")
            stage.note = command.note
            self.finish_stage(command.stage, command.by, "done" + _note(command.note))
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
            # To the step's role, copying the owner. A reassigned item's escalation goes to its assignee (as the
            # recipients are resolved: an assignee stands in for the role).
            self.notify(
                MessageKind.ESCALATION,
                slot,
                item,
                step.notify,
                assignee=item.assignee,
                number=moment.number,
                copy_role=stage_def.owner,
            )
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
        moved = []
        for stage_id, stage in self.state.stages.items():
            if stage.status is not ItemStatus.OPEN or stage.due_at is None:
                continue
            if not (stage.anchor_at is not None and stage.anchor_at < pause.started_at < stage.due_at):
                continue
            shifted, amount = self.pause_shift(pause, self.deadline_of(stage))
            self.move_deadline(stage_id, shifted, Shift(ShiftKind.PAUSE, amount, pause.reason, command.by, self.now))
            moved.append(f"{stage_id} to {shifted.display()}")
        for slot, item in self.state.items():
            if item.status is ItemStatus.OPEN:
                item.fired_through = self.now  # nothing from the paused time is sent late
                self.schedule(slot, item)
        self.audit(AuditAction.RESUMED, "clock resumed" + (f"; moved {', '.join(moved)}" if moved else ""), command.by)

    def move_deadline(self, stage_id: str, deadline: Deadline, shift: Shift) -> None:
        stage = self.state.stages[stage_id]
        stage.shifts.append(shift)
        stage.due_version += 1
        # A task already done keeps the deadline it was done against: reports judge it by that one.
        for item in [stage, *(task for task in stage.tasks.values() if task.status is not ItemStatus.DONE)]:
            item.due_at, item.due_day = deadline.at, deadline.day
            if item.status is ItemStatus.OPEN:
                item.escalation_level = 0 if deadline.at > self.now else item.escalation_level

    def task_of(self, stage_id: str, task: str) -> ItemState:
        stage = self.state.stages[stage_id]
        found = stage.tasks.get(task)
        if found is None:
            known = f" (tasks: {', '.join(stage.tasks)})" if stage.tasks else ""
            raise InvalidInput(f"stage {stage_id!r} has no task {task!r}{known}", field="task")
        return found

    def extension_approver(self) -> str:
        approver = self.process.extension_approver
        if approver is None:
            raise CommandRefused(f"{self.process.id} names no extension_approver, so its deadlines cannot be extended")
        return approver

    def require_approver(self, person: str, roles: frozenset[str]) -> None:
        approver = self.extension_approver()
        if approver not in roles:
            raise CommandRefused(f"{person} does not hold {approver!r}, the role that approves extensions")

    def extend(self, command: cmd.Extend) -> None:
        self.require_running()
        self.open_stage_state(command.stage)
        self.require_approver(command.approved_by, command.approver_roles)
        self.move_by(command.stage, command.amount, command.reason, command.approved_by)

    def move_by(self, stage_id: str, amount: Duration, reason: str, approved_by: str) -> None:
        """Move an open stage's deadline later by `amount`, as approved: timers, notices and audit."""
        current = self.deadline_of(self.state.stages[stage_id])
        if amount.unit is Unit.HOURS:
            extended = Deadline(hours_later(current.at, amount.amount), None)
        else:
            at = offset_from(current, amount, self.rules, sign=1, at=self.rules.day_ends_at)
            extended = Deadline(at, at.date())
        shift = Shift(ShiftKind.EXTENSION, str(amount), reason, approved_by, self.now)
        self.move_deadline(stage_id, extended, shift)
        for slot, item in self.state.items():
            if slot.stage == stage_id and item.status is ItemStatus.OPEN:
                item.fired_through = self.now
                self.schedule(slot, item)
                self.notify_owners(MessageKind.EXTENSION_APPROVED, slot, item)
        self.audit(
            AuditAction.EXTENDED,
            f"{stage_id} by {amount} to {extended.display()}: {reason}",
            approved_by,
            Slot(stage_id),
        )

    def request_extension(self, command: cmd.RequestExtension) -> None:
        self.require_running()
        stage = self.open_stage_state(command.stage)
        approver = self.extension_approver()
        item: ItemState = stage
        if command.task is not None:
            item = self.task_of(command.stage, command.task)
            if item.status is not ItemStatus.OPEN:
                raise CommandRefused(
                    f"task {command.task!r} of stage {command.stage!r} is already {item.status.value}",
                    stage=command.stage,
                    task=command.task,
                )
        reason = command.reason.strip()
        if not reason:
            raise InvalidInput("say why the extension is needed", field="reason")
        request = ExtensionRequest(
            number=self.state.next_request_number(),
            stage=command.stage,
            task=command.task,
            amount=str(command.amount),
            reason=reason,
            requested_by=command.by,
            requested_at=self.now,
        )
        self.state.extension_requests.append(request)
        slot = Slot(command.stage, command.task)
        self.notify(
            MessageKind.EXTENSION_REQUESTED,
            slot,
            item,
            approver,
            key=self.request_key(MessageKind.EXTENSION_REQUESTED, request),
            details={"request": request.number, "amount": request.amount},
        )
        detail = f"{command.stage}: {request.amount} (request {request.number})"
        self.audit(AuditAction.EXTENSION_REQUESTED, detail, command.by, slot)

    def request_key(self, kind: MessageKind, request: ExtensionRequest) -> str:
        # The form the table-backed requests used: their messages, queued already, keep their keys.
        return f"{self.state.reference}/{request.stage}[{request.task or ''}]/{kind}-{request.number}"

    def pending_request(self, number: int, by: str, roles: frozenset[str]) -> ExtensionRequest:
        """The request an approver decides: it must exist, be undecided and its stage still open."""
        self.require_running()
        request = self.state.extension_request(number)
        if request is None:
            raise InvalidInput(f"no extension request {number} (requests: {self.request_numbers()})", field="request")
        if request.status is not RequestStatus.PENDING:
            raise CommandRefused(
                f"extension request {number} has been {request.status.value} already",
                stage=request.stage,
                task=request.task,
            )
        self.require_approver(by, roles)
        self.open_stage_state(request.stage)
        return request

    def request_numbers(self) -> str:
        return ", ".join(str(request.number) for request in self.state.extension_requests) or "none"

    def approve_extension(self, command: cmd.ApproveExtension) -> None:
        request = self.pending_request(command.request, command.by, command.approver_roles)
        request.status, request.decided_by, request.decided_at = RequestStatus.APPROVED, command.by, self.now
        self.move_by(request.stage, parse_duration(request.amount), request.reason, command.by)

    def refuse_extension(self, command: cmd.RefuseExtension) -> None:
        request = self.pending_request(command.request, command.by, command.approver_roles)
        request.status, request.decided_by, request.decided_at = RequestStatus.REFUSED, command.by, self.now
        slot = Slot(request.stage, request.task)
        stage = self.state.stages[request.stage]
        item = stage.tasks.get(request.task, stage) if request.task else stage
        self.notify(  # the person who asked hears the answer
            MessageKind.EXTENSION_REFUSED,
            slot,
            item,
            None,
            assignee=request.requested_by,
            key=self.request_key(MessageKind.EXTENSION_REFUSED, request),
            details={"request": request.number},
        )
        self.audit(AuditAction.EXTENSION_REFUSED, f"{request.stage}: {request.amount}", command.by, slot)

    def reassign(self, command: cmd.Reassign) -> None:
        self.require_running()
        stage = self.open_stage_state(command.stage)
        if command.task is not None:
            self.task_of(command.stage, command.task)
        if command.task is None and stage.tasks:
            raise InvalidInput(f"stage {command.stage!r} has one task per item: say which task", field="task")
        slot = Slot(command.stage, command.task)
        item = self.state.item(slot)
        item.assignee = command.to
        self.notify(
            MessageKind.TASK_ASSIGNED,
            slot,
            item,
            self.stage_def(command.stage).owner,
            assignee=command.to,
            key=f"{self.state.reference}/{slot}/assigned-to-{command.to}/v{stage.due_version}",
        )
        self.audit(AuditAction.REASSIGNED, f"{slot} to {command.to}: {command.reason}", command.by, slot)

    def acknowledge(self, command: cmd.Acknowledge) -> None:
        stage = self.open_stage_state(command.stage)
        slot = Slot(command.stage, command.task)
        item = self.task_of(command.stage, command.task) if command.task else stage
        if item.escalation_level == 0:
            raise CommandRefused(f"{slot} has not been escalated", stage=command.stage, task=command.task)
        item.acknowledged_level = item.escalation_level
        acknowledged = f"escalation level {item.escalation_level} acknowledged"
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
