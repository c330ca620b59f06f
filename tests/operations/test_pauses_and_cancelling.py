"""Pausing a case moves its deadlines by the paused working days; a cancelled case fires nothing more.

Dates worked out by hand from config/calendar.yaml, as journey_helpers.py says; on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest
from journey_helpers import (
    AGENCIES,
    assert_closed_cleanly,
    assert_fired,
    child_death,
    drive_to_close,
    drive_until_open,
    due_of,
    messages,
    timers_of,
)

from workflows.engine.commands import Cancel, Complete, Decide, Pause, Resume
from workflows.operations import cases, reports
from workflows.operations.errors import OperationError
from workflows.operations.sweeper import tick

# -- CSPR pause ------------------------------------------------------------------------------------------


def start_cspr(runtime, set_clock) -> str:
    set_clock("2027-01-11T10:00")
    reference, _ = cases.start(runtime, "cspr", {"decision_date": date(2027, 1, 11), "agencies": AGENCIES})
    return reference


def test_cspr_pause_while_publication_is_open_moves_it_by_the_paused_working_days(shipped_runtime, set_clock):
    runtime = shipped_runtime
    reference = start_cspr(runtime, set_clock)
    set_clock("2027-05-04T10:00")
    drive_until_open(runtime, reference, "publish")
    # 6 months from Monday 11 January is Sunday 11 July: calendar months are not moved off weekends.
    before = due_of(runtime, reference, "publish", "action-plan")
    assert before == {"publish": "2027-07-11T23:59:00+01:00", "action-plan": "2027-06-15T23:59:00+01:00"}
    assert timers_of(runtime, reference) > 0

    set_clock("2027-05-10T10:00")
    cases.run(runtime, reference, Pause("parallel-criminal-proceedings", by="karen.whitehurst@stoke-council.example"))
    assert reports.status(runtime, reference)["state"] == "paused"
    assert timers_of(runtime, reference) == 0
    sent = len(messages(runtime, reference))
    # While paused, the deadlines that would have passed fire nothing and every command is refused.
    set_clock("2027-05-21T10:00")
    assert tick(runtime) - Counter(digest=1) == Counter()  # nothing for the case; the daily digest may go
    assert len(messages(runtime, reference)) == sent
    refused = [
        Complete("publish"),
        Complete("action-plan"),
        Decide("action-plan-sign-off", "improvement-evidenced"),
        Pause("family-proceedings"),
    ]
    for command in refused:
        with pytest.raises(OperationError, match="paused"):
            cases.run(runtime, reference, command)
    with pytest.raises(OperationError, match="paused"):
        cases.extend(runtime, reference, "publish", "5 working days", "x", "jonathan.averill@stoke-council.example")
    assert due_of(runtime, reference, "publish", "action-plan") == before

    set_clock("2027-05-24T10:00")  # Mon 10 May to Mon 24 May: 10 working days
    cases.run(runtime, reference, Resume(by="karen.whitehurst@stoke-council.example"))
    after = due_of(runtime, reference, "publish", "action-plan")
    assert after == {"publish": "2027-07-23T23:59:00+01:00", "action-plan": "2027-06-29T23:59:00+01:00"}
    calendar = runtime.config.calendar("partnership")
    paused = calendar.working_days_between(date(2027, 5, 10), date(2027, 5, 24))
    assert paused == 10
    moved = calendar.working_days_between(date(2027, 7, 11), date(2027, 7, 23))
    assert moved == paused
    explained = reports.explain(runtime, reference, "publish")
    assert "due by the rule: 2027-07-11" in explained
    assert "pause of 10 working days (parallel-criminal-proceedings, by karen.whitehurst@stoke-council.example)" in (
        "\n".join(explained)
    )
    assert explained[-1].startswith("due: 2027-07-23")
    assert reports.status(runtime, reference)["state"] == "open"
    assert timers_of(runtime, reference) > 0
    # Nothing from the paused weeks is sent late (a multi-agency case audit round opens at 09:00 today).
    sent = len(messages(runtime, reference))
    set_clock("2027-05-24T10:05")
    assert_fired(tick(runtime), {"reminder": 0, "due": 0, "escalation": 0, "cycle-start": 1})
    assert len(messages(runtime, reference)) == sent
    drive_to_close(runtime, reference)
    assert_closed_cleanly(runtime, reference)


def test_cspr_pause_before_publication_opens_shifts_it_when_it_opens(shipped_runtime, set_clock):
    runtime = shipped_runtime
    reference = start_cspr(runtime, set_clock)
    set_clock("2027-03-01T10:00")
    cases.run(runtime, reference, Pause("parallel-criminal-proceedings"))
    set_clock("2027-03-15T10:00")  # ten working days later
    cases.run(runtime, reference, Resume())
    assert due_of(runtime, reference, "publish") == {"publish": None}
    set_clock("2027-03-16T10:00")
    drive_until_open(runtime, reference, "publish")
    assert due_of(runtime, reference, "publish") == {"publish": "2027-07-23T23:59:00+01:00"}
    assert any("pause of 10 working days" in line for line in reports.explain(runtime, reference, "publish"))


def test_a_cancelled_case_fires_nothing_more(shipped_runtime, set_clock):
    runtime = shipped_runtime
    set_clock("2026-12-18T03:10")
    [(_, reference, _)] = cases.trigger(runtime, "child-death", child_death(1, "external_causes"))
    set_clock("2026-12-18T04:00")
    cases.run(runtime, reference, Pause("awaiting-post-mortem"))
    cases.run(runtime, reference, Cancel("duplicate notification", by="alison.grey@icb.nhs.example"))
    assert reports.status(runtime, reference)["state"] == "cancelled"
    assert timers_of(runtime, reference) == 0
    with pytest.raises(OperationError, match="already cancelled"):
        cases.run(runtime, reference, Cancel("again"))
    with pytest.raises(OperationError, match="not paused"):
        cases.run(runtime, reference, Resume())
    set_clock("2027-01-18T10:00")
    assert_fired(tick(runtime), {"reminder": 0, "due": 0, "escalation": 0})
