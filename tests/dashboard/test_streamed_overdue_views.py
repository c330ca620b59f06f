"""The overdue views built from rows streamed one at a time (in the database's order, earliest due first) are the
views `overdue_table` and `overdue_summary` make of every row sorted worst first, while holding only the table's
worst rows."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date, datetime

import pytest

from workflows import clock
from workflows.calendar.london import to_london
from workflows.dashboard.overdue import OverdueRow, overdue_summary, overdue_table, worst_first
from workflows.dashboard.overdue_stream import OverdueViews, WorstRows
from workflows.dashboard.views import overdue_list, overdue_views
from workflows.engine.commands import Complete
from workflows.operations import cases
from workflows.operations.reports import Undelivered
from workflows.operations.sweeper import tick

NOW = to_london(datetime(2027, 1, 13, 10, 0))
AGENCIES = ("Staffordshire Police", "Cafcass", "partnership", "Oak Primary School")
PROCESSES = ("Rapid review", "Joint agency response to a child's death", "Section 11 audit")


def made_up_rows(count: int, seed: int) -> list[OverdueRow]:
    """Rows with many ties: few references, stages, agencies and lateness values; ties differ in their owner, so
    the order kept among them shows."""
    chance = random.Random(seed)
    rows = []
    for number in range(count):
        late = chance.choice([None, 0, 1, 4, 8])
        rows.append(
            OverdueRow(
                reference=f"RR-2026-{chance.randint(1, 4):03d}",
                process=chance.choice(PROCESSES),
                stage=chance.choice(["Return", "Request agency chronologies"]),
                agency=chance.choice(AGENCIES),
                owner=f"Owner {number}",
                due_at=to_london(datetime(2027, 1, 13 - (late or 0), 23, 59)),
                hour_deadline=False,
                working_days_overdue=late or 0,
                at_risk=late is None,
                escalated_to=chance.choice([None, "Partnership business manager"]),
                undelivered=chance.choice([0, 0, 0, 2]),
            )
        )
    return rows


FAILED = [Undelivered("RR-2026-001", "escalation", "Return", "cafcass", "550 no such user", NOW)]


@pytest.mark.parametrize("limit", [1, 3, 7, 500])
@pytest.mark.parametrize(("count", "seed"), [(0, 0), (1, 1), (6, 2), (40, 3), (300, 4)])
def test_the_streamed_views_are_the_views_of_every_row_sorted(count, seed, limit):
    rows = made_up_rows(count, seed)
    views = OverdueViews(limit)
    for row in rows:
        views.add(row)
    ordered = sorted(rows, key=worst_first)
    assert views.table(NOW, FAILED) == overdue_table(ordered, NOW, limit=limit, failed=FAILED)
    assert views.summary(NOW) == overdue_summary(rows, NOW)
    assert views.total == count


@pytest.mark.parametrize("limit", [0, 1, 2, 5, 50])
def test_the_worst_rows_are_the_first_of_every_row_sorted_ties_in_the_order_they_came(limit):
    rows = made_up_rows(200, seed=limit)
    worst = WorstRows(limit)
    for row in rows:
        worst.add(row)
    assert worst.rows() == sorted(rows, key=worst_first)[:limit]


def test_the_worst_rows_never_hold_more_than_twice_the_limit():
    worst = WorstRows(5)
    for row in made_up_rows(1000, seed=9):
        worst.add(row)
        assert len(worst._kept) < 10


def test_rows_that_tie_on_every_sorted_field_keep_the_first_as_a_group_s_oldest():
    first = made_up_rows(1, seed=5)[0]
    first = replace(first, at_risk=False, working_days_overdue=3)
    twin = replace(first, owner="Another owner")
    views = OverdueViews(limit=1)
    views.add(first)
    views.add(twin)
    assert views.table(NOW) == overdue_table([first, twin], NOW, limit=1)
    assert views.summary(NOW) == overdue_summary([first, twin], NOW)


def test_the_views_of_a_real_database_are_those_of_the_full_list(shipped_runtime, set_clock):
    agencies = ["stoke-on-trent-city-council", "staffordshire-police", "midlands-partnership-foundation-trust"]
    for day in (16, 17, 18):
        set_clock(f"2026-12-{day}T10:00")
        reference, _ = cases.start(
            shipped_runtime, "rapid-review", {"notification_date": date(2026, 12, day), "agencies": agencies}
        )
        cases.run(shipped_runtime, reference, Complete("request-chronologies"))
    set_clock("2027-01-13T09:00")
    cases.start(shipped_runtime, "rapid-review", {"notification_date": date(2027, 1, 13), "agencies": agencies})
    set_clock("2027-01-13T10:00")
    tick(shipped_runtime)
    now = clock.now()
    rows = overdue_list(shipped_runtime, now)
    assert len(rows) == 10
    for limit in (1, 4, 500):
        views = overdue_views(shipped_runtime, now, limit=limit)
        assert views.table(now) == overdue_table(rows, now, limit=limit)
        assert views.summary(now) == overdue_summary(rows, now)
