"""A sweep that fails on one case stores nothing of that case and carries on with the others (issue 12, section 1:
on SQLite a failing `tick` left part of its work stored). Run on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from workflows.operations import cases, sweeper
from workflows.operations.runtime import Runtime
from workflows.operations.sweeper import SweepCount
from workflows.store.schema import audit, items, outbox, timers
from workflows.store.schema import cases as cases_table


@pytest.fixture
def runtime(tmp_path, config_dir, demo_text, db_url):
    processes = tmp_path / "processes"
    processes.mkdir()
    (processes / "demo.yaml").write_text(demo_text)
    opened = Runtime.open(config_dir, processes, db_url, create=True)
    yield opened
    opened.db.dispose()


def snapshot(runtime: Runtime, case_id: int) -> dict[str, list]:
    """Everything stored about one case."""
    with runtime.db.connect() as connection:
        found = {}
        for table in (items, timers, outbox, audit):
            rows = connection.execute(select(table).where(table.c.case_id == case_id).order_by(table.c.id))
            found[table.name] = [tuple(row) for row in rows]
        found["case"] = [
            tuple(row) for row in connection.execute(select(cases_table).where(cases_table.c.id == case_id))
        ]
    return found


def case_ids(runtime: Runtime) -> dict[str, int]:
    with runtime.db.connect() as connection:
        return {row.reference: row.id for row in connection.execute(select(cases_table.c.reference, cases_table.c.id))}


def test_a_case_whose_step_fails_to_store_keeps_all_it_had_and_the_others_go_on(runtime, set_clock, monkeypatch):
    set_clock("2027-01-04T10:00")
    failing, fine = (
        cases.start(runtime, "demo", {"notified_on": date(2027, 1, 4), "agencies": ["police"]})[0] for _ in range(2)
    )
    ids = case_ids(runtime)
    before = snapshot(runtime, ids[failing])
    store = sweeper.persist_steps

    def store_then_fail_on_one_case(connection, runtime_, steps, now):
        store(connection, runtime_, steps, now)  # its rows are written in the transaction...
        if any(step.case_id == ids[failing] for step in steps):
            raise RuntimeError("the store failed")  # ...and must all be rolled back

    monkeypatch.setattr(sweeper, "persist_steps", store_then_fail_on_one_case)
    set_clock("2027-02-15T10:00")
    fired = sweeper.tick(runtime)
    assert fired[SweepCount.FAILED] >= 1
    assert snapshot(runtime, ids[failing]) == before
    assert snapshot(runtime, ids[fine]) != snapshot(runtime, ids[failing])  # the other case was swept
    assert fired[SweepCount.DUE] >= 1

    monkeypatch.setattr(sweeper, "persist_steps", store)  # the fault mended: its timers were still due
    assert sweeper.tick(runtime)[SweepCount.DUE] >= 1
    assert snapshot(runtime, ids[failing]) != before


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(year=st.integers(min_value=1, max_value=9999) | st.sampled_from([1989, 2201, 9999]))
def test_a_sweep_with_a_clock_out_of_range_stores_nothing(runtime, year):
    from datetime import datetime

    from workflows.calendar.london import LONDON
    from workflows.clock import ClockError

    with runtime.db.connect() as connection:
        stored_before = [connection.execute(select(table)).all() for table in (cases_table, timers, audit)]
    moment = datetime(year, 6, 1, 10, tzinfo=LONDON)
    if 1990 <= year <= 2200:
        sweeper.tick(runtime, moment)
        return
    with pytest.raises(ClockError):
        sweeper.tick(runtime, moment)
    with runtime.db.connect() as connection:
        assert [connection.execute(select(table)).all() for table in (cases_table, timers, audit)] == stored_before
