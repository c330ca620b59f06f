"""A recurring round counts from its own day (issue class: a round opened late counted from the sweep)."""

from __future__ import annotations

import shutil
import tempfile
from datetime import datetime, timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from workflows.calendar.london import LONDON
from workflows.operations import reports
from workflows.operations.runtime import Runtime
from workflows.operations.sweeper import tick
from workflows.store.database import open_database
from workflows.store.schema import cases

ROUND = """\
id: quarterly-audit
title: Quarterly audit
version: 1
calendar: partnership
reference: "QA-{year}-{seq:2}"
facts:
  agencies: {type: agency-list, from_directory: {audit: section-11}}
recurs: {every: 3 months, starting: 2027-01-04}
stages:
  launch:
    title: Launch the round
    owner: business-manager
    due: {in: 2 working days}
    reminders: {before: [1 working day], on_due_day: true, overdue_every: 1 working day}
    escalation:
      - {after: 1 working day, notify: dsp-local-authority}
  returns:
    title: Return the audit
    owner: agency-safeguarding-lead
    after: [launch]
    for_each: agencies
    due: {in: 6 weeks}
"""
ROUND_OPENS = datetime(2027, 1, 4, 9, 0, tzinfo=LONDON)  # Monday 4 January 2027, the start of the working day


# An empty database migrated once, copied for each fresh store (migrating costs more than the rest of a round).
MIGRATED = tempfile.TemporaryDirectory()  # removed when the test run ends


def fresh_database(folder: str) -> str:
    template = Path(MIGRATED.name) / "workflows.db"
    if not template.exists():
        open_database(f"sqlite:///{template}", create=True).dispose()
    shutil.copyfile(template, Path(folder) / "workflows.db")
    return f"sqlite:///{folder}/workflows.db"


def run_round(config_dir: Path, sweep_at: datetime) -> dict[str, str | None]:
    """A fresh store whose first sweep runs at `sweep_at`: the round's reference and open stages' due dates."""
    with tempfile.TemporaryDirectory() as folder:
        processes = Path(folder) / "processes"
        processes.mkdir()
        (processes / "quarterly-audit.yaml").write_text(ROUND)
        runtime = Runtime.open(config_dir, processes, fresh_database(folder), create=True)
        try:
            tick(runtime, ROUND_OPENS - timedelta(days=1))  # schedules the round
            tick(runtime, sweep_at)
            with runtime.db.connect() as connection:
                (reference,) = connection.execute(select(cases.c.reference)).scalars()
            stages = reports.status(runtime, reference)["stages"]
            started = next(e for e in reports.history(runtime, reference) if e["action"] == "case-started")
            return {"reference": reference, "started": started["detail"], **{s["id"]: s["due"] for s in stages}}
        finally:
            runtime.db.dispose()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(late=st.integers(min_value=0, max_value=24 * 60 * 80))
def test_a_rounds_dates_do_not_depend_on_when_the_sweeper_ran(config_dir, late):
    """Property: however late the sweeper gets to a round (up to the next round), the round is the same."""
    on_time = run_round(config_dir, ROUND_OPENS)
    assert run_round(config_dir, ROUND_OPENS + timedelta(minutes=late)) == on_time


def test_a_round_opened_a_week_late_is_due_as_if_opened_on_its_day(config_dir):
    dates = run_round(config_dir, datetime(2027, 1, 11, 14, 0, tzinfo=LONDON))
    assert dates["reference"] == "QA-2027-01"
    assert dates["launch"] == "2027-01-06T23:59:59+00:00"  # 2 working days from Monday 4 January
    assert dates["returns"] is None  # still waiting for the launch
    assert "scheduled round of 04 January 2027" in dates["started"]
