"""The items table: one row per stage (or per task of a fanned-out stage), kept in step with each case's state in
the same transaction, so that what is overdue or at risk is one indexed query."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, Select, delete, select

from workflows.definitions.model import Process
from workflows.engine.state import CaseState, CaseStatus, ItemStatus
from workflows.store.schema import cases, items
from workflows.store.upsert import upsert


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


def open_items_query(due_by: datetime) -> Select:
    """Open items of open cases due by `due_by`, earliest first, each with its case's id, reference, process and
    definition hash (also timed by bench/due_query.py)."""
    return (
        select(
            cases.c.id,
            cases.c.reference,
            cases.c.process_id,
            cases.c.definition_hash,
            items.c.stage,
            items.c.task,
            items.c.owner_role,
            items.c.agency,
            items.c.due_at,
            items.c.escalation_level,
        )
        .join(cases, cases.c.id == items.c.case_id)
        .where(
            items.c.status == ItemStatus.OPEN.value,
            items.c.due_at <= due_by,
            cases.c.status == CaseStatus.OPEN.value,
        )
        .order_by(items.c.due_at)
    )


def open_items(connection: Connection, due_by: datetime) -> list[Row[Any]]:
    return list(connection.execute(open_items_query(due_by)))


def definitions_of_cases_with_items_due_by(connection: Connection, due_by: datetime) -> dict[str, str]:
    """The definition hash of each open case with an open item due by `due_by`, by reference. Reads no case
    state (nor the facts it holds)."""
    listed = open_items_query(due_by).subquery()
    query = select(cases.c.reference, cases.c.definition_hash).where(cases.c.id.in_(select(listed.c.id)))
    return {row.reference: row.definition_hash for row in connection.execute(query)}
