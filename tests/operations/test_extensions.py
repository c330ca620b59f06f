"""Extensions: only the process's approver may move a due date, and the escalation ladder starts again.

Dates worked out by hand from config/calendar.yaml, as journey_helpers.py says; on SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import date

import pytest
from journey_helpers import AGENCIES, assert_fired, due_of, escalation_levels, messages

from workflows.operations import cases, reports
from workflows.operations.errors import OperationError
from workflows.operations.sweeper import tick

# -- extensions ------------------------------------------------------------------------------------------


def approvers(runtime, process_id: str) -> list[str]:
    role = runtime.library.get(process_id).extension_approver
    return [
        person.email
        for person in runtime.config.directory.people
        if role in runtime.config.directory.roles_of(person.email)
    ]


def test_extension_by_the_approver_moves_the_due_date(shipped_runtime, set_clock):
    runtime = shipped_runtime
    karen = "karen.whitehurst@stoke-council.example"
    assert karen in approvers(runtime, "section-11-audit")  # business-manager
    set_clock("2026-12-18T10:00")
    reference, _ = cases.start(runtime, "section-11-audit", {"grading_scheme": "score-0-to-3"})
    set_clock("2027-01-05T10:00")
    assert_fired(tick(runtime), {"escalation": 1})
    assert escalation_levels(runtime, reference) == {("launch", None): 1}
    state = cases.extend(runtime, reference, "launch", "5 working days", "agency leads on leave", approved_by=karen)
    # Tue 29 Dec + 5 working days: Wed 30 Dec, (31 Dec closed, 1 Jan bank holiday) 4, 5, 6, 7 Jan.
    assert due_of(runtime, reference, "launch") == {"launch": "2027-01-07T23:59:00+00:00"}
    assert state.stages["launch"].escalation_level == 0
    assert escalation_levels(runtime, reference) == {}
    explained = reports.explain(runtime, reference, "launch")
    assert f"extension of 5 working days (agency leads on leave, by {karen}) on 2027-01-05" in explained
    assert [r.role for r in messages(runtime, reference, "extension-approved")] == ["business-unit-officer"]
    # The ladder starts again from the new date: overdue by 2 working days at the end of Mon 11 Jan.
    set_clock("2027-01-11T23:58")
    assert_fired(tick(runtime), {"escalation": 0})
    set_clock("2027-01-12T00:00")
    assert_fired(tick(runtime), {"escalation": 1})
    assert len(messages(runtime, reference, "escalation")) == 2


def test_extension_by_someone_without_the_approver_role_is_refused(shipped_runtime, set_clock):
    runtime = shipped_runtime
    set_clock("2027-01-11T10:00")
    reference, _ = cases.start(runtime, "cspr", {"decision_date": date(2027, 1, 11), "agencies": AGENCIES})
    chair = "elaine.cartwright@independent.example"  # partnership-chair, not a lead safeguarding partner
    assert chair not in approvers(runtime, "cspr")
    before = (reports.status(runtime, reference), reports.history(runtime, reference), messages(runtime, reference))
    for email in (chair, "nobody@example.org"):
        with pytest.raises(OperationError, match="lead-safeguarding-partners"):
            cases.extend(runtime, reference, "commission-review", "5 working days", "busy", approved_by=email)
    after = (reports.status(runtime, reference), reports.history(runtime, reference), messages(runtime, reference))
    assert after == before
    lead = "jonathan.averill@stoke-council.example"
    assert lead in approvers(runtime, "cspr")
    cases.extend(runtime, reference, "commission-review", "5 working days", "reviewer ill", approved_by=lead)
    # Mon 25 Jan + 5 working days is Mon 1 Feb.
    assert due_of(runtime, reference, "commission-review") == {"commission-review": "2027-02-01T23:59:00+00:00"}
