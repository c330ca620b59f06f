"""The period a report covers: whole days in London, by default the partnership's reporting year."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from workflows.calendar.london import london_wall_time
from workflows.operations.errors import InvalidInput


@dataclass(frozen=True, slots=True)
class ReportingPeriod:
    first_day: date
    last_day: date

    @property
    def start(self) -> datetime:
        """The first moment in the period (London midnight)."""
        return london_wall_time(self.first_day, time(0, 0))

    @property
    def end(self) -> datetime:
        """The first moment after it."""
        return london_wall_time(self.last_day + timedelta(days=1), time(0, 0))

    def holds(self, moment: datetime | None) -> bool:
        return moment is not None and self.start <= moment < self.end

    def label(self) -> str:
        return f"{self.first_day.isoformat()} to {self.last_day.isoformat()}"


def reporting_year_containing(day: date, starts_month: int) -> ReportingPeriod:
    """The reporting year `day` falls in: from the first of `starts_month` to the day before it a year later."""
    year = day.year if day.month >= starts_month else day.year - 1
    first = date(year, starts_month, 1)
    return ReportingPeriod(first, date(year + 1, starts_month, 1) - timedelta(days=1))


def period_from_options(first: date | None, last: date | None, today: date, starts_month: int) -> ReportingPeriod:
    """`--from` and `--to` as given; a missing end is its reporting year's; neither: this reporting year."""
    if first is None and last is None:
        return reporting_year_containing(today, starts_month)
    first = first or reporting_year_containing(last, starts_month).first_day  # type: ignore[arg-type]
    last = last or reporting_year_containing(first, starts_month).last_day
    if last < first:
        raise InvalidInput(f"the period ends ({last.isoformat()}) before it starts ({first.isoformat()})", field="to")
    return ReportingPeriod(first, last)


def months_ending(today: date, count: int) -> list[date]:
    """The first days of the `count` months up to and including `today`'s, oldest first."""
    months: list[date] = []
    year, month = today.year, today.month
    for _ in range(count):
        months.append(date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return months[::-1]
