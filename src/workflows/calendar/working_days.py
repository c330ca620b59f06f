"""Working days: not a weekend, not an England & Wales bank holiday, not a local closure."""

from collections.abc import Iterator, Mapping
from datetime import date, timedelta
from types import ModuleType

from workflows.calendar.bank_holiday_changes import BankHolidayChanges
from workflows.calendar.bounds import in_calendar
from workflows.calendar.counting import Counting

_ONE_DAY = timedelta(days=1)
_MEMO_LIMIT = 100_000
_WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def usual_bank_holidays(year: int) -> dict[date, str]:
    """The year's England & Wales bank holidays as the locked `holidays` package has them (a new dict)."""
    from workflows.calendar import bank_holiday_table as table

    if table.FIRST_YEAR <= year <= table.LAST_YEAR:
        return dict(_table_years(table).get(year, {}))
    # Imported here: the package is only needed for a year outside the table.
    import holidays

    return dict(holidays.country_holidays("GB", subdiv="ENG", years=year).items())


_TABLE_BY_YEAR: dict[int, dict[date, str]] = {}


def _table_years(table: ModuleType) -> dict[int, dict[date, str]]:
    if not _TABLE_BY_YEAR:
        for entry in table.ENTRIES.split():
            day = date(int(entry[:4]), int(entry[4:6]), int(entry[6:8]))
            _TABLE_BY_YEAR.setdefault(day.year, {})[day] = table.NAMES[int(entry[8:], 16)]
    return _TABLE_BY_YEAR


class WorkingDayCalendar:
    """A named calendar: England & Wales bank holidays (with substitute days, and those declared or moved since the
    package, `national`) plus local closures."""

    def __init__(
        self,
        name: str = "england-and-wales",
        closures: Mapping[date, str] | None = None,
        national: BankHolidayChanges | None = None,
    ) -> None:
        self.name = name
        self.closures: dict[date, str] = dict(closures or {})
        self.national = national or BankHolidayChanges()
        self._holidays_by_year: dict[int, dict[date, str]] = {}
        # Memos: a sweep asks the same few questions (is this day a working day, 3 working days before that)
        # for thousands of items. A calendar never changes once made, so answers stay true.
        self._working: dict[date, bool] = {}
        self._counted: dict[tuple[date, int, Counting | None], date] = {}

    def __repr__(self) -> str:
        return f"WorkingDayCalendar({self.name!r}, {len(self.closures)} closures)"

    def bank_holiday(self, day: date) -> str | None:
        return self._holidays_for(day.year).get(day)

    def non_working_reason(self, day: date) -> str | None:
        """Why `day` is not a working day, or None when it is one."""
        # Holidays first: Boxing Day on a Saturday should read as Boxing Day.
        holiday = self.bank_holiday(day)
        if holiday:
            return f"bank holiday: {holiday}"
        if day in self.closures:
            return f"local closure: {self.closures[day] or 'closed'}"
        if day.weekday() >= 5:
            return f"weekend ({_WEEKDAY_NAMES[day.weekday()]})"
        return None

    def is_working_day(self, day: date) -> bool:
        known = self._working.get(day)
        if known is None:
            known = self._working[day] = self.non_working_reason(day) is None
        return known

    def next_working_day(self, day: date) -> date:
        """The first working day strictly after `day` (CalendarRangeError past the calendar's range)."""
        day = in_calendar(day) + _ONE_DAY
        while not self.is_working_day(in_calendar(day)):
            day += _ONE_DAY
        return day

    def working_day_on_or_after(self, day: date) -> date:
        return day if self.is_working_day(day) else self.next_working_day(day)

    def add_working_days(self, anchor: date, amount: int, counting: Counting = Counting.NEXT_WORKING_DAY) -> date:
        """The date of working day number `amount`, counting from `anchor` by `counting`."""
        if amount < 1:
            raise ValueError("a working-day amount must be at least 1")
        counting = Counting(counting)
        key = (anchor, amount, counting)
        known = self._counted.get(key)
        if known is None:
            known = self._remember(key, self._add_working_days(anchor, amount, counting))
        return known

    def _add_working_days(self, anchor: date, amount: int, counting: Counting) -> date:
        if counting is Counting.SAME_DAY and self.is_working_day(anchor):
            day, counted = anchor, 1
        else:
            day, counted = anchor, 0
        while counted < amount:
            day = self.next_working_day(day)
            counted += 1
        return day

    def subtract_working_days(self, day: date, amount: int) -> date:
        """The working day `amount` working days before `day` (for reminders ahead of a deadline)."""
        key = (day, -amount, None)
        known = self._counted.get(key)
        if known is None:
            known = self._remember(key, self._subtract_working_days(day, amount))
        return known

    def _remember(self, key: tuple[date, int, Counting | None], day: date) -> date:
        if len(self._counted) >= _MEMO_LIMIT:
            self._counted.clear()  # a long-running sweeper's memo stays small
        self._counted[key] = day
        return day

    def _subtract_working_days(self, day: date, amount: int) -> date:
        counted = 0
        in_calendar(day)
        while counted < amount:
            day -= _ONE_DAY
            if self.is_working_day(in_calendar(day)):
                counted += 1
        return day

    def non_working_days(self, first: date, last: date) -> Iterator[tuple[date, str]]:
        """Every non-working day from `first` to `last` inclusive, with its reason."""
        day = first
        while day <= last:
            reason = self.non_working_reason(day)
            if reason:
                yield day, reason
            day += _ONE_DAY

    def working_days_between(self, start: date, end: date) -> int:
        """Working days in (start, end]: how many working days `end` is past `start`.

        Counted by arithmetic, not day by day: reports ask this for every overdue item.
        """
        if end <= start:
            return 0
        first, last = start + _ONE_DAY, end
        days = (last - first).days + 1
        weeks, rest = divmod(days, 7)
        weekdays = weeks * 5 + sum(1 for offset in range(rest) if (first.weekday() + offset) % 7 < 5)
        closed = {day for year in range(first.year, last.year + 1) for day in self._holidays_for(year)}
        closed |= set(self.closures)
        return weekdays - sum(1 for day in closed if first <= day <= last and day.weekday() < 5)

    def _holidays_for(self, year: int) -> dict[date, str]:
        if year not in self._holidays_by_year:
            self._holidays_by_year[year] = self.national.apply(year, usual_bank_holidays)
        return self._holidays_by_year[year]
