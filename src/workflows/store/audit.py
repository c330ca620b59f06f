"""The audit trail: what happened to each case (and to the schedule of recurring processes), who did it, when."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, select

from workflows.engine.effects import Audit
from workflows.store.schema import audit


def add_audit(
    connection: Connection,
    case_id: int | None,
    action: str,
    detail: str,
    now: datetime,
    clock_set: bool,
    actor: str | None = None,
) -> None:
    """One entry written by the shell itself (not an engine step's): `case_id` None for the schedule's own."""
    connection.execute(
        audit.insert().values(case_id=case_id, at=now, actor=actor, action=action, detail=detail, clock_set=clock_set)
    )


def audit_row(case_id: int, entry: Audit, now: datetime, clock_set: bool) -> dict[str, Any]:
    """The row of an engine step's audit entry, for `add_audit_rows`."""
    return {
        "case_id": case_id,
        "at": now,
        "actor": entry.actor,
        "action": entry.action,
        "stage": entry.stage,
        "task": entry.task,
        "detail": entry.detail,
        "clock_set": clock_set,
    }


def add_audit_rows(connection: Connection, rows: Sequence[dict[str, Any]]) -> None:
    """Several entries (rows from `audit_row`) in one statement."""
    if rows:
        connection.execute(audit.insert(), list(rows))


def case_audit(connection: Connection, case_id: int) -> list[Row[Any]]:
    """A case's entries, oldest first."""
    return list(connection.execute(select(audit).where(audit.c.case_id == case_id).order_by(audit.c.id)))
