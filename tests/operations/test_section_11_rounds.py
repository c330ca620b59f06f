"""The shipped Section 11 audit: a round every two years from the directory's agencies, one task per agency.

Dates worked out by hand from config/calendar.yaml, as journey_helpers.py says; on SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import date

import pytest
from journey_helpers import assert_fired, at, case_facts, due_of, references_of, stages_of
from sqlalchemy import select

from workflows.engine.commands import Complete
from workflows.operations import cases
from workflows.operations.errors import InvalidInput, OperationError
from workflows.operations.sweeper import tick
from workflows.store.schema import cases as case_table
from workflows.store.schema import timers


def test_section_11_rounds_open_every_two_years_with_a_task_per_agency(shipped_runtime, set_clock):
    runtime = shipped_runtime
    section_11 = runtime.config.directory.select_agencies(audit="section-11")
    assert len(section_11) == 15
    set_clock("2026-03-31T10:00")
    assert_fired(tick(runtime), {"cycle-start": 0})
    assert references_of(runtime, "section-11-audit") == []
    with runtime.db.connect() as connection:
        scheduled = connection.execute(select(timers.c.fire_at).where(timers.c.process_id == "section-11-audit"))
        assert list(scheduled.scalars()) == [at("2026-04-01T09:00")]

    set_clock("2026-04-01T10:00")
    fired = tick(runtime)
    # The yearly report opens on 1 April 2026 too, so two rounds start in this tick.
    assert fired["cycle-start"] == 2
    [reference] = references_of(runtime, "section-11-audit")
    assert reference == "S11-2026-01"
    assert len(references_of(runtime, "yearly-report")) == 1
    assert case_facts(runtime, reference)["grading_scheme"] == "met-recommendations-not-met"
    assert due_of(runtime, reference, "launch") == {
        "launch": "2026-04-10T23:59:00+01:00"
    }  # Good Friday 3, Easter Monday 6 Apr

    cases.run(runtime, reference, Complete("launch"))
    tasks = stages_of(runtime, reference)["self-assessment"]["tasks"]
    assert [task["item"] for task in tasks] == section_11
    assert {task["due"] for task in tasks} == {"2026-06-24T23:59:00+01:00"}  # 12 weeks from 1 April
    with pytest.raises(InvalidInput, match="say which task"):
        cases.run(runtime, reference, Complete("self-assessment"))
    first, *rest = section_11
    cases.run(runtime, reference, Complete("self-assessment", task=first))
    with pytest.raises(OperationError, match="already done"):
        cases.run(runtime, reference, Complete("self-assessment", task=first))
    assert stages_of(runtime, reference)["findings-report"]["state"] == "waiting"
    for agency in rest:
        cases.run(runtime, reference, Complete("self-assessment", task=agency))
    assert stages_of(runtime, reference)["findings-report"]["state"] == "open"

    set_clock("2028-03-31T10:00")  # before the next round: nothing new
    tick(runtime)
    assert references_of(runtime, "section-11-audit") == [reference]
    set_clock("2028-04-03T10:00")  # 1 April 2028 is a Saturday: the round opens on Monday 3 April
    assert tick(runtime)["cycle-start"] >= 1
    assert references_of(runtime, "section-11-audit") == [reference, "S11-2028-01"]
    with runtime.db.connect() as connection:
        started = connection.execute(
            select(case_table.c.started_at).where(case_table.c.reference == "S11-2028-01")
        ).scalar_one()
        scheduled = connection.execute(
            select(timers.c.fire_at).where(timers.c.process_id == "section-11-audit")
        ).scalar_one()
    assert started.date() == date(2028, 4, 3)
    assert scheduled.date() == date(2030, 4, 1)
    cases.run(runtime, "S11-2028-01", Complete("launch"))
    assert [t["item"] for t in stages_of(runtime, "S11-2028-01")["self-assessment"]["tasks"]] == section_11
