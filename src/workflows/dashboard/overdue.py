"""What is overdue or at risk, as DSPs read it: a table, worst first, and an at-a-glance summary.

Pure: rows are described from an open item, its process definition and the directory; nothing here reads the
database or a case's facts.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from workflows.calendar.london import long_date, short_deadline
from workflows.dashboard.wording import delivery_trouble, lateness, shorten
from workflows.definitions.model import Process, Stage
from workflows.directory.model import Directory
from workflows.operations.reports import UNDELIVERED_WITHIN, OpenItem, Undelivered
from workflows.store.outbox import DeliveryCounts
from workflows.text.markdown import Markdown, bold, bullets, cat, code, document, heading, table

PARTNERSHIP = "partnership"  # the agency column of an item no single agency owns
NOT_ESCALATED = "-"
NONE_OVERDUE = "-"

# Both views are Markdown tables: Prefect's V2 UI (its default) wraps their cells within the ~650 px its artifact
# page leaves on a 1366 px laptop, where a table artifact's cells never wrap and scroll sideways. Names are still
# cut to a width, so that a row stays a few lines high; shortened names of different roles, agencies and stages
# must still read differently (tests/dashboard check it).
STAGE_WIDTH = 32
AGENCY_WIDTH = 28
ROLE_WIDTH = 28
SUMMARY_NAME_WIDTH = 36
SUMMARY_STAGE_WIDTH = 26
# The table lists the worst items; the rest are counted, and `workflows overdue` lists them all.
TABLE_LIMIT = 500


@dataclass(frozen=True, slots=True)
class OverdueRow:
    """One overdue or at-risk item, in titles and names: no fact of the case."""

    reference: str
    process: str  # title
    stage: str  # title
    agency: str  # name, or PARTNERSHIP
    owner: str  # role title
    due_at: datetime
    hour_deadline: bool  # due within hours: the time of day matters
    working_days_overdue: int
    at_risk: bool
    escalated_to: str | None  # the title of the role the escalation ladder has reached
    undelivered: int  # messages about the item that could not be delivered

    @property
    def overdue(self) -> bool:
        return not self.at_risk

    def cells(self) -> dict[str, str]:
        """The row of the `overdue-items` table; the keys are its column headers, in order."""
        return {
            "case": self.reference,
            "stage": shorten(self.stage, STAGE_WIDTH),
            "agency": shorten(self.agency, AGENCY_WIDTH),
            "late": lateness(self.working_days_overdue, self.at_risk),
            "due": short_deadline(self.due_at, with_time=self.hour_deadline),
            "escalated to": shorten(self.escalated_to, ROLE_WIDTH) if self.escalated_to else NOT_ESCALATED,
            "owner": shorten(self.owner, ROLE_WIDTH),
            "mail": delivery_trouble(self.undelivered),
        }


@dataclass(frozen=True, slots=True)
class Counts:
    """How many items are overdue and how many at risk: every view's headline."""

    overdue: int
    at_risk: int

    @classmethod
    def of(cls, rows: Iterable[OverdueRow]) -> Counts:
        overdue = at_risk = 0
        for row in rows:
            overdue += row.overdue
            at_risk += row.at_risk
        return cls(overdue, at_risk)

    @property
    def total(self) -> int:
        return self.overdue + self.at_risk

    def __str__(self) -> str:
        return f"{self.overdue} overdue, {self.at_risk} at risk"


def overdue_table(
    rows: list[OverdueRow], now: datetime, limit: int = TABLE_LIMIT, failed: Sequence[Undelivered] = ()
) -> str:
    """The `overdue-items` Markdown of rows given worst first: see `table_markdown`."""
    return table_markdown(Counts.of(rows), rows[:limit], now, failed)


def table_markdown(counted: Counts, shown: Sequence[OverdueRow], now: datetime, failed: Sequence[Undelivered]) -> str:
    """The `overdue-items` Markdown: a headline, one row per item shown (the worst, in order; `counted` says how
    many there are in all), then the items with messages that could not be delivered (a list, not a column: the
    table must stay narrow), then every message that failed lately, whatever it was about."""
    if not counted.total:
        return document(headline(counted, now), cat("Nothing is overdue or at risk."), *failed_blocks(failed))
    shown_cells = [row.cells() for row in shown]
    columns = [column for column in shown_cells[0] if column != "mail"]
    rows = table(columns, ([cells[column] for column in columns] for cells in shown_cells))
    more = []
    if counted.total > len(shown):
        more = [cat(f"{counted.total - len(shown)} more after these: ", code("workflows overdue"), " lists them all.")]
    troubled = [cells for cells in shown_cells if cells["mail"]]
    undelivered: list[list[Markdown]] = []
    if troubled:
        said = cat(bold("Messages not delivered"), " (", code("workflows outbox --status failed"), " says why):")
        items = bullets([f"{cells['case']} {cells['stage']}, {cells['agency']}: {cells['mail']}"] for cells in troubled)
        undelivered = [[said], items]
    return document(headline(counted, now), rows, more, *undelivered, *failed_blocks(failed))


def failed_blocks(failed: Sequence[Undelivered]) -> list[list[Markdown]]:
    if not failed:
        return []
    said = cat(bold(f"Failed in the last {UNDELIVERED_WITHIN.days} days"), ", newest first (nobody received these):")
    return [[said], bullets(message.line() for message in failed)]


def worst_first(row: OverdueRow) -> tuple[bool, int, datetime, str, str, str]:
    """Overdue before at risk, most working days overdue first, then the earliest due."""
    return (row.at_risk, -row.working_days_overdue, row.due_at, row.reference, row.stage, row.agency)


