"""Reading and writing cases and applying the engine's effects, inside a caller's transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, bindparam, delete, func, or_, select, update

from workflows.definitions.model import Process
from workflows.engine.effects import Audit, CancelTimer, Effect, Notify, SetTimer
from workflows.engine.state import CaseState, Slot, case_from_json, case_to_json
from workflows.store.schema import audit, cases, definitions, items, leases, outbox, reference_counters, timers
from workflows.store.upsert import insert_if_missing, insert_ignoring_duplicates, upsert


@dataclass(frozen=True, slots=True)
class StoredCase:
    id: int
    state: CaseState


def save_definition(connection: Connection, digest: str, process: Process, text: str, now: datetime) -> None:
    row = {"hash": digest, "process_id": process.id, "version": process.version, "text": text, "first_used_at": now}
    insert_ignoring_duplicates(connection, definitions, [row], ["hash"])


def definition_text(connection: Connection, digest: str) -> str:
    return connection.execute(select(definitions.c.text).where(definitions.c.hash == digest)).scalar_one()


def allocate_reference(connection: Connection, process: Process, now: datetime) -> str:
    """The next reference from the process's pattern; the counter runs per year when the pattern has {year}."""
    year = now.year
    scope = f"{process.id}/{year}" if "{year}" in process.reference else process.id
    while True:
        upsert_counter(connection, scope)
        seq = connection.execute(
            select(reference_counters.c.last).where(reference_counters.c.scope == scope)
        ).scalar_one()
        reference = process.format_reference(year, seq)
        if not reference_exists(connection, reference):  # a reference given by hand may have taken it
            return reference


def upsert_counter(connection: Connection, scope: str) -> None:
    statement = update(reference_counters).where(reference_counters.c.scope == scope)
    if connection.execute(statement.values(last=reference_counters.c.last + 1)).rowcount == 0:
        insert_ignoring_duplicates(connection, reference_counters, [{"scope": scope, "last": 0}], ["scope"])
        connection.execute(statement.values(last=reference_counters.c.last + 1))


def reference_exists(connection: Connection, reference: str) -> bool:
    return connection.execute(select(cases.c.id).where(cases.c.reference == reference)).first() is not None


def case_with_business_key(connection: Connection, process_id: str, key: str) -> str | None:
    query = select(cases.c.reference).where(cases.c.process_id == process_id, cases.c.business_key == key)
    return connection.execute(query).scalar()


def insert_case(connection: Connection, state: CaseState, business_key: str | None) -> int:
    row = {
        "reference": state.reference,
        "process_id": state.process_id,
        "definition_hash": state.definition_hash,
        "status": state.status.value,
        "business_key": business_key,
        "parent_reference": state.parent_reference,
        "started_at": state.started_at,
        "closed_at": state.closed_at,
        "state": case_to_json(state),
    }
    return connection.execute(cases.insert().values(**row)).inserted_primary_key[0]


def load_case(connection: Connection, reference: str, *, for_update: bool = False) -> StoredCase | None:
    query = select(cases.c.id, cases.c.state).where(cases.c.reference == reference)
    if for_update:
        query = query.with_for_update()
    row = connection.execute(query).first()
    return StoredCase(row.id, case_from_json(row.state)) if row else None


def update_case(connection: Connection, case_id: int, state: CaseState) -> None:
    update_cases(connection, [(case_id, state)])


_UPDATE_CASE = (
    update(cases)
    .where(cases.c.id == bindparam("case_key"))
    .values(
        status=bindparam("new_status"),
        closed_at=bindparam("new_closed_at"),
        state=bindparam("new_state"),
        revision=cases.c.revision + 1,
    )
)


def update_cases(connection: Connection, changed: list[tuple[int, CaseState]]) -> None:
    if changed:
        connection.execute(
            _UPDATE_CASE,
            [
                {
                    "case_key": case_id,
                    "new_status": state.status.value,
                    "new_closed_at": state.closed_at,
                    "new_state": case_to_json(state),
                }
                for case_id, state in changed
            ],
        )


def item_rows(process: Process, state: CaseState) -> dict[tuple[str, str], dict[str, Any]]:
    """The items table's view of a case: a row per stage, or per task of a fanned-out stage."""
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    for stage_id, stage in state.stages.items():
        stage_def = process.stages[stage_id]
        entries = [(item, task, item) for item, task in stage.tasks.items()] or [("", stage, stage.agency)]
        for task_name, item, agency in entries:
            rows[(stage_id, task_name)] = {
                "stage": stage_id,
                "task": task_name,
                "status": item.status.value,
                "owner_role": stage_def.owner,
                "agency": agency,
                "assignee": item.assignee,
                "due_at": item.due_at,
                "escalation_level": item.escalation_level,
            }
    return rows


def sync_items(
    connection: Connection, case_id: int, process: Process, before: CaseState | None, after: CaseState
) -> None:
    sync_items_many(connection, [(case_id, process, before, after)])


def sync_items_many(connection: Connection, steps: list[tuple[int, Process, CaseState | None, CaseState]]) -> None:
    """Bring the items table in step with each case's new state: one statement for all the rows that changed."""
    changed: list[dict[str, Any]] = []
    for case_id, process, before, after in steps:
        old = item_rows(process, before) if before else {}
        new = item_rows(process, after)
        for stage_id, task in (key for key in old if key not in new):
            connection.execute(
                delete(items).where(items.c.case_id == case_id, items.c.stage == stage_id, items.c.task == task)
            )
        changed += [{"case_id": case_id, **row} for key, row in new.items() if old.get(key) != row]
    upsert(connection, items, changed, ["case_id", "stage", "task"])


def slot_key(case_id: int, slot: Slot) -> str:
    return f"case/{case_id}/{slot.stage}/{slot.task or ''}"


