"""More time: an approver's extension, a request for one, and the approver's answer.

Asking is for the holder of the task (engine/parties/); answering for the process's approver role, never the
person who asked unless the process allows it. What is extended moves: one task of a fanned-out stage, or the
stage with its open tasks. All extensions of one item together may move its deadline at most the definition's
extension limit past where it would be without them.
"""

from __future__ import annotations

from workflows.calendar.deadlines import Deadline
from workflows.calendar.durations import Duration, parse_duration
from workflows.engine import commands as cmd
from workflows.engine.errors import CommandRefused, InvalidInput
from workflows.engine.moves import DeadlineMoves
from workflows.engine.parties import may_ask_for_time, may_grant, permitted
from workflows.engine.state import ExtensionRequest, ItemState, RequestStatus, Shift, Slot
from workflows.engine.step_base import acting
from workflows.engine.vocabulary import Action, AuditAction, MessageKind, ShiftKind


class Extensions(DeadlineMoves):
    def open_item(self, stage_id: str, task: str | None) -> tuple[Slot, ItemState]:
        """The open stage a command names, or the open task of it."""
        stage = self.open_stage_state(stage_id)
        if task is None:
            return Slot(stage_id), stage
        return Slot(stage_id, task), self.open_task(stage_id, task)

    def within_limit(self, slot: Slot, amount: Duration) -> None:
        limit = self.definition.extension_limit
        if limit is None:
            return
        for moving, item in self.moving(slot.stage, slot.task):
            deadline = self.deadline_of(item)
            unextended = deadline
            if item.unextended_due_at is not None:
                unextended = Deadline(item.unextended_due_at, item.unextended_due_day)
            furthest = self.later(unextended, limit)
            if self.later(deadline, amount).at > furthest.at:
                raise CommandRefused(
                    f"{moving} may be extended by at most {limit} in all, to {furthest.display()}: "
                    f"{amount} more would take it past that",
                    stage=slot.stage,
                    task=slot.task,
                )

    def grant(
        self, slot: Slot, amount: Duration, reason: str, approved_by: str, request: ExtensionRequest | None = None
    ) -> None:
        """Move what was extended by `amount`, tell its holders (and whoever asked), record it."""
        self.within_limit(slot, amount)
        shift = Shift(ShiftKind.EXTENSION, str(amount), reason, approved_by, self.now)
        moved = self.shift(slot.stage, slot.task, lambda deadline: self.later(deadline, amount), shift)
        self.announce(moved, MessageKind.EXTENSION_APPROVED, request)
        extended = f"{slot} by {amount} to {moved[0].after.display()}: {reason}"
        self.audit(AuditAction.EXTENDED, extended, approved_by, slot)
        if slot.task is None:
            self.follow(slot.stage)

    def extend(self, command: cmd.Extend) -> None:
        self.require_running()
        slot, _ = self.open_item(command.stage, command.task)
        self.require(may_grant(self.definition, acting(command.approved_by, command.actor)), slot)
        self.grant(slot, command.amount, command.reason, command.approved_by)

    def request_extension(self, command: cmd.RequestExtension) -> None:
        self.require_running()
        slot, item = self.open_item(command.stage, command.task)
        asking = acting(command.by, command.actor)
        verdict = self.require(may_ask_for_time(self.definition, self.state, slot, asking), slot)
        reason = command.reason.strip()
        if not reason:
            raise InvalidInput("say why the extension is needed", field="reason")
        self.within_limit(slot, command.amount)
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
        details = {"request": request.number, "amount": request.amount}
        self.send(MessageKind.EXTENSION_REQUESTED, slot, item, request=request, details=details)
        detail = f"{command.stage}: {request.amount} (request {request.number})"
        if verdict.on_behalf_of:
            detail += f", asked by the business unit for {verdict.on_behalf_of}"
        self.audit(AuditAction.EXTENSION_REQUESTED, detail, command.by, slot)

    def pending_request(
        self, number: int, by: str, command: cmd.ApproveExtension | cmd.RefuseExtension
    ) -> ExtensionRequest:
        """The request an approver answers: it must exist, be undecided, be theirs to answer, and what it asks about
        still open."""
        self.require_running()
        request = self.state.extension_request(number)
        if request is None:
            raise InvalidInput(f"no extension request {number} (requests: {self.request_numbers()})", field="request")
        slot = Slot(request.stage, request.task)
        if request.status is not RequestStatus.PENDING:
            raise CommandRefused(
                f"extension request {number} has been {request.status.value} already",
                stage=request.stage,
                task=request.task,
            )
        actor = acting(by, command.actor)
        self.require(permitted(self.definition, self.state, Action.ANSWER_REQUEST, slot, actor, request=request), slot)
        self.open_item(request.stage, request.task)
        return request

    def request_numbers(self) -> str:
        return ", ".join(str(request.number) for request in self.state.extension_requests) or "none"

    def approve_extension(self, command: cmd.ApproveExtension) -> None:
        request = self.pending_request(command.request, command.by, command)
        request.status, request.decided_by, request.decided_at = RequestStatus.APPROVED, command.by, self.now
        slot = Slot(request.stage, request.task)
        self.grant(slot, parse_duration(request.amount), request.reason, command.by, request)

    def refuse_extension(self, command: cmd.RefuseExtension) -> None:
        request = self.pending_request(command.request, command.by, command)
        request.status, request.decided_by, request.decided_at = RequestStatus.REFUSED, command.by, self.now
        slot, item = self.open_item(request.stage, request.task)
        self.send(MessageKind.EXTENSION_REFUSED, slot, item, request=request, details={"request": request.number})
        self.audit(AuditAction.EXTENSION_REFUSED, f"{request.stage}: {request.amount}", command.by, slot)
