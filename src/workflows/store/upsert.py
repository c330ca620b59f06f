"""INSERT ... ON CONFLICT for both SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Table

# Built statements by (dialect, table, columns, keys, kind): building an ON CONFLICT clause costs more
# than running it, and these run on every engine step.
_STATEMENTS: dict[tuple[Any, ...], Any] = {}


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
    cache_key = (connection.dialect.name, table.name, tuple(rows[0]), tuple(keys), "update")
    statement = _STATEMENTS.get(cache_key)
    if statement is None:
        insert = _insert(connection, table)
        updates = {name: insert.excluded[name] for name in rows[0] if name not in keys}
        statement = _STATEMENTS[cache_key] = insert.on_conflict_do_update(index_elements=list(keys), set_=updates)
    connection.execute(statement, list(rows))


def insert_ignoring_duplicates(
    connection: Connection, table: Table, rows: Sequence[dict[str, Any]], keys: Sequence[str]
) -> None:
    if not rows:
        return
    cache_key = (connection.dialect.name, table.name, tuple(keys), "nothing")
    statement = _STATEMENTS.get(cache_key)
    if statement is None:
        statement = _STATEMENTS[cache_key] = _insert(connection, table).on_conflict_do_nothing(
            index_elements=list(keys)
        )
    connection.execute(statement, list(rows))


def insert_if_missing(connection: Connection, table: Table, row: dict[str, Any], key: str) -> bool:
    """Insert one row unless its key exists; True when this call inserted it (RETURNING, not rowcount,
    which the PostgreSQL driver does not report for this statement)."""
    statement = _insert(connection, table).values(**row).on_conflict_do_nothing(index_elements=[key])
    return connection.execute(statement.returning(table.c[key])).first() is not None


def insert_new(connection: Connection, table: Table, rows: Sequence[dict[str, Any]], key: str) -> list[Any]:
    """Insert the rows whose `key` is new, in one statement; return the keys this call inserted (RETURNING:
    another writer may have inserted some of them first, and the PostgreSQL driver reports no rowcount here)."""
    if not rows:
        return []
    cache_key = (connection.dialect.name, table.name, (key,), "nothing-returning")
    statement = _STATEMENTS.get(cache_key)
    if statement is None:
        statement = _STATEMENTS[cache_key] = (
            _insert(connection, table).on_conflict_do_nothing(index_elements=[key]).returning(table.c[key])
        )
    return list(connection.execute(statement, list(rows)).scalars())
