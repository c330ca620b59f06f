"""The raw-SQL baseline: the exact statements a sweep sent to its database, replayed through the driver alone.

`Recording` listens to an engine's cursor executions and commits while the sweep runs, keeping each statement's
SQL and its parameters as the driver received them (after SQLAlchemy's compiling and the column types'
conversions, JSON already encoded). `replay` sends the same statements, with the same parameters, in the same
transactions, to an identical copy of the database taken before the sweep, through the DB-API cursor, and
fetches every row a SELECT returns. Its time is what the database itself needs to write exactly the rows the
sweep wrote, on the same schema: the sweep's time over it is what our Python costs (the engine, the codec,
SQLAlchemy). The ratio is replay time / sweep time, measured in one run.
"""

from __future__ import annotations

import gc
import time
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, event


@dataclass
class Statement:
    sql: str
    parameters: Any
    many: bool


@dataclass
class Recording:
    """Transactions, each the list of statements sent in it (a transaction ends at a commit or a rollback)."""

    transactions: list[list[Statement]] = field(default_factory=lambda: [[]])

    def attach(self, engine: Engine) -> None:
        event.listen(engine, "before_cursor_execute", self._executed)
        event.listen(engine, "commit", self._ended)
        event.listen(engine, "rollback", self._ended)

    def detach(self, engine: Engine) -> None:
        event.remove(engine, "before_cursor_execute", self._executed)
        event.remove(engine, "commit", self._ended)
        event.remove(engine, "rollback", self._ended)

    def _executed(self, _connection, _cursor, sql: str, parameters: Any, _context, many: bool) -> None:
        # SQLAlchemy reports an "insertmanyvalues" batch (one INSERT of many rows, flat parameters) as a many:
        # what the driver receives is one execute.
        many = many and isinstance(parameters, list | tuple) and _rows(parameters)
        self.transactions[-1].append(Statement(sql, parameters, many))

    def _ended(self, _connection) -> None:
        if self.transactions[-1]:
            self.transactions.append([])
            # What is recorded is kept out of the garbage collector's scans: millions of kept parameters would
            # otherwise make every full collection during the sweep slower, and charge the sweep for recording.
            gc.freeze()

    @property
    def statements(self) -> int:
        return sum(len(statements) for statements in self.transactions)


def _rows(parameters: list | tuple) -> bool:
    return bool(parameters) and isinstance(parameters[0], dict | list | tuple)


def _frozen(parameters: Any) -> Any:
    """Parameters with psycopg's lazy JSON wrappers encoded now: the replay must not pay for our encoding."""
    if isinstance(parameters, list | tuple) and _rows(parameters):
        return [_frozen(row) for row in parameters]
    if isinstance(parameters, dict):
        return {name: _encoded(value) for name, value in parameters.items()}
    if isinstance(parameters, list | tuple):
        return type(parameters)(_encoded(value) for value in parameters)
    return parameters


def _encoded(value: Any) -> Any:
    dumps = getattr(value, "dumps", None)  # psycopg.types.json.Json / Jsonb
    if dumps is not None and hasattr(value, "obj"):
        text = dumps(value.obj)
        return text.decode() if isinstance(text, bytes) else text
    return value


def replay(engine: Engine, recording: Recording) -> float:
    """Seconds to send `recording`'s statements through `engine`'s raw driver connection, committing each
    transaction as the sweep did."""
    for statements in recording.transactions:  # before the clock starts: the sweep paid for its encoding
        for statement in statements:
            statement.parameters = _frozen(statement.parameters)
    raw = engine.raw_connection()
    try:
        driver = raw.driver_connection
        sqlite = engine.dialect.name == "sqlite"
        if sqlite:
            driver.isolation_level = None  # as store/database.py sets it: the recorded BEGIN IMMEDIATE begins
        started = time.perf_counter()
        cursor = driver.cursor()
        for statements in recording.transactions:
            if not statements:
                continue
            for statement in statements:
                if statement.many:
                    cursor.executemany(statement.sql, statement.parameters)
                else:
                    cursor.execute(statement.sql, statement.parameters)
                    if cursor.description is not None:
                        cursor.fetchall()
            if sqlite:
                if driver.in_transaction:
                    cursor.execute("COMMIT")
            else:
                driver.commit()
        return time.perf_counter() - started
    finally:
        raw.close()
