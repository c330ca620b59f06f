"""Case references: allocated from each process's pattern by a counter per process (and per year, when the
pattern has {year}), or given by hand."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, select, update

from workflows.definitions.model import Process
from workflows.store.schema import cases, reference_counters
from workflows.store.upsert import insert_ignoring_duplicates


def allocate_reference(connection: Connection, process: Process, now: datetime) -> str:
    """The next reference from the process's pattern; the counter runs per year when the pattern has {year}."""
    year = now.year
    scope = f"{process.id}/{year}" if "{year}" in process.reference else process.id
    while True:
        seq = _advance_counter(connection, scope)
        reference = process.format_reference(year, seq)
        if not reference_exists(connection, reference):  # a reference given by hand may have taken it
            return reference


def _advance_counter(connection: Connection, scope: str) -> int:
    """Add one to the scope's counter (starting it at 1) and return it."""
    statement = update(reference_counters).where(reference_counters.c.scope == scope)
    if connection.execute(statement.values(last=reference_counters.c.last + 1)).rowcount == 0:
        insert_ignoring_duplicates(connection, reference_counters, [{"scope": scope, "last": 0}], ["scope"])
        connection.execute(statement.values(last=reference_counters.c.last + 1))
    return connection.execute(select(reference_counters.c.last).where(reference_counters.c.scope == scope)).scalar_one()


def reference_exists(connection: Connection, reference: str) -> bool:
    return connection.execute(select(cases.c.id).where(cases.c.reference == reference)).first() is not None
