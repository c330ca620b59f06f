"""Seed a database quickly with real-looking open cases, by cloning cases the engine itself started.

A few template cases are started with `operations.cases.start` (and `run`) on a scratch SQLite file, so their
state, items, timers, outbox messages and audit entries are exactly what the engine writes. They are then cloned
with bulk inserts into the store's own tables (COPY on PostgreSQL, executemany on SQLite), each clone with its own
case id, reference (from the process's pattern, the reference counter moved on) and slot keys.

Two shapes:
  --cases N           N open rapid reviews, each with one timer (request-chronologies, due in Nov 2026):
                      every timer is due at SWEEP_AT. What bench/sweep.py sweeps.
  --tasks N           N open per-agency TASK items (rapid reviews with `--agencies K` agencies and
                      request-chronologies done, so N/K cases), notification dates spread over 2026, so their
                      timers are spread over the year. What bench/due_query.py queries.

Run: .venv/bin/python bench/seed.py --db sqlite|postgresql (--cases N | --tasks N [--agencies K]) [--keep]
It prints a markdown table row, and drops what it made unless --keep is given (then it prints the URL).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Table, create_engine, func, select, text

REPO = Path(__file__).resolve().parents[1]
CONFIG, PROCESSES = REPO / "config", REPO / "processes"
POSTGRES_URL = os.environ.get("WORKFLOWS_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
PROCESS = "rapid-review"
# Every --cases timer (and escalation step) has passed by then. A Saturday: a tick then fires timers only, without
# the daily digest that a working morning's first tick builds (bench/sweep.py times that on its own, at DIGEST_AT).
SWEEP_AT_TEXT = "2027-02-13T10:00:00+00:00"
DIGEST_AT_TEXT = "2027-02-15T10:00:00+00:00"  # the Monday morning after
BATCH = 2_000  # cases per bulk insert


def _london(moment: str) -> datetime:
    from workflows.calendar.london import to_london

    return to_london(datetime.fromisoformat(moment))


SWEEP_AT = _london(SWEEP_AT_TEXT)
DIGEST_AT = _london(DIGEST_AT_TEXT)


# -- databases ----------------------------------------------------------------------------------------------------


@contextlib.contextmanager
def bench_database(kind: str, keep: bool = False) -> Iterator[str]:
    """A fresh database URL: an SQLite file under /tmp, or a PostgreSQL schema of its own; removed afterwards."""
    name = f"bench_{uuid.uuid4().hex[:10]}"
    if kind == "sqlite":
        path = Path(tempfile.gettempdir()) / f"workflows-{name}.db"
        try:
            yield f"sqlite:///{path}"
        finally:
            if not keep:
                for suffix in ("", "-wal", "-shm"):
                    Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    if kind != "postgresql":
        raise SystemExit(f"--db sqlite|postgresql, not {kind}")
    admin = create_engine(POSTGRES_URL)
    with admin.begin() as connection:
        connection.execute(text(f"CREATE SCHEMA {name}"))
    separator = "&" if "?" in POSTGRES_URL else "?"
    try:
        yield f"{POSTGRES_URL}{separator}options=-csearch_path%3D{name}"
    finally:
        if not keep:
            with admin.begin() as connection:
                connection.execute(text(f"DROP SCHEMA {name} CASCADE"))
        admin.dispose()


def open_runtime(url: str):
    from workflows.operations.runtime import Runtime

    return Runtime.open(CONFIG, PROCESSES, url, create=True)


@contextlib.contextmanager
def clock_at(moment: str) -> Iterator[None]:
    previous = os.environ.get("WORKFLOWS_NOW")
    os.environ["WORKFLOWS_NOW"] = moment
    try:
        yield
    finally:
        if previous is None:
            del os.environ["WORKFLOWS_NOW"]
        else:
            os.environ["WORKFLOWS_NOW"] = previous


# -- templates ----------------------------------------------------------------------------------------------------


@dataclass
class Template:
    """Every row one engine-made case wrote, read back through the store's types (aware datetimes, dicts)."""

    reference: str
    year: int
    case: dict[str, Any]
    items: list[dict[str, Any]]
    timers: list[dict[str, Any]]
    outbox: list[dict[str, Any]]
    audit: list[dict[str, Any]]


