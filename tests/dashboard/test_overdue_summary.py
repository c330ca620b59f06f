"""The at-a-glance summary, from rows alone: counts per agency and per process, worst first, oldest item each."""

from __future__ import annotations

from datetime import datetime

from workflows.calendar.london import to_london
from workflows.dashboard.overdue import Counts, OverdueRow, overdue_summary, tally, worst_first

NOW = to_london(datetime(2027, 1, 13, 10, 0))


def row(
    reference: str, agency: str, late: int | None, *, process: str = "Rapid review", stage: str = "Return"
) -> OverdueRow:
    """An overdue row `late` working days late, or an at-risk one when `late` is None."""
    return OverdueRow(
        reference=reference,
        process=process,
        stage=stage,
        agency=agency,
        owner="Agency safeguarding lead",
        due_at=to_london(datetime(2027, 1, 13 - (late or 0), 23, 59)),
        hour_deadline=False,
        working_days_overdue=late or 0,
        at_risk=late is None,
        escalated_to=None,
        undelivered=0,
    )


ROWS = [
    row("RR-2026-001", "Staffordshire Police", 4),
    row("RR-2026-002", "Staffordshire Police", None),
    row("RR-2026-003", "Cafcass", 6, stage="Return agency chronology and summary of learning"),
    row("RR-2026-004", "Cafcass", 1),
    row("JAR-2026-001", "partnership", 2, process="Joint agency response to a child's death", stage="Joint visit"),
    row("JAR-2026-002", "partnership", None, process="Joint agency response to a child's death"),
    row("JAR-2026-003", "partnership", None, process="Joint agency response to a child's death"),
    row("S11-2026-01", "Oak Primary School", None, process="Section 11 audit"),
]


def test_worst_first_puts_overdue_before_at_risk_and_the_latest_first():
    ordered = sorted(ROWS, key=worst_first)
    assert [r.reference for r in ordered] == [
        "RR-2026-003",
        "RR-2026-001",
        "JAR-2026-001",
        "RR-2026-004",
        "JAR-2026-002",
        "JAR-2026-003",
        "RR-2026-002",
        "S11-2026-01",
    ]


def test_tallies_count_each_group_worst_first_with_its_oldest_overdue_item():
    by_agency = tally(ROWS, lambda r: r.agency)
    assert [(t.name, t.overdue, t.at_risk) for t in by_agency] == [
        ("Cafcass", 2, 0),
        ("partnership", 1, 2),
        ("Staffordshire Police", 1, 1),
        ("Oak Primary School", 0, 1),
    ]
    assert [t.oldest.reference if t.oldest else None for t in by_agency] == [
        "RR-2026-003",
        "JAR-2026-001",
        "RR-2026-001",
        None,
    ]
    by_process = tally(ROWS, lambda r: r.process)
    assert [(t.name, t.overdue, t.at_risk) for t in by_process] == [
        ("Rapid review", 3, 1),
        ("Joint agency response to a child's death", 1, 2),
        ("Section 11 audit", 0, 1),
    ]


def test_the_summary_reads_as_a_headline_and_two_narrow_tables():
    text = overdue_summary(ROWS, NOW)
    lines = text.splitlines()
    assert lines[0] == "**4 overdue, 4 at risk**, as of Wednesday 13 January 2027"
    assert "| Cafcass | 2 | 0 | RR-2026-003 Return agency chronology… (6 working days) |" in lines
    assert "| Oak Primary School | 0 | 1 | - |" in lines
    assert "| Rapid review | 3 | 1 | RR-2026-003 Return agency chronology… (6 working days) |" in lines
    assert lines.index("### By agency") < lines.index(
        "| Cafcass | 2 | 0 | RR-2026-003 Return agency chronology… (6 working days) |"
    )
    assert max(len(line) for line in lines) <= 120


def test_an_empty_summary_says_so():
    assert overdue_summary([], NOW) == (
        "**0 overdue, 0 at risk**, as of Wednesday 13 January 2027\n\nNothing is overdue or at risk.\n"
    )


def test_the_start_page_says_first_whether_messages_are_reaching_people():
    from workflows.dashboard.overdue import summary_markdown
    from workflows.store.outbox import DeliveryCounts

    by_agency, by_process = tally(ROWS, lambda r: r.agency), tally(ROWS, lambda r: r.process)
    troubled = summary_markdown(Counts(5, 3), by_agency, by_process, NOW, DeliveryCounts(2, 14, 3)).splitlines()
    assert troubled[2] == (
        "**Messages**: 2 failed in the last 14 days, 14 waiting to be sent (3 of them failing for now: tried again "
        "until they go or are given up on). `workflows outbox retry` sends the failed again."
    )
    quiet = summary_markdown(Counts(0, 0), [], [], NOW, DeliveryCounts(0, 0, 0)).splitlines()
    assert quiet[2] == "**Messages**: none failed, none waiting."
