"""The DSP views built from a real database (SQLite and PostgreSQL), with the shipped processes and directory.

Each journey starts cases, lets the sweeper fire their timers, then reads the overdue table and the summary.
"""

from __future__ import annotations

import itertools
import json
import re
from datetime import date, datetime

from sqlalchemy import event

from workflows import clock
from workflows.calendar.london import to_london
from workflows.dashboard.overdue import AGENCY_WIDTH, ROLE_WIDTH, STAGE_WIDTH, describe, overdue_summary
from workflows.dashboard.views import case_timeline, overdue_list
from workflows.dashboard.wording import shorten
from workflows.engine.commands import Complete
from workflows.operations import cases
from workflows.operations.reports import OpenItem
from workflows.operations.sweeper import tick

SECRET = "Zebedee Quillfeather"
AGENCIES = ["stoke-on-trent-city-council", "staffordshire-police", "midlands-partnership-foundation-trust"]

# Prefect's V2 artifact page leaves a Markdown table about 650 px on a 1366 px laptop: about this many characters
# of its 14 px type, less the cells' padding. A wrapped table is as narrow as the longest word of each column.
NARROWEST_TABLE_BUDGET = 78


def overdue_rows(runtime) -> list[dict[str, str]]:
    """The `overdue-items` table's rows, as cells."""
    return [row.cells() for row in overdue_list(runtime)]


def requested(runtime, notified: date) -> str:
    """A rapid review whose first stage (the business manager requests chronologies) is open."""
    facts = {"notification_date": notified, "agencies": AGENCIES, "child_name": SECRET}
    return cases.start(runtime, "rapid-review", facts)[0]


def rapid_review(runtime, notified: date) -> str:
    """A rapid review waiting for every agency's chronology."""
    reference = requested(runtime, notified)
    cases.run(runtime, reference, Complete("request-chronologies"))
    return reference


def child_death(runtime, died: str) -> str:
    """A Joint Agency Response, started by its trigger as the flows start it."""
    facts = ["death_notification_id=CD-1", f"death_datetime={died}", "external_causes=true", f"child_name={SECRET}"]
    ((process, reference, new),) = cases.trigger(runtime, "child-death", facts)
    assert process == "joint-agency-response" and new
    return reference


def mine(rows: list[dict[str, str]], reference: str) -> list[dict[str, str]]:
    return [row for row in rows if row["case"] == reference]


def test_the_row_names_the_role_the_escalation_ladder_has_reached(shipped_runtime, set_clock):
    set_clock("2026-12-18T10:00")
    reference = rapid_review(shipped_runtime, date(2026, 12, 18))
    set_clock("2027-01-11T10:00")  # one working day late: the first step (business manager)
    tick(shipped_runtime)
    rows = mine(overdue_rows(shipped_runtime), reference)
    assert {row["escalated to"] for row in rows} == {"Partnership business manager"}
    set_clock("2027-01-13T10:00")  # four working days late: the second step (DSP, local authority)
    tick(shipped_runtime)
    rows = mine(overdue_rows(shipped_runtime), reference)
    assert rows == [
        {
            "case": reference,
            "stage": "Return agency chronology and…",
            "agency": agency,
            "late": "4 working days",
            "due": "Thu 7 Jan",
            "escalated to": "DSP (local authority)",
            "owner": "Agency safeguarding lead",
            "mail": "",
        }
        for agency in ["Midlands Partnership…", "Staffordshire Police", "Stoke-on-Trent City Council"]
    ]


def test_an_item_not_escalated_yet_says_so(shipped_runtime, set_clock):
    set_clock("2026-12-18T10:00")
    reference = requested(shipped_runtime, date(2026, 12, 18))
    (row,) = mine(overdue_rows(shipped_runtime), reference)  # due the next working day: at risk
    assert (row["stage"], row["late"], row["escalated to"], row["agency"]) == (
        "Request agency chronologies",
        "at risk",
        "-",
        "partnership",
    )
    assert row["owner"] == "Partnership business manager" and row["due"] == "Mon 21 Dec"


def test_an_hour_deadline_shows_its_time_and_a_day_deadline_its_date(shipped_runtime, set_clock):
    set_clock("2026-12-29T19:10")
    reference = child_death(shipped_runtime, "2026-12-29T19:00")
    set_clock("2026-12-30T21:00")
    tick(shipped_runtime)
    due = {row["stage"]: row["due"] for row in mine(overdue_rows(shipped_runtime), reference)}
    assert due == {
        "Children's social care checks…": "Wed 30 Dec 19:00",  # 24 hours from the death
        "Initial multi-agency…": "Wed 30 Dec 19:00",
        "Joint home visit": "Wed 30 Dec 19:00",
        "Notify GP, health visitor…": "Wed 30 Dec",  # 1 working day: late after the day ends
    }
    timeline = case_timeline(shipped_runtime, reference)
    assert "| Joint home visit | open | Police investigator (JAR) | Wed 30 Dec 2026 19:00 |" in timeline
    day_stage = "| Notify GP, health visitor, school and CDOP | open | Child death review coordinator |"
    assert f"{day_stage} Wed 30 Dec 2026 |" in timeline


def three_cases_by_13_january(runtime, set_clock) -> tuple[str, str, str]:
    """A rapid review 4 working days late, a Joint Agency Response 8 late, a rapid review just requested."""
    set_clock("2026-12-18T10:00")
    review = rapid_review(runtime, date(2026, 12, 18))
    set_clock("2026-12-29T19:10")
    response = child_death(runtime, "2026-12-29T19:00")
    set_clock("2027-01-13T09:00")
    later = requested(runtime, date(2027, 1, 13))
    set_clock("2027-01-13T10:00")
    tick(runtime)
    return review, response, later