def make_templates(dates: list[date], agencies: list[str], open_tasks: bool) -> tuple[list[Template], list[dict]]:
    """One rapid review per notification date, started (and its chronologies requested) by the engine."""
    from workflows.engine.commands import Complete
    from workflows.operations import cases as ops
    from workflows.store import schema

    with bench_database("sqlite") as url:
        runtime = open_runtime(url)
        references = []
        for number, notified in enumerate(dates):
            reference = f"TEMPLATE{number:05d}X"
            with clock_at(f"{notified.isoformat()}T10:00"):
                facts = {"notification_date": notified, "agencies": agencies, "child_name": "Jane Doe"}
                ops.start(runtime, PROCESS, facts, reference=reference)
                if open_tasks:
                    ops.run(runtime, reference, Complete("request-chronologies"))
            references.append((reference, notified.year))
        templates = []
        with runtime.db.connect() as connection:
            definitions = [dict(row._mapping) for row in connection.execute(select(schema.definitions))]
            for reference, year in references:
                case = dict(
                    connection.execute(select(schema.cases).where(schema.cases.c.reference == reference)).one()._mapping
                )

                def rows(table: Table, case_id: int = case["id"]) -> list[dict[str, Any]]:
                    query = select(table).where(table.c.case_id == case_id).order_by(table.c.id)
                    return [dict(row._mapping) for row in connection.execute(query)]

                templates.append(
                    Template(
                        reference,
                        year,
                        case,
                        rows(schema.items),
                        rows(schema.timers),
                        rows(schema.outbox),
                        rows(schema.audit),
                    )
                )
        runtime.db.dispose()
    return templates, definitions


def _replace(value: Any, old: str, new: str) -> Any:
    if isinstance(value, str):
        return value.replace(old, new)
    if isinstance(value, dict):
        return {key: _replace(item, old, new) for key, item in value.items()}
    if isinstance(value, list):
        return [_replace(item, old, new) for item in value]
    return value


# -- bulk insert --------------------------------------------------------------------------------------------------


class BulkWriter:
    """Insert many rows into one of the store's tables, converting values as the store's column types do."""

    def __init__(self, connection: Connection, table: Table, columns: list[str]) -> None:
        self.connection = connection
        self.table = table
        self.columns = columns
        dialect = connection.dialect
        self.postgresql = dialect.name == "postgresql"
        self.convert: list[Callable[[Any], Any] | None] = []
        for name in columns:
            column_type = table.c[name].type
            if column_type.__class__.__name__ == "JSON":
                self.convert.append(lambda value: None if value is None else json.dumps(value))
            else:
                self.convert.append(column_type.bind_processor(dialect))

    def _tuples(self, rows: Iterable[dict[str, Any]]) -> Iterator[tuple]:
        pairs = list(zip(self.columns, self.convert, strict=True))
        for row in rows:
            yield tuple(convert(row[name]) if convert else row[name] for name, convert in pairs)

    def write(self, rows: Iterable[dict[str, Any]]) -> None:
        driver = self.connection.connection.driver_connection
        names = ", ".join(self.columns)
        if self.postgresql:
            with driver.cursor() as cursor, cursor.copy(f"COPY {self.table.name} ({names}) FROM STDIN") as copy:
                for row in self._tuples(rows):
                    copy.write_row(row)
        else:
            marks = ", ".join("?" for _ in self.columns)
            driver.executemany(f"INSERT INTO {self.table.name} ({names}) VALUES ({marks})", self._tuples(rows))


def _columns(table: Table, leave_out: tuple[str, ...] = ("id",)) -> list[str]:
    return [column.name for column in table.columns if column.name not in leave_out]


def clone(url: str, templates: list[Template], definitions: list[dict], count: int) -> dict[str, int]:
    """`count` cases, cycling through the templates; rows written per table."""
    from workflows.store import schema
    from workflows.store.upsert import insert_ignoring_duplicates, upsert

    runtime = open_runtime(url)  # creates the schema (migrations)
    process = runtime.library.get(PROCESS)
    written = dict.fromkeys(("cases", "items", "timers", "outbox", "audit"), 0)
    with runtime.db.begin() as connection:
        insert_ignoring_duplicates(connection, schema.definitions, definitions, ["hash"])
        next_id = (connection.execute(select(func.max(schema.cases.c.id))).scalar() or 0) + 1
        counters: dict[int, int] = {}
        for year in {template.year for template in templates}:
            scope = f"{process.id}/{year}" if "{year}" in process.reference else process.id
            counters[year] = (
                connection.execute(
                    select(schema.reference_counters.c.last).where(schema.reference_counters.c.scope == scope)
                ).scalar()
                or 0
            )
        writers = {
            "cases": BulkWriter(connection, schema.cases, [column.name for column in schema.cases.columns]),
            "items": BulkWriter(connection, schema.items, _columns(schema.items)),
            "timers": BulkWriter(connection, schema.timers, _columns(schema.timers)),
            "outbox": BulkWriter(connection, schema.outbox, _columns(schema.outbox)),
            "audit": BulkWriter(connection, schema.audit, _columns(schema.audit)),
        }
        for start in range(0, count, BATCH):
            batch: dict[str, list[dict[str, Any]]] = {name: [] for name in writers}
            for number in range(start, min(count, start + BATCH)):
                template = templates[number % len(templates)]
                counters[template.year] += 1
                reference = process.format_reference(template.year, counters[template.year])
                case_id = next_id + number
                old_id = template.case["id"]
                case = {**template.case, "id": case_id, "reference": reference}
                case["state"] = _replace(template.case["state"], template.reference, reference)
                batch["cases"].append(case)
                batch["items"] += [{**row, "case_id": case_id} for row in template.items]
                batch["timers"] += [
                    {
                        **row,
                        "case_id": case_id,
                        "slot_key": row["slot_key"].replace(f"case/{old_id}/", f"case/{case_id}/"),
                    }
                    for row in template.timers
                ]
                batch["outbox"] += [
                    {**_replace(row, template.reference, reference), "case_id": case_id} for row in template.outbox
                ]
                batch["audit"] += [  # as written in service, not in a rehearsal with WORKFLOWS_NOW set
                    {**_replace(row, template.reference, reference), "case_id": case_id, "clock_set": False}
                    for row in template.audit
                ]
            for name, writer in writers.items():
                writer.write(batch[name])
                written[name] += len(batch[name])
        for year, last in counters.items():
            scope = f"{process.id}/{year}" if "{year}" in process.reference else process.id
            upsert(connection, schema.reference_counters, [{"scope": scope, "last": last}], ["scope"])
        if connection.dialect.name == "postgresql":
            for table in ("cases", "items", "timers", "outbox", "audit"):
                connection.execute(
                    text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
                )
    if runtime.db.dialect.name == "postgresql":
        # What autovacuum would soon do on a live system: statistics, and the visibility map for index-only scans.
        with runtime.db.connect() as connection:
            connection.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM ANALYZE"))
    runtime.db.dispose()
    return written


