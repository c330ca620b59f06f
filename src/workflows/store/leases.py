"""The leases table: on SQLite one sweeper at a time holds the sweeper's lease (PostgreSQL sweepers share work)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, and_, delete, or_, select, update

from workflows.store.schema import leases
from workflows.store.upsert import insert_ignoring_duplicates


def take_lease(connection: Connection, name: str, holder: str, now: datetime, until: datetime) -> bool:
    """Hold `name` until `until` unless someone else holds it unexpired.

    `now` and `until` are real (wall-clock) times, never a rehearsal's. A lease expiring after `until` cannot have
    been granted on the real clock (a lease lasts as long as this one would): it was left by a version that used
    the rehearsal clock, and is taken over as stale, like an expired one.
    """
    stale = or_(leases.c.expires_at < now, leases.c.expires_at > until)
    taken = connection.execute(
        update(leases)
        .where(leases.c.name == name, or_(leases.c.holder == holder, stale))
        .values(holder=holder, expires_at=until)
    ).rowcount
    if taken:
        return True
    insert_ignoring_duplicates(connection, leases, [{"name": name, "holder": holder, "expires_at": until}], ["name"])
    held = connection.execute(select(leases.c.holder).where(leases.c.name == name)).scalar()
    return held == holder


def lease_holder(connection: Connection, name: str) -> str | None:
    return connection.execute(select(leases.c.holder).where(leases.c.name == name)).scalar()


def take_over_lease(connection: Connection, name: str, abandoned_by: str, holder: str, until: datetime) -> bool:
    """Take `name` from a holder known to be gone, unless someone else took it first."""
    return bool(
        connection.execute(
            update(leases)
            .where(leases.c.name == name, leases.c.holder == abandoned_by)
            .values(holder=holder, expires_at=until)
        ).rowcount
    )


def renew_lease(connection: Connection, name: str, holder: str, until: datetime) -> None:
    connection.execute(update(leases).where(leases.c.name == name, leases.c.holder == holder).values(expires_at=until))


def release_lease(connection: Connection, name: str, holder: str) -> None:
    connection.execute(delete(leases).where(and_(leases.c.name == name, leases.c.holder == holder)))