def describe(item: OpenItem, process: Process | None, directory: Directory) -> OverdueRow:
    """An open item in the words DSPs read. Without its process (removed from the library), ids stand in."""
    stage = process.stages.get(item.stage) if process else None
    agency = directory.agencies.get(item.agency or "")
    return OverdueRow(
        reference=item.reference,
        process=process.title if process else item.process,
        stage=stage.title if stage else item.stage,
        agency=agency.name if agency else (item.agency or PARTNERSHIP),
        owner=role_title(directory, item.owner_role),
        due_at=item.due_at,
        hour_deadline=bool(stage and stage.due.is_elapsed_time),
        working_days_overdue=item.working_days_overdue,
        at_risk=item.at_risk,
        escalated_to=escalation_reached(stage, item.escalation_level, directory),
        undelivered=len(item.undelivered),
    )


def escalation_reached(stage: Stage | None, level: int, directory: Directory) -> str | None:
    """The title of the role told at escalation `level`: level N is the ladder's Nth step."""
    if not level:
        return None
    if stage is None or not stage.escalation:
        return f"level {level}"
    step = stage.escalation[min(level, len(stage.escalation)) - 1]
    return role_title(directory, step.notify)


def role_title(directory: Directory, key: str) -> str:
    role = directory.roles.get(key)
    return role.title if role else key


# -- the at-a-glance summary -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Tally:
    """Overdue and at-risk counts of one agency or process, and its oldest overdue item."""

    name: str
    overdue: int
    at_risk: int
    oldest: OverdueRow | None


@dataclass(slots=True)
class _Group:
    overdue: int = 0
    at_risk: int = 0
    oldest: OverdueRow | None = None


class Tallies:
    """Tallies per name (agency or process) of rows added one at a time: two counts and one row per name, never
    every row."""

    def __init__(self, name_of: Callable[[OverdueRow], str]) -> None:
        self._name_of = name_of
        self._groups: dict[str, _Group] = {}

    def add(self, row: OverdueRow) -> None:
        group = self._groups.setdefault(self._name_of(row), _Group())
        if row.at_risk:
            group.at_risk += 1
            return
        group.overdue += 1
        # Strictly worse only: of rows that tie, the first added stays, as a stable sort would keep it.
        if group.oldest is None or worst_first(row) < worst_first(group.oldest):
            group.oldest = row

    def worst_first(self) -> list[Tally]:
        """Most overdue first, then most at risk."""
        tallies = [Tally(name, group.overdue, group.at_risk, group.oldest) for name, group in self._groups.items()]
        return sorted(tallies, key=lambda t: (-t.overdue, -t.at_risk, t.name))


def tally(rows: Iterable[OverdueRow], name_of: Callable[[OverdueRow], str]) -> list[Tally]:
    """Counts per name, worst first: most overdue, then most at risk."""
    tallies = Tallies(name_of)
    for row in rows:
        tallies.add(row)
    return tallies.worst_first()


def headline(counted: Counts, now: datetime) -> Markdown:
    # The date, not the time: the view is republished only when it changes (at the latest, the next day).
    return cat(bold(str(counted)), f", as of {long_date(now)}")


def oldest_item(row: OverdueRow | None) -> str:
    if row is None:
        return NONE_OVERDUE
    late = lateness(row.working_days_overdue, row.at_risk)
    return f"{row.reference} {shorten(row.stage, SUMMARY_STAGE_WIDTH)} ({late})"


def tally_table(named: str, tallies: list[Tally]) -> list[Markdown]:
    rows = (
        [shorten(entry.name, SUMMARY_NAME_WIDTH), entry.overdue, entry.at_risk, oldest_item(entry.oldest)]
        for entry in tallies
    )
    return table([named, "overdue", "at risk", "oldest overdue"], rows, align="lrrl")


def by_agency(row: OverdueRow) -> str:
    return row.agency


def by_process(row: OverdueRow) -> str:
    return row.process


def overdue_summary(rows: list[OverdueRow], now: datetime) -> str:
    """The `overdue-summary` Markdown of rows: see `summary_markdown`."""
    return summary_markdown(Counts.of(rows), tally(rows, by_agency), tally(rows, by_process), now)


def mail_line(mail: DeliveryCounts) -> Markdown:
    """Whether messages are reaching people: given up on lately, waiting, and failing for now (a relay down)."""
    failed = f"{mail.failed} failed in the last {UNDELIVERED_WITHIN.days} days" if mail.failed else "none failed"
    waiting = f"{mail.waiting} waiting to be sent" if mail.waiting else "none waiting"
    failing = f" ({mail.failing} of them failing for now: tried again until they go or are given up on)"
    parts = [bold("Messages"), f": {failed}, {waiting}", failing if mail.failing else "", "."]
    if mail.failed:
        parts += [" ", code("workflows outbox retry"), " sends the failed again."]
    return cat(*parts)


def summary_markdown(
    counted: Counts, agencies: list[Tally], processes: list[Tally], now: datetime, mail: DeliveryCounts | None = None
) -> str:
    """The `overdue-summary` Markdown, the DSPs' start page: a headline, whether messages are reaching people,
    then counts per agency and per process, worst first."""
    mailed = [mail_line(mail)] if mail is not None else []
    if not counted.total:
        return document(headline(counted, now), *mailed, cat("Nothing is overdue or at risk."))
    return document(
        headline(counted, now),
        *mailed,
        heading(3, "By agency"),
        tally_table("agency", agencies),
        heading(3, "By process"),
        tally_table("process", processes),
    )
