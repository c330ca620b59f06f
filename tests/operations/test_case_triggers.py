"""Events start cases: which processes an event starts, and never twice for one event.

Dates worked out by hand from config/calendar.yaml, as journey_helpers.py says; on SQLite and PostgreSQL.
"""

from __future__ import annotations

import pytest
from journey_helpers import CRITERIA, child_death, references_of

from workflows.operations import cases


def test_joint_agency_response_starts_on_any_one_criterion_and_once_per_event(shipped_runtime, set_clock):
    runtime = shipped_runtime
    set_clock("2026-12-18T03:10")
    assert cases.trigger(runtime, "child-death", child_death(0, None)) == []
    assert (
        cases.trigger(runtime, "child-death", ["death_notification_id=CD-0", "death_datetime=2026-12-18T02:00"]) == []
    )
    started = []
    for number, criterion in enumerate(CRITERIA, 1):
        result = cases.trigger(runtime, "child-death", child_death(number, criterion))
        assert [(process, new) for process, _, new in result] == [("joint-agency-response", True)], criterion
        started.append(result[0][1])
    assert references_of(runtime, "joint-agency-response") == started
    assert len(set(started)) == 5
    again = cases.trigger(runtime, "child-death", child_death(5, "stillbirth_unattended"))
    assert again == [("joint-agency-response", started[-1], False)]
    assert references_of(runtime, "joint-agency-response") == started


def test_two_child_deaths_without_a_notification_id_start_two_responses(shipped_runtime, set_clock):
    set_clock("2026-12-18T03:10")
    first = cases.trigger(shipped_runtime, "child-death", ["death_datetime=2026-12-18T02:00", "external_causes=true"])
    second = cases.trigger(
        shipped_runtime, "child-death", ["death_datetime=2026-12-18T02:40", "sudden_unexplained=true"]
    )
    assert [new for _, _, new in first + second] == [True, True]
    assert len(references_of(shipped_runtime, "joint-agency-response")) == 2


SERIOUS_INCIDENT_CASES = [
    # (location, abuse or neglect suspected, looked after) -> the processes the event starts
    ("in-area", True, False, ["serious-incident-notification"]),
    ("abroad-normally-resident-in-area", True, False, ["serious-incident-notification"]),
    (None, True, False, ["serious-incident-notification"]),  # unset: checked by hand in notify-panel
    ("elsewhere-in-england", True, False, []),  # the other area's duty
    ("outside-area-not-resident", True, False, []),
    ("elsewhere-in-england", False, True, ["looked-after-child-death"]),  # notified whatever was suspected
    ("in-area", True, True, ["looked-after-child-death", "serious-incident-notification"]),
]


@pytest.mark.parametrize(("location", "suspected", "looked_after", "expected"), SERIOUS_INCIDENT_CASES)
def test_a_serious_incident_starts_the_notifications_the_duties_require(
    shipped_runtime, set_clock, location, suspected, looked_after, expected
):
    set_clock("2026-12-18T10:00")
    facts = [
        "incident_id=INC-1",
        "awareness_date=2026-12-18",
        "child_died=true",
        f"abuse_or_neglect_suspected={str(suspected).lower()}",
        f"child_looked_after={str(looked_after).lower()}",
        "agencies=cafcass",
    ] + ([f"incident_location={location}"] if location else [])
    started = cases.trigger(shipped_runtime, "serious-incident", facts)
    assert sorted(process for process, _, _ in started) == expected
