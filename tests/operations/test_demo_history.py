"""The main job's invented history: a year of cases run through the real operations, closed but one, whose
messages are never emailed now, and which the report and the DSPs' charts count."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from workflows.calendar.london import to_london
from workflows.localrun.demo_history import seed_demo_history
from workflows.operations.report_period import ReportingPeriod, months_ending
from workflows.operations.timeliness import timeliness_report
from workflows.reporting.headlines import on_time_by_month, overdue_by_agency
from workflows.store.schema import cases, outbox

NOW = to_london(datetime(2026, 12, 1, 6, 30))


def test_a_year_of_history_closed_but_one_overdue_case_and_nothing_left_to_send(shipped_runtime):
    started = seed_demo_history(shipped_runtime, NOW)
    assert set(started) == {"rapid-review", "return-home-interview", "initial-child-protection-conference"}
    with shipped_runtime.db.connect() as connection:
        states = dict(connection.execute(select(cases.c.status, func.count()).group_by(cases.c.status)).all())
        pending = connection.execute(select(func.count()).where(outbox.c.status == "pending")).scalar_one()
        latest = connection.execute(select(func.max(cases.c.started_at))).scalar_one()
    assert states == {"closed": sum(started.values()) - 1, "open": 1}
    assert pending == 0  # the past's messages are recorded as sent, not emailed on the first sweep
    assert to_london(latest) < NOW

    months = months_ending(NOW.date(), 12)
    report = timeliness_report(shipped_runtime, ReportingPeriod(months[0], NOW.date()), now=NOW)
    by_process = {process.process_id: process for process in report.processes}
    assert by_process["rapid-review"].started == started["rapid-review"]
    assert 0 < by_process["rapid-review"].within < by_process["rapid-review"].completed  # some on time, some late
    assert overdue_by_agency(report) == sorted(overdue_by_agency(report), key=lambda pair: (-pair[1], pair[0]))
    assert sum(count for _, count in overdue_by_agency(report)) == 2  # two chronologies of the open review
    charted = on_time_by_month(report, months)
    assert len([month for month, rate in charted["Rapid review"] if rate is not None]) >= 8


def test_the_same_history_on_every_fresh_start(shipped_runtime, tmp_path):
    from workflows.operations.runtime import Runtime

    other = Runtime.open(shipped_runtime.config.folder, None, f"sqlite:///{tmp_path / 'again.db'}", create=True)
    assert seed_demo_history(shipped_runtime, NOW) == seed_demo_history(other, NOW)
    other.db.dispose()
