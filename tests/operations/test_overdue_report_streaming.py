"""The overdue report reads its items as a stream, a chunk at a time (a server-side cursor on PostgreSQL): the same
rows in the same order as the list it read before, with the connection still usable between chunks."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from workflows import clock
from workflows.engine.commands import Complete
from workflows.operations import cases, reports
from workflows.operations.sweeper import tick
from workflows.store.items import open_items
from workflows.store.open_item_stream import stream_open_items
from workflows.store.schema import definitions

AGENCIES = ["stoke-on-trent-city-council", "staffordshire-police", "midlands-partnership-foundation-trust"]


def overdue_cases(runtime, set_clock) -> None:
    """Three rapid reviews waiting for three agencies each, all late by 13 January; one just requested."""
    for day in (16, 17, 18):
        set_clock(f"2026-12-{day}T10:00")
        facts = {"notification_date": date(2026, 12, day), "agencies": AGENCIES}
        reference, _ = cases.start(runtime, "rapid-review", facts)
        cases.run(runtime, reference, Complete("request-chronologies"))
    set_clock("2027-01-13T09:00")
    cases.start(runtime, "rapid-review", {"notification_date": date(2027, 1, 13), "agencies": AGENCIES})
    set_clock("2027-01-13T10:00")
    tick(runtime)


def test_the_stream_holds_the_listed_rows_in_their_order_and_the_connection_serves_other_queries(
    shipped_runtime, set_clock
):
    overdue_cases(shipped_runtime, set_clock)
    due_by = reports.widest_at_risk_horizon(shipped_runtime, clock.now())
    with shipped_runtime.db.connect() as connection:
        listed = [tuple(row) for row in open_items(connection, due_by)]
        streamed = []
        for row in stream_open_items(connection, due_by, chunk_rows=2):  # ten rows: five chunks
            streamed.append(tuple(row))
            # What the report does between rows: read a definition on the same connection.
            assert connection.execute(select(func.count()).select_from(definitions)).scalar_one() >= 1
    assert len(listed) == 10
    assert streamed == listed


def test_the_report_read_item_by_item_is_the_report_listed(shipped_runtime, set_clock):
    overdue_cases(shipped_runtime, set_clock)
    items = list(reports.overdue_items(shipped_runtime))
    assert items == reports.overdue(shipped_runtime)
    assert [item.at_risk for item in items] == [False] * 9 + [True]
    with_processes = list(reports.overdue_items_with_processes(shipped_runtime))
    assert [item for item, _ in with_processes] == items
    assert {process.id for _, process in with_processes} == {"rapid-review"}


def test_a_report_left_part_way_lets_its_connection_go(shipped_runtime, set_clock):
    """An abandoned stream closes its cursor and connection: on SQLite (which locks for every transaction here) a
    command that writes can go straight on."""
    overdue_cases(shipped_runtime, set_clock)
    stream = reports.overdue_items(shipped_runtime)
    next(stream)
    stream.close()
    assert shipped_runtime.db.pool.checkedout() == 0
    cases.start(shipped_runtime, "rapid-review", {"notification_date": date(2027, 1, 13), "agencies": AGENCIES})
