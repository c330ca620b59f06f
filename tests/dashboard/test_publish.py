"""What the sweep hands Prefect, built without Prefect: the overdue table's Markdown and the events' fields.
(tests/flows and the live test read them back from a real Prefect server.)"""

from __future__ import annotations

from datetime import date

from workflows import clock
from workflows.dashboard import events as happenings
from workflows.dashboard.events import STAGE_ESCALATED, Happening
from workflows.dashboard.overdue import overdue_table
from workflows.dashboard.publish import event_fields, resource_name
from workflows.dashboard.views import overdue_list
from workflows.engine.commands import Complete
from workflows.operations import cases
from workflows.operations.sweeper import tick


def test_an_event_names_its_case_by_process_title_and_reference():
    happening = Happening(STAGE_ESCALATED, "RR-2026-001", "rapid-review", "agency-chronology", "cafcass", 2, "dsp-icb")
    fields = event_fields(happening, "Rapid review")
    assert fields["event"] == "workflows.stage.escalated"
    assert fields["resource"] == {
        "prefect.resource.id": "workflows.case.RR-2026-001",
        "prefect.resource.name": "Rapid review RR-2026-001",
        "workflows.process": "rapid-review",
    }
    assert fields["related"][0]["prefect.resource.name"] == "Rapid review"
    assert fields["payload"] == {"stage": "agency-chronology", "task": "cafcass", "level": 2, "role": "dsp-icb"}
    assert resource_name("XX-2026-001", "retired-process") == "retired-process XX-2026-001"


def test_every_event_name_starts_with_the_prefix_dsps_filter_on():
    names = [happenings.STAGE_OVERDUE, happenings.STAGE_ESCALATED, happenings.CASE_STARTED, happenings.CASE_CLOSED]
    assert all(name.startswith(happenings.EVENT_PREFIX) for name in names)


def test_the_overdue_table_lists_items_worst_first_with_a_headline(shipped_runtime, set_clock):
    set_clock("2026-12-18T10:00")
    assert "Nothing is overdue or at risk." in overdue_table(overdue_list(shipped_runtime), clock.now())
    for agencies in (["cafcass"], ["staffordshire-police", "cafcass"]):
        reference, _ = cases.start(
            shipped_runtime, "rapid-review", {"notification_date": date(2026, 12, 18), "agencies": agencies}
        )
        cases.run(shipped_runtime, reference, Complete("request-chronologies"))
    set_clock("2027-01-13T10:00")
    tick(shipped_runtime)
    markdown = overdue_table(overdue_list(shipped_runtime), clock.now())
    lines = markdown.splitlines()
    assert lines[0] == "**3 overdue, 0 at risk**, as of Wednesday 13 January 2027"
    assert lines[2] == "| case | stage | agency | late | due | escalated to | owner |"  # no delivery problem
    assert len([line for line in lines if line.startswith("| RR-2026-")]) == 3
    assert "| Cafcass | 4 working days |" in markdown


def test_a_long_table_shows_the_worst_and_says_how_many_more(shipped_runtime, set_clock):
    set_clock("2026-12-18T10:00")
    reference, _ = cases.start(
        shipped_runtime,
        "rapid-review",
        {"notification_date": date(2026, 12, 18), "agencies": ["cafcass", "staffordshire-police"]},
    )
    cases.run(shipped_runtime, reference, Complete("request-chronologies"))
    set_clock("2027-01-13T10:00")
    tick(shipped_runtime)
    markdown = overdue_table(overdue_list(shipped_runtime), clock.now(), limit=1)
    assert len([line for line in markdown.splitlines() if line.startswith(f"| {reference}")]) == 1
    assert markdown.rstrip().endswith("1 more after these: `workflows overdue` lists them all.")
