"""Deadlines passing: reminders, overdue notices and escalation steps; stages that move on by themselves.

Dates worked out by hand from config/calendar.yaml, as journey_helpers.py says; on SQLite and PostgreSQL.
"""

from __future__ import annotations

from journey_helpers import (
    assert_closed_cleanly,
    assert_fired,
    drive_to_close,
    due_of,
    escalation_levels,
    messages,
    stages_of,
)

from workflows.engine.commands import Decide
from workflows.operations import cases, reports
from workflows.operations.sweeper import tick


def test_joint_agency_response_hour_deadlines_cross_the_clock_change(shipped_runtime, set_clock):
    runtime = shipped_runtime
    # The clocks go back at 02:00 BST on Sunday 25 October 2026: 24 hours after 22:30 BST is 21:30 GMT.
    set_clock("2026-10-24T22:45+01:00")
    facts = ["death_notification_id=CD-DST", "death_datetime=2026-10-24T22:30+01:00", "suspicious_circumstances=true"]
    [(_, reference, new)] = cases.trigger(runtime, "child-death", facts)
    assert new
    hour_stages = ["information-sharing-discussion", "joint-home-visit", "social-care-checks"]
    assert due_of(runtime, reference, *hour_stages, "notify-professionals") == {
        **dict.fromkeys(hour_stages, "2026-10-25T21:30:00+00:00"),
        "notify-professionals": "2026-10-26T23:59:00+00:00",  # 1 working day from Saturday 24 October
    }
    set_clock("2026-10-25T21:29+00:00")
    assert_fired(tick(runtime), {"reminder": 3, "due": 0, "escalation": 0})
    set_clock("2026-10-25T21:31+00:00")
    assert_fired(tick(runtime), {"due": 3, "reminder": 3, "escalation": 0})
    assert {s.stage for s in reports.overdue(runtime) if s.working_days_overdue == 0 and not s.at_risk} >= set(
        hour_stages
    )
    set_clock("2026-10-25T23:31+00:00")  # 2 hours overdue
    assert_fired(tick(runtime), {"escalation": 1})
    set_clock("2026-10-26T01:31+00:00")  # 4 hours overdue, and the second overdue notice
    assert_fired(tick(runtime), {"escalation": 2, "reminder": 3})
    level_1 = {(row.stage, row.role) for row in messages(runtime, reference, "escalation")}
    assert level_1 == {
        ("information-sharing-discussion", "designated-doctor-child-deaths"),
        ("joint-home-visit", "designated-doctor-child-deaths"),
        ("social-care-checks", "head-of-safeguarding-local-authority"),
    }
    assert escalation_levels(runtime, reference) == {(stage, None): 1 for stage in hour_stages}
    set_clock("2026-10-26T21:31+00:00")  # 24 hours overdue: level 2 for all three
    assert_fired(tick(runtime), {"escalation": 3})
    assert escalation_levels(runtime, reference) == {(stage, None): 2 for stage in hour_stages}
    level_2 = {(row.stage, row.role) for row in messages(runtime, reference, "escalation")} - level_1
    assert level_2 == {
        ("information-sharing-discussion", "dsp-icb"),
        ("joint-home-visit", "dsp-police"),
        ("social-care-checks", "dsp-local-authority"),
    }
    set_clock("2026-10-26T10:00+00:00")
    drive_to_close(runtime, reference)
    assert_closed_cleanly(runtime, reference)


# -- professional escalation -----------------------------------------------------------------------------

ESCALATION_FACTS = {
    "raising_agency": "university-hospitals-north-midlands",
    "receiving_agency": "stoke-on-trent-city-council",
}


