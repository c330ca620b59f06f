"""Queuing messages: a notice of a kind about an item becomes one Notify per audience engine/parties/ names, each
under a key that names it alone, so queuing it again (a retried step, a second sweeper) sends it once."""

from __future__ import annotations

from typing import Any

from workflows.engine.effects import Notify
from workflows.engine.parties import Addressed, told, told_of_reassignment
from workflows.engine.state import ExtensionRequest, ItemState, Slot
from workflows.engine.step_base import StepBase
from workflows.engine.vocabulary import MessageKind

_ABOUT_THE_REQUEST = frozenset({MessageKind.EXTENSION_REQUESTED, MessageKind.EXTENSION_REFUSED})


class Messaging(StepBase):
    def send(
        self,
        kind: MessageKind,
        slot: Slot | None,
        item: ItemState | None,
        *,
        number: int = 1,
        request: ExtensionRequest | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        """Queue the notice of `kind` about `slot` (None: about the case) to everyone who is told of it.

        `number` counts notices of one kind about one deadline (the reminder, or the escalation step: its level)
        and is part of the key; `request` is the extension request the notice is about.
        """
        level = number if kind is MessageKind.ESCALATION else 0
        # A request's own messages are keyed by the request; an approval's, one per item moved, by the item.
        key = self.request_key(kind, request) if request is not None and kind in _ABOUT_THE_REQUEST else None
        for addressed in told(self.definition, self.state, kind, slot, level=level, request=request):
            self.queue(kind, slot, item, addressed, number=number, key=key, details=details)

    def send_reassigned(self, slot: Slot, item: ItemState, person: str) -> None:
        version = self.state.stages[slot.stage].due_version
        key = f"{self.state.reference}/{slot}/assigned-to-{person}/v{version}"
        addressed = told_of_reassignment(self.definition, slot, person)
        self.queue(MessageKind.TASK_ASSIGNED, slot, item, addressed, key=key)

    def queue(
        self,
        kind: MessageKind,
        slot: Slot | None,
        item: ItemState | None,
        addressed: Addressed,
        *,
        number: int = 1,
        key: str | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        stage = self.state.stages[slot.stage] if slot else None
        version = stage.due_version if stage else 0
        # Whose agency the message speaks of: its addressee's, for a role held at an agency (an involved party's
        # message names their own), else the item's.
        principal = addressed.audience.to[0] if addressed.audience.to else None
        agency = principal.agency if principal is not None and principal.role and principal.agency else None
        if agency is None and slot is not None and stage is not None:
            agency = slot.task if self.stage_def(slot.stage).for_each else stage.agency
        base = key or f"{self.state.reference}/{slot or '-'}/{kind}-{number}/v{version}"
        self.effects.append(
            Notify(
                key=base + addressed.key_suffix,
                details={"due_version": version, "number": number, **(details or {})},
                kind=kind,
                stage=slot.stage if slot else None,
                task=slot.task if slot else None,
                role=addressed.role,
                audience=addressed.audience,
                agency=agency,
                copy_role=addressed.copy_role,
                due_at=item.due_at if item else None,
                urgent=slot is not None and self.stage_def(slot.stage).due.is_elapsed_time,
                calendar=self.rules.calendar.name,
            )
        )

    def request_key(self, kind: MessageKind, request: ExtensionRequest) -> str:
        # The form the table-backed requests used: their messages, queued already, keep their keys.
        return f"{self.state.reference}/{request.stage}[{request.task or ''}]/{kind}-{request.number}"