def last_firing_templates() -> tuple[list[Template], list[dict]]:
    """Rapid reviews notified on one of 30 days of November 2026, one timer each, every one due at SWEEP_AT."""
    dates = [date(2026, 11, 1) + timedelta(days=day) for day in range(30)]
    agencies = ["stoke-on-trent-city-council", "staffordshire-police"]
    return make_templates(dates, agencies, open_tasks=False)


def seed_cases(url: str, count: int) -> dict[str, int]:
    """`count` open rapid reviews, one due timer each (notified on one of 30 days of November 2026)."""
    templates, definitions = last_firing_templates()
    return clone(url, templates, definitions, count)


# The working days bench/sweep.py's reminder shape sweeps, one tick each after working hours (so no digest).
REMINDER_DAYS = [date(2027, 2, 8) + timedelta(days=day) for day in range(5)]  # Monday to Friday
REMINDER_TICK = "18:30"


def reminder_templates(agencies: int) -> tuple[list[Template], list[dict]]:
    """Rapid reviews with `agencies` open agency chronology tasks each, notified on each of the 15 working days
    before REMINDER_DAYS: over those days every task is somewhere on its ladder (reminders 3 and 1 working days
    before day 10, the due-day notice, overdue notices every working day, escalations after 1 and 2), so most
    firings schedule the task's next timer and a few are its last."""
    dates: list[date] = []
    day = REMINDER_DAYS[0]
    while len(dates) < 15:
        day -= timedelta(days=1)
        if day.weekday() < 5:
            dates.append(day)
    return make_templates(sorted(dates), task_agencies(agencies), open_tasks=True)


def task_agencies(count: int) -> list[str]:
    from workflows.config.loader import load_config

    known = list(load_config(CONFIG).directory.agencies)
    if count > len(known):
        raise SystemExit(f"--agencies at most {len(known)}, the directory's agencies")
    return known[:count]


def seed_tasks(url: str, tasks: int, agencies: int) -> dict[str, int]:
    """`tasks` open agency tasks: tasks/agencies rapid reviews with their chronology requests sent, over 2026."""
    dates = [date(2026, 1, 1) + timedelta(days=day) for day in range(365)]
    templates, definitions = make_templates(dates, task_agencies(agencies), open_tasks=True)
    return clone(url, templates, definitions, -(-tasks // agencies))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=["sqlite", "postgresql"], required=True)
    shape = parser.add_mutually_exclusive_group(required=True)
    shape.add_argument("--cases", type=int, help="open cases, one due timer each")
    shape.add_argument("--tasks", type=int, help="open per-agency task items, each with a timer")
    parser.add_argument("--agencies", type=int, default=10, help="tasks per case with --tasks (default 10)")
    parser.add_argument("--keep", action="store_true", help="keep the database and print its URL")
    args = parser.parse_args()
    with bench_database(args.db, keep=args.keep) as url:
        started = time.perf_counter()
        written = seed_cases(url, args.cases) if args.cases else seed_tasks(url, args.tasks, args.agencies)
        seconds = time.perf_counter() - started
        rows = sum(written.values())
        print("| db | cases | items | timers | outbox | audit | seconds | rows/s |")
        print("|---|---|---|---|---|---|---|---|")
        counts = " | ".join(f"{written[name]:,}" for name in ("cases", "items", "timers", "outbox", "audit"))
        print(f"| {args.db} | {counts} | {seconds:.1f} | {rows / seconds:,.0f} |")
        if args.keep:
            print(f"kept: {url}", file=sys.stderr)


if __name__ == "__main__":
    main()