def test_professional_escalation_advances_stage_by_stage_by_itself(shipped_runtime, set_clock):
    runtime = shipped_runtime
    set_clock("2027-01-19T10:00")
    reference, _ = cases.start(runtime, "professional-escalation", ESCALATION_FACTS)
    # Each tick comes a minute after a deadline: the stage is decided `escalate` and the next one opens.
    ladder = [
        ("stage-1", "2027-01-26T23:59:00+00:00", "2027-01-27T00:00"),  # 5 working days from the start
        ("stage-2", "2027-02-02T23:59:00+00:00", "2027-02-03T00:00"),  # 5 working days from stage 1's deadline
        ("stage-3", "2027-02-05T23:59:00+00:00", "2027-02-06T00:00"),  # 3 working days from opening
        ("stage-4", "2027-02-12T23:59:00+00:00", "2027-02-13T00:00"),  # 5 working days from stage 3
    ]
    for stage, due, next_tick in ladder:
        stages = stages_of(runtime, reference)
        assert [s for s, v in stages.items() if v["state"] == "open"] == [stage]
        assert stages[stage]["due"] == due
        set_clock(next_tick)
        assert_fired(tick(runtime), {"advance": 1, "due": 0, "escalation": 0})
        assert stages_of(runtime, reference)[stage]["state"] == "done"
    stages = stages_of(runtime, reference)
    assert [s for s, v in stages.items() if v["state"] == "open"] == ["stage-5"]
    assert stages["stage-5"]["due"] == "2027-02-26T23:59:00+00:00"  # 10 working days from Fri 12 Feb
    advanced = [e for e in reports.history(runtime, reference) if e["action"] == "advanced"]
    assert [e["stage"] for e in advanced] == ["stage-1", "stage-2", "stage-3", "stage-4"]
    decided = [e["detail"] for e in reports.history(runtime, reference) if e["action"] == "stage-done"]
    assert all("unresolved at its deadline, moved on: escalate" in detail for detail in decided)
    # The last stage has no automatic option: it escalates instead (end of Tue 2 March).
    set_clock("2027-03-03T00:01")
    assert_fired(tick(runtime), {"advance": 0, "due": 1, "escalation": 1})
    assert [(r.stage, r.role) for r in messages(runtime, reference, "escalation")] == [
        ("stage-5", "dsp-local-authority")
    ]
    set_clock("2027-03-09T10:00")
    cases.run(runtime, reference, Decide("stage-5", "resolved"))
    assert_closed_cleanly(runtime, reference)


def test_professional_escalation_immediate_risk_skips_to_stage_3(shipped_runtime, set_clock):
    runtime = shipped_runtime
    set_clock("2027-01-19T11:00")
    reference, _ = cases.start(
        runtime, "professional-escalation", {**ESCALATION_FACTS, "child_at_immediate_risk": True}
    )
    cases.run(runtime, reference, Decide("stage-1", "immediate-risk", by="hannah.green@uhnm.nhs.example"))
    stages = stages_of(runtime, reference)
    assert {s: v["state"] for s, v in stages.items()} == {
        "stage-1": "done",
        "stage-2": "waiting",
        "stage-3": "open",
        "stage-4": "waiting",
        "stage-5": "waiting",
    }
    assert stages["stage-3"]["due"] == "2027-01-22T23:59:00+00:00"  # 3 working days from opening
    # Stage 3 involves both agencies' senior managers: the raising agency's owns it, the receiving one's is told.
    raising, receiving = ESCALATION_FACTS["raising_agency"], ESCALATION_FACTS["receiving_agency"]
    assert [(r.stage, r.role, r.agency) for r in messages(runtime, reference, "decision-needed")] == [
        ("stage-1", "practitioner", raising),
        ("stage-3", "senior-manager", raising),
        ("stage-3", "senior-manager", receiving),
    ]
    set_clock("2027-01-23T00:00")
    assert_fired(tick(runtime), {"advance": 1})
    assert stages_of(runtime, reference)["stage-4"]["state"] == "open"
    cases.run(runtime, reference, Decide("stage-4", "resolved"))
    stages = stages_of(runtime, reference)
    assert {s: v["state"] for s, v in stages.items()} == {
        "stage-1": "done",
        "stage-2": "skipped",
        "stage-3": "done",
        "stage-4": "done",
        "stage-5": "skipped",
    }
    assert_closed_cleanly(runtime, reference)