def test_rows_come_worst_first(shipped_runtime, set_clock):
    review, response, later = three_cases_by_13_january(shipped_runtime, set_clock)
    rows = overdue_rows(shipped_runtime)
    assert [(row["case"], row["late"]) for row in rows] == [
        *[(response, "8 working days")] * 4,
        *[(review, "4 working days")] * 3,
        (later, "at risk"),
    ]
    hour_deadlines = [row["stage"] for row in rows[:3]]
    assert hour_deadlines == sorted(hour_deadlines)  # same lateness and due time: by stage title


def test_the_summary_counts_per_agency_and_per_process_with_the_oldest_item(shipped_runtime, set_clock):
    review, response, later = three_cases_by_13_january(shipped_runtime, set_clock)
    lines = overdue_summary(overdue_list(shipped_runtime), clock.now()).splitlines()
    assert lines[0] == "**7 overdue, 1 at risk**, as of Wednesday 13 January 2027"
    by_agency = lines[lines.index("### By agency") + 4 : lines.index("### By process") - 1]
    assert by_agency == [
        f"| partnership | 4 | 1 | {response} Children's social care… (8 working days) |",
        f"| Midlands Partnership University NHS… | 1 | 0 | {review} Return agency chronology… (4 working days) |",
        f"| Staffordshire Police | 1 | 0 | {review} Return agency chronology… (4 working days) |",
        f"| Stoke-on-Trent City Council | 1 | 0 | {review} Return agency chronology… (4 working days) |",
    ]
    by_process = lines[lines.index("### By process") + 4 :]
    assert by_process == [
        f"| Joint agency response to a child's… | 4 | 0 | {response} Children's social care… (8 working days) |",
        f"| Rapid review | 3 | 1 | {review} Return agency chronology… (4 working days) |",
    ]
    assert later not in "\n".join(lines)  # at risk only: counted, never the oldest overdue


def test_no_fact_of_a_case_reaches_a_view_nor_is_even_read(shipped_runtime, set_clock):
    set_clock("2026-12-18T10:00")
    rapid_review(shipped_runtime, date(2026, 12, 18))
    set_clock("2026-12-29T19:10")
    child_death(shipped_runtime, "2026-12-29T19:00")
    set_clock("2027-01-13T10:00")
    tick(shipped_runtime)
    statements: list[str] = []

    def listen(connection, cursor, statement, *rest) -> None:
        statements.append(statement)

    event.listen(shipped_runtime.db, "before_cursor_execute", listen)
    try:
        rows = overdue_rows(shipped_runtime)
        summary = overdue_summary(overdue_list(shipped_runtime), clock.now())
    finally:
        event.remove(shipped_runtime.db, "before_cursor_execute", listen)
    assert len(rows) == 7
    assert SECRET not in json.dumps(rows) + summary
    assert "Zebedee" not in json.dumps(rows) + summary
    assert statements and not [s for s in statements if "cases.state" in s]  # the state (and its facts) is never read


def narrowest_table(rows: list[dict[str, str]]) -> int:
    """The width, in characters, of the table with every cell wrapped as far as it goes: the longest word of
    each column (its header included), summed."""

    def longest_word(text: str) -> int:
        # Browsers break lines at spaces, and after a hyphen followed by a letter ("Newcastle-under-Lyme").
        return max((len(word) for word in re.split(r"\s+|(?<=-)(?=[A-Za-z])", text)), default=0)

    columns = [column for column in rows[0] if column != "mail"]  # listed under the table, not in it
    return sum(max(longest_word(column), *(longest_word(row[column]) for row in rows)) for column in columns)


def test_the_table_wraps_into_a_laptop_screen_whatever_the_shipped_titles_and_names(shipped_runtime):
    """Every stage of every shipped process, at every escalation level, for every agency and the partnership.

    A new column, or a long unbreakable word in a title or name, fails this (the live test then shows the page
    scrolling sideways at 1366 px).
    """
    directory = shipped_runtime.config.directory
    due = to_london(datetime(2026, 12, 30, 19, 0))
    rows = []
    for process in shipped_runtime.library.processes.values():
        reference = process.format_reference(2026, 1)
        for (stage_id, stage), agency in itertools.product(process.stages.items(), [None, *directory.agencies]):
            for level, (late, at_risk) in itertools.product(
                range(len(stage.escalation) + 1), [(99, False), (0, False), (0, True)]
            ):
                item = OpenItem(
                    reference=reference,
                    process=process.id,
                    stage=stage_id,
                    task=agency,
                    owner_role=stage.owner,
                    agency=agency,
                    due_at=due,
                    working_days_overdue=late,
                    escalation_level=level,
                    at_risk=at_risk,
                    undelivered=("escalation: refused",) * 9,
                )
                rows.append(describe(item, process, directory).cells())
    assert narrowest_table(rows) <= NARROWEST_TABLE_BUDGET


def test_shortened_role_titles_and_agency_names_are_still_told_apart(shipped_runtime):
    directory = shipped_runtime.config.directory
    titles = {role.title for role in directory.roles.values()}
    names = {agency.name for agency in directory.agencies.values()}
    assert len({shorten(title, ROLE_WIDTH) for title in titles}) == len(titles)
    assert len({shorten(name, AGENCY_WIDTH) for name in names}) == len(names)


def test_shortened_stage_titles_are_still_told_apart_within_each_process(shipped_runtime):
    for process in shipped_runtime.library.processes.values():
        titles = [stage.title for stage in process.stages.values()]
        assert len({shorten(title, STAGE_WIDTH) for title in titles}) == len(set(titles)), process.id
