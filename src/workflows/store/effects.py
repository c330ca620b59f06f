"""An engine step's effects, written: timers set and cancelled, messages queued, audit entries.

The effects of a whole batch of steps go in one statement per table (the sweeper stores up to 200 steps at once);
linked cases to start are the shell's to start, not the store's.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from workflows.engine.effects import Audit, CancelTimer, Effect, Notify, Readdress, SetTimer
from workflows.store.audit import add_audit_rows, audit_row
from workflows.store.outbox import CaseMessage, queue_messages, readdress
from workflows.store.timers import slot_key, slot_timer, write_slot_timers


def apply_effects_many(
    connection: Connection, steps: list[tuple[int, list[Effect]]], now: datetime, clock_set: bool
) -> None:
    """The effects of several steps (each its case's id and effects), one statement per table."""
    # Later effects win: a slot cancelled and then set again in one step keeps its new timer.
    final: dict[str, dict[str, Any] | None] = {}
    messages: list[CaseMessage] = []
    audit_rows: list[dict[str, Any]] = []
    handed_over: list[tuple[int, Readdress]] = []
    for case_id, effects in steps:
        for effect in effects:
            if isinstance(effect, SetTimer):
                final[slot_key(case_id, effect.slot)] = slot_timer(case_id, effect.slot, effect.at)
            elif isinstance(effect, CancelTimer):
                final[slot_key(case_id, effect.slot)] = None
            elif isinstance(effect, Notify):
                messages.append((case_id, effect))
            elif isinstance(effect, Audit):
                audit_rows.append(audit_row(case_id, effect, now, clock_set))
            elif isinstance(effect, Readdress):
                handed_over.append((case_id, effect))
    write_slot_timers(connection, final)
    # Before this step's own messages are queued: those are addressed as the case stands already.
    for case_id, change in handed_over:
        readdress(connection, case_id, change.slot, change.replaced, change.to)
    queue_messages(connection, messages, now, report=False)
    add_audit_rows(connection, audit_rows)
