"""Case references: allocated from each process's pattern by a counter per process (and per year, when the
pattern has {year}), or given by hand."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, or_, select, update

from workflows.definitions.model import Process
from workflows.store.schema import cases, reference_counters
from workflows.store.upsert import insert_ignoring_duplicates
from workflows.text.keys import key_of


def allocate_reference(connection: Connection, process: Process, now: datetime) -> str:
    """The next reference from the process's pattern; the counter runs per year when the pattern has {year}."""
    year = now.year
    scope = f"{process.id}/{year}" if "{year}" in process.reference else process.id
    while True:
        seq = _advance_counter(connection, scope)
        reference = process.format_reference(year, seq)
        if reference_taken_by(connection, reference) is None:  # a reference given by hand may have taken it
            return reference


def _advance_counter(connection: Connection, scope: str) -> int:
    """Add one to the scope's counter (starting it at 1) and return it."""
    statement = update(reference_counters).where(reference_counters.c.scope == scope)
    if connection.execute(statement.values(last=reference_counters.c.last + 1)).rowcount == 0:
        insert_ignoring_duplicates(connection, reference_counters, [{"scope": scope, "last": 0}], ["scope"])
        connection.execute(statement.values(last=reference_counters.c.last + 1))
    return connection.execute(select(reference_counters.c.last).where(reference_counters.c.scope == scope)).scalar_one()


def reference_key(reference: str) -> str | None:
    """What makes two references one case's: letter case and runs of anything but letters and digits do not count
    (RR-2026-001, rr-2026-001). The DSPs' artifact `case-<key>` is named by it, so no two cases share one."""
    return key_of(reference) or None


def reference_taken_by(connection: Connection, reference: str) -> str | None:
    """The reference of the case that has this one, or one the same without regard to case; None if none has."""
    key = reference_key(reference)
    same = or_(cases.c.reference == reference, cases.c.reference_key == key) if key else cases.c.reference == reference
    return connection.execute(select(cases.c.reference).where(same).limit(1)).scalar()
