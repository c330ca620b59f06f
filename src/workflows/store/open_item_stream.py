"""Open items due by a moment, streamed: the overdue report and the DSP views read them a chunk at a time, so a
process listing 100,000 items holds a chunk of rows, never all of them.

The query is store.items.open_items_query, unchanged (same rows, same order). On PostgreSQL `yield_per` reads
through a server-side cursor; on SQLite the driver steps through the result as it is fetched.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row

from workflows.store.items import open_items_query

# Rows fetched at a time: large enough that round trips cost little, small enough to hold (a row is < 1 KB).
CHUNK_ROWS = 1_000


def stream_open_items(connection: Connection, due_by: datetime, chunk_rows: int = CHUNK_ROWS) -> Iterator[Row[Any]]:
    """Open items of open cases due by `due_by`, earliest first, as store.items.open_items lists them.

    The connection stays usable while the stream is open (the report reads definitions on it as it goes). Stop
    early and the cursor is closed with the generator.
    """
    query = open_items_query(due_by).execution_options(yield_per=chunk_rows)
    with connection.execute(query) as result:
        yield from result
