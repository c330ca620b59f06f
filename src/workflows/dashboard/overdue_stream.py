"""Both overdue views built from rows given one at a time, as the database streams them (earliest due first, not
worst first): the table's worst rows, the counts and the tallies are kept, never every row. Pure, like overdue.py,
whose Markdown they render: the views are the ones `overdue_table` and `overdue_summary` make of the same rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from workflows.dashboard.overdue import (
    TABLE_LIMIT,
    Counts,
    OverdueRow,
    Tallies,
    by_agency,
    by_process,
    summary_markdown,
    table_markdown,
    worst_first,
)
from workflows.operations.reports import Undelivered
from workflows.store.outbox import DeliveryCounts


class WorstRows:
    """The `limit` worst rows of those added, in order: sorted(rows, key=worst_first)[:limit], holding at most
    twice `limit` rows at a time."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._kept: list[OverdueRow] = []

    def add(self, row: OverdueRow) -> None:
        self._kept.append(row)
        if len(self._kept) >= 2 * max(self.limit, 1):
            self._trim()

    def rows(self) -> list[OverdueRow]:
        self._trim()
        return list(self._kept)

    def _trim(self) -> None:
        # A stable sort: rows kept from earlier trims stand before later ones, so ties keep the order they came in.
        self._kept.sort(key=worst_first)
        del self._kept[self.limit :]


class OverdueViews:
    """`overdue-items` and `overdue-summary` of the rows added."""

    def __init__(self, limit: int = TABLE_LIMIT) -> None:
        self._overdue = 0
        self._at_risk = 0
        self._worst = WorstRows(limit)
        self._agencies = Tallies(by_agency)
        self._processes = Tallies(by_process)

    def add(self, row: OverdueRow) -> None:
        if row.at_risk:
            self._at_risk += 1
        else:
            self._overdue += 1
        self._worst.add(row)
        self._agencies.add(row)
        self._processes.add(row)

    @property
    def counts(self) -> Counts:
        return Counts(self._overdue, self._at_risk)

    @property
    def total(self) -> int:
        return self._overdue + self._at_risk

    def table(self, now: datetime, failed: Sequence[Undelivered] = ()) -> str:
        return table_markdown(self.counts, self._worst.rows(), now, failed)

    def summary(self, now: datetime, mail: DeliveryCounts | None = None) -> str:
        return summary_markdown(self.counts, self._agencies.worst_first(), self._processes.worst_first(), now, mail)
