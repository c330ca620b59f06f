"""The list of cases: reference, process, state, when it started and closed, how many items are open and overdue.

It reads no facts (nor the case state that holds them), so nothing sensitive can appear in it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, case, distinct, func, select

from workflows.calendar.london import to_london
from workflows.engine.state import CaseStatus, ItemStatus
from workflows.store.schema import cases, items


@dataclass(frozen=True, slots=True)
class CaseSummary:
    reference: str
    process: str
    state: str
    started_at: datetime
    closed_at: datetime | None
    open_items: int
    overdue_items: int

    def as_json(self) -> dict[str, Any]:
        return {
            "reference": self.reference,
            "process": self.process,
            "state": self.state,
            "started_at": to_london(self.started_at).isoformat(),
            "closed_at": to_london(self.closed_at).isoformat() if self.closed_at else None,
            "open_items": self.open_items,
            "overdue_items": self.overdue_items,
        }


def case_summaries(
    connection: Connection, now: datetime, *, process: str | None = None, state: str | None = None
) -> list[CaseSummary]:
    """Cases newest first, optionally of one process or in one state. Overdue counts only for open cases: a paused
    case's clock is stopped (as in the overdue report)."""
    tallies = (
        select(
            items.c.case_id,
            func.count().label("open_items"),
            func.sum(case((items.c.due_at < now, 1), else_=0)).label("overdue_items"),
        )
        .where(items.c.status == ItemStatus.OPEN.value)
        .group_by(items.c.case_id)
        .subquery()
    )
    query = (
        select(
            cases.c.reference,
            cases.c.process_id,
            cases.c.status,
            cases.c.started_at,
            cases.c.closed_at,
            func.coalesce(tallies.c.open_items, 0).label("open_items"),
            func.coalesce(tallies.c.overdue_items, 0).label("overdue_items"),
        )
        .select_from(cases.outerjoin(tallies, tallies.c.case_id == cases.c.id))
        .order_by(cases.c.started_at.desc(), cases.c.id.desc())
    )
    if process is not None:
        query = query.where(cases.c.process_id == process)
    if state is not None:
        query = query.where(cases.c.status == state)
    return [
        CaseSummary(
            reference=row.reference,
            process=row.process_id,
            state=row.status,
            started_at=row.started_at,
            closed_at=row.closed_at,
            open_items=int(row.open_items),
            overdue_items=int(row.overdue_items) if row.status == CaseStatus.OPEN.value else 0,
        )
        for row in connection.execute(query)
    ]


def processes_with_cases(connection: Connection) -> set[str]:
    """Every process some case was started with, including processes since removed from the library."""
    return set(connection.scalars(select(distinct(cases.c.process_id))))
