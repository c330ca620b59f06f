"""The leases table: on SQLite one sweeper at a time holds the sweeper's lease (PostgreSQL sweepers share work)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, and_, delete, or_, select, update

from workflows.store.schema import leases
from workflows.store.upsert import insert_ignoring_duplicates


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
