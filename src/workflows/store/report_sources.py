"""What `workflows report` reads: the cases that were open at some time in a period (their states streamed a
chunk at a time), and the period's escalation and extension entries from the audit trail."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, and_, or_, select

from workflows.engine.state import CaseState, CaseStatus
from workflows.engine.state_codec import case_from_json
from workflows.engine.vocabulary import AuditAction
from workflows.store.schema import audit, cases

CHUNK_ROWS = 500  # a case's state is a few KB: a chunk stays small however many cases a year holds


@dataclass(frozen=True, slots=True)
class AuditMark:
    """An escalation or an extension: when, of which case's item."""

    case_id: int
    action: AuditAction
    at: datetime
    stage: str | None
    task: str | None
    detail: str


def stream_cases_open_in(
    connection: Connection, start: datetime, end: datetime, process_id: str | None = None
) -> Iterator[tuple[int, CaseState]]:
    """Every case that was running at some time in [start, end), and every case running now (what is overdue
    now is counted from those), in id order."""
    running = [CaseStatus.OPEN.value, CaseStatus.PAUSED.value]
    query = select(cases.c.id, cases.c.state).where(
        or_(
            and_(cases.c.started_at < end, or_(cases.c.closed_at.is_(None), cases.c.closed_at >= start)),
            cases.c.status.in_(running),
        )
    )
    if process_id is not None:
        query = query.where(cases.c.process_id == process_id)
    query = query.order_by(cases.c.id).execution_options(yield_per=CHUNK_ROWS)
    with connection.execute(query) as result:
        for row in result:
            yield row.id, case_from_json(row.state)


def escalations_and_extensions(
    connection: Connection, start: datetime, end: datetime, process_id: str | None = None
) -> list[AuditMark]:
    """The period's escalations and approved extensions, oldest first."""
    wanted = [AuditAction.ESCALATED.value, AuditAction.EXTENDED.value]
    query = (
        select(audit.c.case_id, audit.c.action, audit.c.at, audit.c.stage, audit.c.task, audit.c.detail)
        .join(cases, cases.c.id == audit.c.case_id)
        .where(audit.c.action.in_(wanted), audit.c.at >= start, audit.c.at < end)
        .order_by(audit.c.id)
    )
    if process_id is not None:
        query = query.where(cases.c.process_id == process_id)
    return [
        AuditMark(row.case_id, AuditAction(row.action), row.at, row.stage, row.task, row.detail)
        for row in connection.execute(query)
    ]
