"""Moving deadlines: by a pause, by an extension, and when the deadline a stage counts from moves.

A stage's move moves its tasks not yet done, each from its own deadline (so a task's own extension stays on top
of it); a task's own extension moves that task only. A task already done keeps the deadline it was done against.
A stage counted from another's deadline (`due:ID`, `before ... from due:ID`) is counted again whenever that
deadline moves, exactly as if it opened then, its own extensions kept on top, and its holders are told.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from workflows.calendar.deadlines import Deadline, anchor_instant
from workflows.calendar.durations import Duration, Unit, parse_duration
from workflows.calendar.london import hours_later, to_london
from workflows.engine.messages import Messaging
from workflows.engine.schedule.timing import offset_from, stage_deadline
from workflows.engine.state import ExtensionRequest, ItemState, ItemStatus, Pause, Shift, Slot
from workflows.engine.vocabulary import AuditAction, MessageKind, ShiftKind


@dataclass(frozen=True, slots=True)
class Counted:
    """A stage's deadline counted from its anchor: the anchor, the rule's answer, and that moved by the pauses
    that fell inside its count."""

    anchor: str
    anchor_value: date | datetime
    by_rule: Deadline
    deadline: Deadline
    pauses: list[Shift]


@dataclass(frozen=True, slots=True)
class Moved:
    slot: Slot
    item: ItemState
    before: Deadline
    after: Deadline


class DeadlineMoves(Messaging):
    def later(self, deadline: Deadline, amount: Duration) -> Deadline:
        """`amount` after a deadline: hours exactly, day units to the end of the day they land on."""
        if amount.unit is Unit.HOURS:
            return Deadline(hours_later(deadline.at, amount.amount), None)
        at = offset_from(deadline, amount, self.rules, sign=1, at=self.rules.day_ends_at)
        return Deadline(at, at.date())

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
        moved = self.later(deadline, Duration(days, Unit.WORKING_DAYS))
        return moved, f"{days} working day{'s' if days != 1 else ''}"

    def count(self, stage_id: str) -> Counted:
        """The stage's deadline from its anchor as it stands now, moved by every pause that began inside its count
        (a stage that opens, or is counted again, after a pause does not lose the paused time)."""
        description, anchor_value = self.anchor(stage_id)
        anchor_at = anchor_instant(anchor_value)
        by_rule = stage_deadline(self.stage_def(stage_id), anchor_value, self.rules)
        deadline, pauses = by_rule, []
        for pause in self.state.pauses:
            if pause.ended_at and anchor_at < pause.started_at < deadline.at:
                deadline, amount = self.pause_shift(pause, deadline)
                pauses.append(Shift(ShiftKind.PAUSE, amount, pause.reason, None, pause.ended_at))
        return Counted(description, anchor_value, by_rule, deadline, pauses)

    # -- moving ----------------------------------------------------------------------------------------------------

    def moving(self, stage_id: str, task: str | None) -> list[tuple[Slot, ItemState]]:
        """What a move of a stage (task None) or of one of its tasks moves: that task; or the stage and its open
        tasks."""
        stage = self.state.stages[stage_id]
        if task is not None:
            return [(Slot(stage_id, task), stage.tasks[task])]
        tasks = [(Slot(stage_id, name), item) for name, item in stage.tasks.items() if item.status is ItemStatus.OPEN]
        return [(Slot(stage_id), stage), *tasks]

    def set_deadline(self, item: ItemState, deadline: Deadline) -> None:
        item.due_at, item.due_day = deadline.at, deadline.day
        if item.status is ItemStatus.OPEN and deadline.at > self.now:
            item.escalation_level = 0  # late no longer: a later lateness climbs the ladder afresh

    def shift(self, stage_id: str, task: str | None, move: Callable[[Deadline], Deadline], shift: Shift) -> list[Moved]:
        """Move a stage's deadline (or one task's) by `move`, each item from its own deadline; record why."""
        extension = shift.kind is ShiftKind.EXTENSION
        moved = []
        for slot, item in self.moving(stage_id, task):
            before = self.deadline_of(item)
            if extension and item.unextended_due_at is None:
                item.unextended_due_at, item.unextended_due_day = before.at, before.day
            elif not extension and item.unextended_due_at is not None:
                unextended = move(Deadline(item.unextended_due_at, item.unextended_due_day))
                item.unextended_due_at, item.unextended_due_day = unextended.at, unextended.day
            after = move(before)
            self.set_deadline(item, after)
            moved.append(Moved(slot, item, before, after))
        stage = self.state.stages[stage_id]
        (stage if task is None else stage.tasks[task]).shifts.append(shift)
        stage.due_version += 1
        return moved

    def announce(
        self, moved: list[Moved], kind: MessageKind, request: ExtensionRequest | None = None, because: str = ""
    ) -> None:
        """Timers planned afresh from the new deadlines (nothing already sent is sent again), and the holders told
        (`because`: why, in words from the definition, never from the case's facts)."""
        for change in moved:
            stage = self.state.stages[change.slot.stage]
            timed = change.slot.task is not None or not stage.tasks  # a fanned-out stage's timers are its tasks'
            if not timed or change.item.status is not ItemStatus.OPEN or change.before.at == change.after.at:
                continue
            change.item.fired_through = self.now
            self.schedule(change.slot, change.item)
            details = {"previous_due": change.before.at.isoformat(), "because": because}
            self.send(kind, change.slot, change.item, request=request, details=details)

    # -- following an anchor ---------------------------------------------------------------------------------------

    def follow(self, anchor_id: str) -> None:
        """Count again every open stage whose deadline counts from `anchor_id`'s, which has just moved."""
        for stage_id, stage_def in self.process.stages.items():
            rule = stage_def.due.from_
            stage = self.state.stages[stage_id]
            if rule.kind != "due" or rule.ref != anchor_id or stage.status is not ItemStatus.OPEN:
                continue
            counted = self.count(stage_id)
            extensions = [shift for shift in stage.shifts if shift.kind is ShiftKind.EXTENSION]
            deadline = _extended(self, counted.deadline, extensions)
            previous = self.deadline_of(stage)
            stage.anchor, stage.anchor_at = counted.anchor, anchor_instant(counted.anchor_value)
            stage.base_due_at, stage.base_due_day = counted.by_rule.at, counted.by_rule.day
            stage.skipped_days = list(counted.by_rule.skipped)
            stage.shifts = sorted([*counted.pauses, *extensions], key=lambda shift: shift.at)
            if deadline.at == previous.at:
                continue
            moved = []
            for slot, item in self.moving(stage_id, None):
                before = self.deadline_of(item)
                after = deadline if item is stage else _extended(self, deadline, item.shifts)
                if item.unextended_due_at is not None:
                    item.unextended_due_at, item.unextended_due_day = counted.deadline.at, counted.deadline.day
                self.set_deadline(item, after)
                moved.append(Moved(slot, item, before, after))
            stage.due_version += 1
            title = self.stage_def(anchor_id).title
            because = f"it counts from the deadline of {title}, which moved"
            self.announce(moved, MessageKind.DEADLINE_MOVED, because=because)
            detail = f"{stage_def.title}: due {deadline.display()} (was {previous.display()}): {title} moved"
            self.audit(AuditAction.DEADLINE_MOVED, detail, slot=Slot(stage_id))
            self.follow(stage_id)


def _extended(step: DeadlineMoves, deadline: Deadline, shifts: list[Shift]) -> Deadline:
    for shift in shifts:
        if shift.kind is ShiftKind.EXTENSION:
            deadline = step.later(deadline, parse_duration(shift.amount))
    return deadline
