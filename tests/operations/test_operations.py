"""Operations against a real database (SQLite and PostgreSQL): one transaction per step, nothing lost."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from workflows.engine.commands import Complete, Decide, Pause, Resume
from workflows.operations import cases, reports
from workflows.operations.errors import OperationError
from workflows.operations.sweeper import tick
from workflows.store.schema import audit, outbox, timers

AGENCIES = ["stoke-on-trent-city-council", "staffordshire-police"]


def rapid_review(runtime, **facts):
    return cases.start(
        runtime,
        "rapid-review",
        {"notification_date": date(2026, 12, 18), "agencies": AGENCIES, "child_name": "Jane Doe", **facts},
    )[0]


def count(runtime, table, *where):
    with runtime.db.connect() as connection:
        return connection.execute(select(func.count()).select_from(table).where(*where)).scalar_one()


def test_start_allocates_references_from_the_pattern(shipped_runtime, set_clock):
    set_clock("2026-12-18T10:00")
    assert rapid_review(shipped_runtime) == "RR-2026-001"
    assert rapid_review(shipped_runtime) == "RR-2026-002"
    set_clock("2027-01-04T10:00")
    assert rapid_review(shipped_runtime) == "RR-2027-001"


def test_start_writes_state_items_timer_outbox_and_audit_together(shipped_runtime, set_clock):
    set_clock("2026-12-18T10:00")
    reference = rapid_review(shipped_runtime)
    view = reports.status(shipped_runtime, reference)
    assert view["state"] == "open"
    assert [s["state"] for s in view["stages"]] == ["open", "waiting", "waiting", "waiting", "waiting"]
    assert count(shipped_runtime, timers) == 1
    assert count(shipped_runtime, outbox) == 1
    assert count(shipped_runtime, audit) == 2


def test_a_refused_command_changes_nothing(shipped_runtime, set_clock):
    set_clock("2026-12-18T10:00")
    reference = rapid_review(shipped_runtime)
    before = (reports.status(shipped_runtime, reference), count(shipped_runtime, audit), count(shipped_runtime, outbox))
    with pytest.raises(OperationError, match="has no decision"):
        cases.run(shipped_runtime, reference, Decide("request-chronologies", "cspr"))
    with pytest.raises(OperationError, match="not open yet"):
        cases.run(shipped_runtime, reference, Complete("panel-meeting"))
    with pytest.raises(OperationError, match="no case with reference RR-1999-001"):
        cases.run(shipped_runtime, "RR-1999-001", Complete("panel-meeting"))
    after = (reports.status(shipped_runtime, reference), count(shipped_runtime, audit), count(shipped_runtime, outbox))
    assert after == before


def test_tick_fires_each_due_timer_once(shipped_runtime, set_clock):
    set_clock("2026-12-18T10:00")
    reference = rapid_review(shipped_runtime)
    cases.run(shipped_runtime, reference, Complete("request-chronologies"))
    set_clock("2027-01-13T10:00")
    fired = tick(shipped_runtime)
    assert fired["escalation"] == 4  # both steps, for both agencies
    assert fired["due"] == 2
    assert tick(shipped_runtime) == {}  # nothing is due twice
    items = reports.overdue(shipped_runtime)
    assert {(i.task, i.working_days_overdue, i.escalation_level) for i in items} == {
        ("stoke-on-trent-city-council", 4, 2),
        ("staffordshire-police", 4, 2),
    }


def test_no_sensitive_fact_reaches_the_outbox_or_the_audit_trail(shipped_runtime, set_clock):
    set_clock("2026-12-18T10:00")
    reference = rapid_review(shipped_runtime)
    cases.run(shipped_runtime, reference, Complete("request-chronologies"))
    set_clock("2027-01-13T10:00")
    tick(shipped_runtime)
    with shipped_runtime.db.connect() as connection:
        rows = [repr(tuple(row)) for row in connection.execute(select(outbox))]
        rows += [repr(tuple(row)) for row in connection.execute(select(audit))]
    assert rows and not [row for row in rows if "Jane Doe" in row]


def test_audit_records_that_the_clock_was_set(shipped_runtime, set_clock, monkeypatch):
    set_clock("2026-12-18T10:00")
    reference = rapid_review(shipped_runtime)
    monkeypatch.delenv("WORKFLOWS_NOW")
    cases.run(shipped_runtime, reference, Complete("request-chronologies", by="karen.whitehurst@stoke-council.example"))
    flags = [entry["clock_set"] for entry in reports.history(shipped_runtime, reference)]
    assert flags[0] is True and flags[-1] is False


def test_trigger_starts_only_when_a_criterion_holds_and_never_twice(shipped_runtime, set_clock):
    set_clock("2026-12-18T03:10")
    facts = ["death_notification_id=CD-1", "death_datetime=2026-12-18T02:00"]
    assert cases.trigger(shipped_runtime, "child-death", [*facts, "external_causes=false"]) == []
    started = cases.trigger(shipped_runtime, "child-death", [*facts, "sudden_unexplained=true"])
    assert [(process, new) for process, _, new in started] == [("joint-agency-response", True)]
    again = cases.trigger(shipped_runtime, "child-death", [*facts, "sudden_unexplained=true"])
    assert again == [(started[0][0], started[0][1], False)]


def test_a_decision_starts_a_linked_case(shipped_runtime, set_clock):
    set_clock("2026-12-18T10:00")
    reference = rapid_review(shipped_runtime)
    for stage in ("request-chronologies",):
        cases.run(shipped_runtime, reference, Complete(stage))
    for agency in AGENCIES:
        cases.run(shipped_runtime, reference, Complete("agency-chronology", task=agency))
    cases.run(shipped_runtime, reference, Complete("panel-meeting"))
    set_clock("2027-01-11T11:00")
    cases.run(shipped_runtime, reference, Decide("dsp-decision", "cspr"))
    with shipped_runtime.db.connect() as connection:
        from workflows.store.schema import cases as case_table

        child = connection.execute(
            select(case_table.c.reference, case_table.c.process_id).where(case_table.c.parent_reference == reference)
        ).one()
    assert child.process_id == "cspr"
    view = reports.status(shipped_runtime, child.reference)
    assert view["state"] == "open"
    # Publication within 6 months of the decision (11 Jan 2027).
    publish = next(s for s in reports.status(shipped_runtime, child.reference)["stages"] if "publish" in s["id"])
    assert publish["id"]


def test_editing_the_yaml_never_moves_a_running_case(tmp_path, db_url, set_clock):
    import shutil

    from workflows.operations.runtime import Runtime

    processes = tmp_path / "processes"
    shutil.copytree(REPO / "processes", processes)
    set_clock("2026-12-18T10:00")
    runtime = Runtime.open(REPO / "config", processes, db_url, create=True)
    reference = rapid_review(runtime)
    cases.run(runtime, reference, Complete("request-chronologies"))
    due_before = reports.status(runtime, reference)["stages"][1]["due"]
    path = processes / "rapid-review.yaml"
    path.write_text(path.read_text().replace("in: 10 working days", "in: 4 working days"))
    before = reports.status(runtime, reference)
    assert (before["version"], before["library_version"]) == (1, "same")
    path.write_text(path.read_text().replace("version: 1\n", "version: 2\n", 1))
    edited = Runtime.open(REPO / "config", processes, db_url, create=True)
    assert reports.status(edited, reference)["stages"][1]["due"] == due_before
    view = reports.status(edited, reference)  # says which version it runs on, and that the library has another
    assert (view["version"], view["definition"], view["library_version"]) == (1, before["definition"], "2")
    set_clock("2027-01-05T10:00")  # past the edited 4 days, before the pinned 10
    assert tick(edited).get("due", 0) == 0
    fresh = rapid_review(edited)
    cases.run(edited, fresh, Complete("request-chronologies"))
    assert reports.status(edited, fresh)["stages"][1]["due"] != due_before
    runtime.db.dispose()
    edited.db.dispose()


def test_cspr_pause_for_proceedings_moves_its_publication_date(shipped_runtime, set_clock):
    set_clock("2027-01-11T10:00")
    reference, _ = cases.start(shipped_runtime, "cspr", {"decision_date": date(2027, 1, 11), "agencies": AGENCIES})
    stages = {s["id"]: s for s in reports.status(shipped_runtime, reference)["stages"]}
    publish_id = next(stage_id for stage_id in stages if "publish" in stage_id)
    set_clock("2027-03-01T10:00")
    cases.run(shipped_runtime, reference, Pause("parallel-criminal-proceedings"))
    assert reports.status(shipped_runtime, reference)["state"] == "paused"
    assert tick(shipped_runtime).get("reminder", 0) == 0
    set_clock("2027-03-15T10:00")  # ten working days later
    cases.run(shipped_runtime, reference, Resume())
    explained = "\n".join(reports.explain(shipped_runtime, reference, publish_id))
    assert "pause of 10 working days (parallel-criminal-proceedings" in explained or "not open yet" in explained


REPO = __import__("pathlib").Path(__file__).resolve().parents[2]


def test_one_broken_case_does_not_stop_the_sweep(shipped_runtime, set_clock):
    from sqlalchemy import update

    from workflows.store.schema import cases as case_table

    set_clock("2026-12-18T10:00")
    broken, healthy = rapid_review(shipped_runtime), rapid_review(shipped_runtime)
    with shipped_runtime.db.begin() as connection:  # a real fault: a row damaged outside the application
        connection.execute(update(case_table).where(case_table.c.reference == broken).values(state={"damaged": 1}))
    set_clock("2026-12-22T10:00")
    fired = tick(shipped_runtime)
    assert fired["failed"] == 1
    assert fired["reminder"] == 1  # the healthy case's overdue notice still went
    assert reports.status(shipped_runtime, healthy)["stages"][0]["overdue"] is True
    assert (
        count(shipped_runtime, timers, timers.c.case_id.is_not(None)) == 2
    )  # the broken case's timer stays due for the next sweep


def test_cli_reports_an_unreachable_database_in_one_line(tmp_path):
    import os
    import subprocess
    import sys

    env = {**os.environ, "WORKFLOWS_DB_URL": "postgresql+psycopg://nobody@127.0.0.1:1/none"}
    workflows = str(__import__("pathlib").Path(sys.executable).parent / "workflows")
    result = subprocess.run([workflows, "status", "RR-2026-001"], cwd=REPO, env=env, capture_output=True, text=True)
    assert result.returncode == 4  # database unavailable, as the README's exit statuses say
    assert result.stderr.startswith("error: database: ") and "Traceback" not in result.stderr
