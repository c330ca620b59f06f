"""INSERT ... ON CONFLICT for both SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Table


def _insert(connection: Connection, table: Table):
    if connection.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(table)


def upsert(connection: Connection, table: Table, rows: Sequence[dict[str, Any]], keys: Sequence[str]) -> None:
    """Insert rows; where a row with the same `keys` exists, overwrite its other columns."""
    if not rows:
        return
    statement = _insert(connection, table)
    updates = {name: statement.excluded[name] for name in rows[0] if name not in keys}
    connection.execute(statement.on_conflict_do_update(index_elements=list(keys), set_=updates), list(rows))


def insert_ignoring_duplicates(
    connection: Connection, table: Table, rows: Sequence[dict[str, Any]], keys: Sequence[str]
) -> None:
    if not rows:
        return
    statement = _insert(connection, table).on_conflict_do_nothing(index_elements=list(keys))
    connection.execute(statement, list(rows))
