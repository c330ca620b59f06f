"""A decision starts a linked case of another process, handing over the facts it needs.

Dates worked out by hand from config/calendar.yaml, as journey_helpers.py says; on SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import date

import pytest
from journey_helpers import AGENCIES, case_facts, child_death, drive_to_close, drive_until_open, due_of
from sqlalchemy import select

from workflows.engine.commands import Decide
from workflows.operations import cases, reports
from workflows.operations.errors import InvalidInput
from workflows.store.schema import cases as case_table

# -- rapid review -> CSPR --------------------------------------------------------------------------------


def test_rapid_review_cspr_decision_starts_a_linked_cspr(shipped_runtime, set_clock):
    runtime = shipped_runtime
    set_clock("2026-12-18T10:00")
    reference, _ = cases.start(
        runtime,
        "rapid-review",
        {"notification_date": date(2026, 12, 18), "agencies": AGENCIES, "child_name": "Jane Doe"},
    )
    set_clock("2027-01-12T11:00")
    drive_to_close(runtime, reference, {"dsp-decision": "cspr"})
    assert reports.status(runtime, reference)["state"] == "closed"  # send-to-panel was completed too
    with runtime.db.connect() as connection:
        children = connection.execute(
            select(case_table.c.reference, case_table.c.process_id, case_table.c.status).where(
                case_table.c.parent_reference == reference
            )
        ).all()
    assert [(c.process_id, c.status) for c in children] == [("cspr", "open")]
    child = children[0].reference
    facts = case_facts(runtime, child)
    assert facts["decision_date"] == date(2027, 1, 12)
    assert facts["rapid_review_reference"] == reference
    assert facts["agencies"] == AGENCIES
    assert due_of(runtime, child, "commission-review") == {"commission-review": "2027-01-26T23:59:00+00:00"}
    assert "anchor: fact decision_date = 2027-01-12T00:00:00+00:00" in reports.explain(
        runtime, child, "commission-review"
    )
    assert any(
        entry["action"] == "linked-case" and child in entry["detail"] for entry in reports.history(runtime, reference)
    )
    # The child runs on its own: publication 6 months after the decision, Monday 12 July 2027.
    set_clock("2027-05-03T10:00")
    drive_until_open(runtime, child, "publish")
    assert due_of(runtime, child, "publish") == {"publish": "2027-07-12T23:59:00+01:00"}


def linked_children(runtime, parent: str) -> list[tuple[str, str]]:
    query = select(case_table.c.process_id, case_table.c.reference).where(case_table.c.parent_reference == parent)
    with runtime.db.connect() as connection:
        return [(row.process_id, row.reference) for row in connection.execute(query)]


def test_joint_agency_response_suspecting_abuse_starts_a_serious_incident_notification(shipped_runtime, set_clock):
    runtime = shipped_runtime
    set_clock("2026-12-18T03:10")
    facts = [*child_death(1, "sudden_unexplained"), f"agencies={','.join(AGENCIES)}"]
    [(_, reference, _)] = cases.trigger(runtime, "child-death", facts)
    set_clock("2026-12-18T11:00")
    cases.run(runtime, reference, Decide("information-sharing-discussion", "abuse-or-neglect-suspected"))
    [(process, child)] = linked_children(runtime, reference)
    assert process == "serious-incident-notification"
    handed = case_facts(runtime, child)
    assert handed["awareness_date"] == date(2026, 12, 18)
    assert handed["incident_id"] == reference
    assert handed["agencies"] == AGENCIES
    assert due_of(runtime, child, "notify-panel") == {"notify-panel": "2026-12-29T23:59:00+00:00"}


def test_a_decision_supplies_the_facts_its_started_process_still_needs(shipped_runtime, set_clock):
    runtime = shipped_runtime
    set_clock("2026-12-18T03:10")
    [(_, reference, _)] = cases.trigger(runtime, "child-death", child_death(1, "suspicious_circumstances"))
    set_clock("2026-12-18T11:00")
    with pytest.raises(InvalidInput, match="give its missing facts when deciding"):
        cases.run(runtime, reference, Decide("information-sharing-discussion", "abuse-or-neglect-suspected"))
    assert linked_children(runtime, reference) == []  # refused whole: the JAR's decision is not recorded either
    cases.decide(
        runtime,
        reference,
        "information-sharing-discussion",
        "abuse-or-neglect-suspected",
        assignments=["agencies=staffordshire-police"],
    )
    assert [process for process, _ in linked_children(runtime, reference)] == ["serious-incident-notification"]
