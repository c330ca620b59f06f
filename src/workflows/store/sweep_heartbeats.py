"""The sweep_heartbeats table: when a sweep last finished (real time), so that a sweep that stops is noticed."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, select, update

from workflows.store.schema import sweep_heartbeats
from workflows.store.upsert import insert_ignoring_duplicates

SWEEP = "sweep"


def record_sweep_finished(connection: Connection, sweeper: str, finished_at: datetime) -> None:
    """`finished_at` is the wall clock's, never a rehearsal's: it says when the sweep really ran."""
    values = {"sweeper": sweeper, "finished_at": finished_at}
    if connection.execute(update(sweep_heartbeats).where(sweep_heartbeats.c.name == SWEEP).values(**values)).rowcount:
        return
    insert_ignoring_duplicates(connection, sweep_heartbeats, [{"name": SWEEP, **values}], ["name"])


def last_sweep_finished(connection: Connection) -> datetime | None:
    return connection.execute(select(sweep_heartbeats.c.finished_at).where(sweep_heartbeats.c.name == SWEEP)).scalar()
