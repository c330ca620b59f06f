"""PostgreSQL: a batch of case updates as psycopg's pipelined executemany against one UPDATE ... FROM unnest(arrays).

Why store/cases.update_cases keeps the executemany: 20,000 cases with a 4 KB JSON state each, in a scratch schema,
updated 64 at a time (a sweep batch's cases), 30 batches per round, the two ways interleaved over 3 rounds.

Run: .venv/bin/python bench/pg_case_update.py   (uses $WORKFLOWS_BENCH_POSTGRES_URL's server, default the local one)
"""

from __future__ import annotations

import json
import os
import random
import time
from collections.abc import Callable

import psycopg

URL = os.environ.get("WORKFLOWS_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test").replace(
    "postgresql+psycopg://", "postgresql://"
)
STATE = json.dumps({"x": "y" * 3000, "n": list(range(200))})


def main() -> None:
    with psycopg.connect(URL) as connection, connection.cursor() as cursor:
        cursor.execute("DROP SCHEMA IF EXISTS bench_case_update CASCADE; CREATE SCHEMA bench_case_update")
        cursor.execute("SET search_path TO bench_case_update")
        cursor.execute(
            "CREATE TABLE cases (id serial primary key, status varchar(20), closed_at timestamp, state json, "
            "revision int default 1)"
        )
        cursor.executemany("INSERT INTO cases (status, state) VALUES (%s, %s)", [("open", STATE)] * 20_000)
        connection.commit()

        def executemany(ids: list[int]) -> None:
            cursor.executemany(
                "UPDATE cases SET status = %s, closed_at = %s, state = %s::json, revision = revision + 1 WHERE id = %s",
                [("open", None, STATE, case_id) for case_id in ids],
            )

        def unnest(ids: list[int]) -> None:
            cursor.execute(
                "UPDATE cases SET status = c.status, closed_at = c.closed_at, state = c.state::json, "
                "revision = cases.revision + 1 FROM unnest(%s::integer[], %s::varchar[], %s::timestamp[], %s::text[]) "
                "AS c(id, status, closed_at, state) WHERE cases.id = c.id",
                (ids, ["open"] * len(ids), [None] * len(ids), [STATE] * len(ids)),
            )

        ways: list[Callable[[list[int]], None]] = [executemany, unnest]
        print("| round | way | ms per batch of 64 cases |")
        print("|---|---|---|")
        for number in range(1, 4):
            for way in ways:
                started = time.perf_counter()
                for _ in range(30):
                    way(sorted(random.sample(range(1, 20_001), 64)))
                    connection.commit()
                print(f"| {number} | {way.__name__} | {(time.perf_counter() - started) / 30 * 1000:.1f} |")
        cursor.execute("DROP SCHEMA bench_case_update CASCADE")
        connection.commit()


if __name__ == "__main__":
    main()