def recurrence_key(process_id: str) -> str:
    return f"recurs/{process_id}"


def apply_effects(
    connection: Connection, case_id: int, effects: list[Effect], now: datetime, clock_set: bool
) -> list[Notify]:
    """Write timers, outbox messages and audit entries; return the messages queued."""
    return apply_effects_many(connection, [(case_id, effects)], now, clock_set)


def apply_effects_many(
    connection: Connection, steps: list[tuple[int, list[Effect]]], now: datetime, clock_set: bool
) -> list[Notify]:
    """The effects of several steps, one statement per table."""
    # Later effects win: a slot cancelled and then set again in one step keeps its new timer.
    final: dict[str, dict[str, Any] | None] = {}
    outbox_rows: list[dict[str, Any]] = []
    audit_rows: list[dict[str, Any]] = []
    queued: list[Notify] = []
    for case_id, effects in steps:
        for effect in effects:
            if isinstance(effect, SetTimer):
                key = slot_key(case_id, effect.slot)
                final[key] = {
                    "slot_key": key,
                    "case_id": case_id,
                    "stage": effect.slot.stage,
                    "task": effect.slot.task,
                    "fire_at": effect.at,
                }
            elif isinstance(effect, CancelTimer):
                final[slot_key(case_id, effect.slot)] = None
            elif isinstance(effect, Notify):
                queued.append(effect)
                outbox_rows.append(_outbox_row(case_id, effect, now))
            elif isinstance(effect, Audit):
                audit_rows.append(
                    {
                        "case_id": case_id,
                        "at": now,
                        "actor": effect.actor,
                        "action": effect.action,
                        "stage": effect.stage,
                        "task": effect.task,
                        "detail": effect.detail,
                        "clock_set": clock_set,
                    }
                )
    to_delete = [key for key, row in final.items() if row is None]
    if to_delete:
        connection.execute(delete(timers).where(timers.c.slot_key.in_(to_delete)))
    upsert(connection, timers, [row for row in final.values() if row is not None], ["slot_key"])
    insert_ignoring_duplicates(connection, outbox, outbox_rows, ["key"])
    if audit_rows:
        connection.execute(audit.insert(), audit_rows)
    return queued


def _outbox_row(case_id: int, notice: Notify, now: datetime) -> dict[str, Any]:
    return {
        "key": notice.key,
        "case_id": case_id,
        "kind": notice.kind,
        "stage": notice.stage,
        "task": notice.task,
        "role": notice.role,
        "agency": notice.agency,
        "assignee": notice.assignee,
        "copy_role": notice.copy_role,
        "due_at": notice.due_at,
        "urgent": notice.urgent,
        "calendar": notice.calendar,
        "details": notice.details,
        "created_at": now,
        "status": "pending",
        "attempts": 0,
        "next_attempt_at": now,
    }


def add_audit(
    connection: Connection,
    case_id: int | None,
    action: str,
    detail: str,
    now: datetime,
    clock_set: bool,
    actor: str | None = None,
) -> None:
    connection.execute(
        audit.insert().values(case_id=case_id, at=now, actor=actor, action=action, detail=detail, clock_set=clock_set)
    )


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
    found = claim_due_timers(connection, now, skip, 1)
    return found[0] if found else None


def load_case_rows(connection: Connection, case_ids: list[int], *, for_update: bool = False) -> dict[int, Any]:
    """Several cases' raw JSON states, locked in id order (a fixed order, so sweepers never lock in a cycle)."""
    query = select(cases.c.id, cases.c.state).where(cases.c.id.in_(sorted(case_ids))).order_by(cases.c.id)
    if for_update:
        query = query.with_for_update()
    return {row.id: row.state for row in connection.execute(query)}


def set_recurrence_timer(connection: Connection, process_id: str, occurrence: int, at: datetime) -> None:
    row = {"slot_key": recurrence_key(process_id), "process_id": process_id, "occurrence": occurrence, "fire_at": at}
    upsert(connection, timers, [row], ["slot_key"])


def add_recurrence_timer(connection: Connection, process_id: str, occurrence: int, at: datetime) -> bool:
    """Give a recurring process its first timer unless it has one; True when this call added it.

    Insert-if-missing, never overwrite: sweepers starting together must not reset a timer another has advanced.
    """
    row = {"slot_key": recurrence_key(process_id), "process_id": process_id, "occurrence": occurrence, "fire_at": at}
    return insert_if_missing(connection, timers, row, "slot_key")


def delete_timer(connection: Connection, timer_id: int) -> None:
    connection.execute(delete(timers).where(timers.c.id == timer_id))


def recurrence_timers(connection: Connection) -> set[str]:
    query = select(timers.c.process_id).where(timers.c.process_id.is_not(None))
    return {row.process_id for row in connection.execute(query)}


def take_lease(connection: Connection, name: str, holder: str, now: datetime, until: datetime) -> bool:
    """Hold `name` until `until` unless someone else holds it unexpired."""
    taken = connection.execute(
        update(leases)
        .where(leases.c.name == name, or_(leases.c.holder == holder, leases.c.expires_at < now))
        .values(holder=holder, expires_at=until)
    ).rowcount
    if taken:
        return True
    insert_ignoring_duplicates(connection, leases, [{"name": name, "holder": holder, "expires_at": until}], ["name"])
    held = connection.execute(select(leases.c.holder).where(leases.c.name == name)).scalar()
    return held == holder


def release_lease(connection: Connection, name: str, holder: str) -> None:
    connection.execute(delete(leases).where(and_(leases.c.name == name, leases.c.holder == holder)))


def count_due_timers(connection: Connection, now: datetime) -> int:
    return connection.execute(select(func.count()).select_from(timers).where(timers.c.fire_at <= now)).scalar_one()
