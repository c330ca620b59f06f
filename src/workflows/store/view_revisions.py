"""Which cases the DSP view must republish: those changed since it last published them.

Every write to a case (its state, or the delivery of its messages) bumps `cases.revision`. The sweep reads
(id, revision), publishes the case, then records that revision as published: a change made meanwhile has a
higher revision, so the next sweep publishes it again. Nothing is ever missed, whatever made the change.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Connection, bindparam, select, update

from workflows.store.schema import cases


@dataclass(frozen=True, slots=True)
class ChangedCase:
    id: int
    reference: str
    revision: int


def touch_cases(connection: Connection, case_ids: Iterable[int | None]) -> None:
    """Mark cases changed (for writes that do not go through the case's state, such as delivery)."""
    ids = sorted({case_id for case_id in case_ids if case_id is not None})
    if ids:
        connection.execute(update(cases).where(cases.c.id.in_(ids)).values(revision=cases.c.revision + 1))


def changed_cases(connection: Connection, limit: int) -> list[ChangedCase]:
    """Cases whose view is behind their state, oldest case first."""
    query = (
        select(cases.c.id, cases.c.reference, cases.c.revision)
        .where(cases.c.revision != cases.c.published_revision)
        .order_by(cases.c.id)
        .limit(limit)
    )
    return [ChangedCase(row.id, row.reference, row.revision) for row in connection.execute(query)]


_MARK_PUBLISHED = (
    update(cases)
    .where(cases.c.id == bindparam("case_key"), cases.c.published_revision < bindparam("seen"))
    .values(published_revision=bindparam("seen"))
)


def mark_published(connection: Connection, published: Iterable[ChangedCase]) -> None:
    """Record the revision each view showed (never moving a newer record back)."""
    rows = [{"case_key": case.id, "seen": case.revision} for case in published]
    if rows:
        connection.execute(_MARK_PUBLISHED, rows)
