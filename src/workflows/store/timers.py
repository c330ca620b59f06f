"""The timers table: the next moment each open item (or each recurring process) must be woken at."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, func, select

from workflows.engine.state import Slot
from workflows.store.schema import timers
from workflows.store.upsert import insert_if_missing, upsert


@dataclass(frozen=True, slots=True)
class DueTimer:
    id: int
    slot_key: str
    case_id: int | None
    stage: str | None
    task: str | None
    process_id: str | None
    occurrence: int | None
    fire_at: datetime


def slot_key(case_id: int, slot: Slot) -> str:
    return f"case/{case_id}/{slot.stage}/{slot.task or ''}"


def recurrence_key(process_id: str) -> str:
    return f"recurs/{process_id}"


def slot_timer(case_id: int, slot: Slot, at: datetime) -> dict[str, Any]:
    """The row of an item's timer, for `write_slot_timers`."""
    key = slot_key(case_id, slot)
    return {"slot_key": key, "case_id": case_id, "stage": slot.stage, "task": slot.task, "fire_at": at}


def write_slot_timers(connection: Connection, final: Mapping[str, dict[str, Any] | None]) -> None:
    """Set or cancel item timers by slot key (a row from `slot_timer`, or None to cancel): one statement each."""
    to_delete = [key for key, row in final.items() if row is None]
    if to_delete:
        connection.execute(delete(timers).where(timers.c.slot_key.in_(to_delete)))
    upsert(connection, timers, [row for row in final.values() if row is not None], ["slot_key"])


def claim_due_timers(connection: Connection, now: datetime, skip: set[int], limit: int) -> list[DueTimer]:
    """The earliest timers due by `now`, locked for this transaction; other PostgreSQL sweepers skip them."""
    query = (
        select(timers)
        .where(timers.c.fire_at <= now)
        .order_by(timers.c.fire_at, timers.c.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    if skip:
        query = query.where(timers.c.id.not_in(skip))
    return [DueTimer(**row._mapping) for row in connection.execute(query)]


def claim_due_timer(connection: Connection, now: datetime, skip: set[int]) -> DueTimer | None:
    """The earliest due timer alone (bench/due_query.py times this claim)."""
    found = claim_due_timers(connection, now, skip, 1)
    return found[0] if found else None


def count_due_timers(connection: Connection, now: datetime) -> int:
    return connection.execute(select(func.count()).select_from(timers).where(timers.c.fire_at <= now)).scalar_one()


def delete_timer(connection: Connection, timer_id: int) -> None:
    connection.execute(delete(timers).where(timers.c.id == timer_id))


def set_recurrence_timer(connection: Connection, process_id: str, occurrence: int, at: datetime) -> None:
    row = {"slot_key": recurrence_key(process_id), "process_id": process_id, "occurrence": occurrence, "fire_at": at}
    upsert(connection, timers, [row], ["slot_key"])


def add_recurrence_timer(connection: Connection, process_id: str, occurrence: int, at: datetime) -> bool:
    """Give a recurring process its first timer unless it has one; True when this call added it.

    Insert-if-missing, never overwrite: sweepers starting together must not reset a timer another has advanced.
    """
    row = {"slot_key": recurrence_key(process_id), "process_id": process_id, "occurrence": occurrence, "fire_at": at}
    return insert_if_missing(connection, timers, row, "slot_key")


def recurrence_timers(connection: Connection) -> set[str]:
    """The recurring processes that have a timer for their next round."""
    query = select(timers.c.process_id).where(timers.c.process_id.is_not(None))
    return {row.process_id for row in connection.execute(query)}
