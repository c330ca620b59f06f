"""Property-based tests for the working-day calendar (dates 2020-2035, amounts 1..400)."""

from calendar import monthrange
from datetime import UTC, date, datetime, time, timedelta

import holidays
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from workflows.calendar import LONDON, Counting, Duration, Unit, WorkingDayCalendar, compute_deadline
from workflows.calendar.deadlines import add_months

NEXT = Counting.NEXT_WORKING_DAY
SAME_DAY = Counting.SAME_DAY

# One shared calendar: its bank holidays load lazily and are cached per year.
CALENDAR = WorkingDayCalendar()
REFERENCE = holidays.country_holidays("GB", subdiv="ENG", years=range(2019, 2040))

dates = st.dates(min_value=date(2020, 1, 1), max_value=date(2035, 12, 31))
amounts = st.integers(min_value=1, max_value=400)
countings = st.sampled_from(list(Counting))
# Holidays for a year load the first time it is touched: keep Hypothesis' timing deadline out of it.
slow = settings(deadline=None)


@st.composite
def closure_calendars(draw: st.DrawFn, anchor: date) -> WorkingDayCalendar:
    """A calendar with random local closures within ~600 days after the anchor (and a few before)."""
    offsets = draw(st.sets(st.integers(min_value=-3, max_value=600), max_size=60))
    reasons = st.text(alphabet="abcdefghij ", min_size=1, max_size=10).filter(str.strip)
    closures = {anchor + timedelta(days=offset): draw(reasons) for offset in offsets}
    return WorkingDayCalendar(name="random", closures=closures)


@st.composite
def anchors_with_calendars(draw: st.DrawFn) -> tuple[date, WorkingDayCalendar]:
    anchor = draw(dates)
    return anchor, draw(closure_calendars(anchor))


def nth_working_day(calendar: WorkingDayCalendar, first: date, n: int) -> date:
    """Definitional oracle: the n-th working day on or after `first` (n >= 1)."""
    day, seen = first - timedelta(days=1), 0
    while seen < n:
        day += timedelta(days=1)
        if calendar.is_working_day(day):
            seen += 1
    return day


def reference_is_working(day: date, closures: dict[date, str]) -> bool:
    return day.weekday() < 5 and day not in REFERENCE and day not in closures


# --- working-day classification ----------------------------------------------------------------------


@slow
@given(data=anchors_with_calendars(), offset=st.integers(min_value=-3, max_value=600))
def test_is_working_day_matches_reference_model(data: tuple[date, WorkingDayCalendar], offset: int) -> None:
    anchor, calendar = data
    day = anchor + timedelta(days=offset)
    assert calendar.is_working_day(day) is reference_is_working(day, calendar.closures)
    reason = calendar.non_working_reason(day)
    if day in REFERENCE:
        assert reason == f"bank holiday: {REFERENCE[day]}"
    elif day in calendar.closures:
        assert reason == f"local closure: {calendar.closures[day]}"
    elif day.weekday() >= 5:
        assert reason in ("weekend (Saturday)", "weekend (Sunday)")
        assert reason == ("weekend (Saturday)" if day.weekday() == 5 else "weekend (Sunday)")
    else:
        assert reason is None


# --- add_working_days --------------------------------------------------------------------------------


@slow
@given(anchor=dates, amount=amounts, counting=countings)
def test_result_is_a_working_day(anchor: date, amount: int, counting: Counting) -> None:
    assert CALENDAR.is_working_day(CALENDAR.add_working_days(anchor, amount, counting))


@slow
@given(data=anchors_with_calendars(), amount=amounts, counting=countings)
def test_result_is_a_working_day_with_closures(
    data: tuple[date, WorkingDayCalendar], amount: int, counting: Counting
) -> None:
    anchor, calendar = data
    result = calendar.add_working_days(anchor, amount, counting)
    assert calendar.is_working_day(result)
    assert result not in calendar.closures


@slow
@given(data=anchors_with_calendars(), amount=amounts, counting=countings)
def test_result_matches_definitional_oracle(
    data: tuple[date, WorkingDayCalendar], amount: int, counting: Counting
) -> None:
    anchor, calendar = data
    first = anchor if counting is SAME_DAY else anchor + timedelta(days=1)
    assert calendar.add_working_days(anchor, amount, counting) == nth_working_day(calendar, first, amount)


@slow
@given(anchor=dates, a=amounts, b=amounts, counting=countings)
def test_monotonic_in_amount(anchor: date, a: int, b: int, counting: Counting) -> None:
    small, large = sorted((a, b))
    earlier = CALENDAR.add_working_days(anchor, small, counting)
    later = CALENDAR.add_working_days(anchor, large, counting)
    assert earlier <= later
    if small < large:
        assert earlier < later


@slow
@given(data=anchors_with_calendars(), amount=st.integers(min_value=1, max_value=399), counting=countings)
def test_one_more_day_is_the_next_working_day(
    data: tuple[date, WorkingDayCalendar], amount: int, counting: Counting
) -> None:
    anchor, calendar = data
    result = calendar.add_working_days(anchor, amount, counting)
    assert calendar.add_working_days(anchor, amount + 1, counting) == calendar.next_working_day(result)


@slow
@given(anchor=dates, amount=amounts)
def test_next_working_day_result_is_strictly_after_anchor(anchor: date, amount: int) -> None:
    assert CALENDAR.add_working_days(anchor, amount, NEXT) > anchor


@slow
@given(anchor=dates, amount=amounts)
def test_same_day_result_is_on_or_after_anchor(anchor: date, amount: int) -> None:
    result = CALENDAR.add_working_days(anchor, amount, SAME_DAY)
    assert result >= anchor
    if amount == 1 and CALENDAR.is_working_day(anchor):
        assert result == anchor


@slow
@given(data=anchors_with_calendars(), amount=amounts)
def test_same_day_is_never_later_and_at_most_one_working_day_earlier(
    data: tuple[date, WorkingDayCalendar], amount: int
) -> None:
    anchor, calendar = data
    same = calendar.add_working_days(anchor, amount, SAME_DAY)
    following = calendar.add_working_days(anchor, amount, NEXT)
    assert same <= following
    gap = calendar.working_days_between(same, following)
    assert gap <= 1
    if calendar.is_working_day(anchor):
        assert gap == 1
        assert calendar.next_working_day(same) == following
    else:
        assert same == following


@slow
@given(data=anchors_with_calendars(), amount=amounts)
def test_working_days_between_inverts_add_working_days(data: tuple[date, WorkingDayCalendar], amount: int) -> None:
    anchor, calendar = data
    assert calendar.working_days_between(anchor, calendar.add_working_days(anchor, amount, NEXT)) == amount


@slow
@given(anchor=dates, amount=amounts)
def test_working_days_between_for_same_day_counting(anchor: date, amount: int) -> None:
    result = CALENDAR.add_working_days(anchor, amount, SAME_DAY)
    expected = amount - 1 if CALENDAR.is_working_day(anchor) else amount
    assert CALENDAR.working_days_between(anchor, result) == expected


@slow
@given(start=dates, a=st.integers(min_value=0, max_value=500), b=st.integers(min_value=0, max_value=500))
def test_working_days_between_is_additive(start: date, a: int, b: int) -> None:
    middle = start + timedelta(days=a)
    end = middle + timedelta(days=b)
    total = CALENDAR.working_days_between(start, end)
    assert total == CALENDAR.working_days_between(start, middle) + CALENDAR.working_days_between(middle, end)
    assert total == sum(reference_is_working(start + timedelta(days=i), {}) for i in range(1, a + b + 1))


@slow
@given(data=anchors_with_calendars(), amount=amounts)
def test_subtract_working_days_inverts_counting_forward(data: tuple[date, WorkingDayCalendar], amount: int) -> None:
    anchor, calendar = data
    day = anchor + timedelta(days=500)
    earlier = calendar.subtract_working_days(day, amount)
    assert earlier < day
    assert calendar.is_working_day(earlier)
    # `amount` working days in [earlier, day); working_days_between counts (earlier, day].
    assert calendar.working_days_between(earlier, day) == amount - 1 + calendar.is_working_day(day)
    # Counting forward again from the earlier working day lands on the first working day on or after `day`.
    assert calendar.add_working_days(earlier, amount) == calendar.working_day_on_or_after(day)


# --- compute_deadline for working days -------------------------------------------------------------------


@slow
@given(data=anchors_with_calendars(), amount=amounts, counting=countings)
def test_working_day_deadline_accounts_for_every_day(
    data: tuple[date, WorkingDayCalendar], amount: int, counting: Counting
) -> None:
    anchor, calendar = data
    result = compute_deadline(Duration(amount, Unit.WORKING_DAYS), anchor, calendar, counting)
    assert result.day == calendar.add_working_days(anchor, amount, counting)
    assert result.at == datetime.combine(result.day, time(23, 59, 59), tzinfo=LONDON)
    assert result.display() == result.day.isoformat()
    first = anchor if counting is SAME_DAY else anchor + timedelta(days=1)
    # Every day from the first counted day to the deadline is either counted or skipped.
    assert amount + len(result.skipped) == (result.day - first).days + 1
    skipped_days = [day for day, _ in result.skipped]
    assert skipped_days == sorted(set(skipped_days))
    for day, reason in result.skipped:
        assert first <= day < result.day
        assert not calendar.is_working_day(day)
        assert reason == calendar.non_working_reason(day)


# --- months and years ------------------------------------------------------------------------------------


@given(start=dates, months=amounts)
def test_month_addition_never_overflows_and_preserves_day_when_possible(start: date, months: int) -> None:
    result = add_months(start, months)
    total = start.year * 12 + start.month - 1 + months
    year, month_index = divmod(total, 12)
    assert (result.year, result.month) == (year, month_index + 1)
    last = monthrange(result.year, result.month)[1]
    assert result.day <= last
    if start.day <= last:
        assert result.day == start.day
    else:
        assert result.day == last


@slow
@given(start=dates, amount=amounts, unit=st.sampled_from([Unit.MONTHS, Unit.YEARS]))
def test_month_and_year_deadlines_clamp(start: date, amount: int, unit: Unit) -> None:
    assume(unit is Unit.MONTHS or amount <= 10)  # at most 10 years: the longest duration (calendar/durations.py)
    result = compute_deadline(Duration(amount, unit), start, CALENDAR)
    months = amount if unit is Unit.MONTHS else 12 * amount
    assert result.day == add_months(start, months)
    assert result.day is not None
    assert result.day.day == min(start.day, monthrange(result.day.year, result.day.month)[1])
    assert result.skipped == ()


@given(start=dates, amount=amounts)
def test_calendar_days_and_weeks(start: date, amount: int) -> None:
    days = compute_deadline(Duration(amount, Unit.CALENDAR_DAYS), start, CALENDAR)
    weeks = compute_deadline(Duration(amount, Unit.WEEKS), start, CALENDAR)
    assert days.day == start + timedelta(days=amount)
    assert weeks.day == start + timedelta(days=7 * amount)
    assert weeks.day is not None
    assert weeks.day.weekday() == start.weekday()


# --- hours ----------------------------------------------------------------------------------------------


def _last_sunday(year: int, month: int) -> date:
    last = date(year, month, monthrange(year, month)[1])
    return last - timedelta(days=(last.weekday() - 6) % 7)


# UK clocks change at 01:00 UTC on the last Sunday of March and October.
DST_CHANGES = [
    datetime.combine(_last_sunday(year, month), time(1, 0), tzinfo=UTC)
    for year in range(2020, 2036)
    for month in (3, 10)
]

utc_instants = st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2035, 12, 31), timezones=st.just(UTC))
london_instants = st.datetimes(
    min_value=datetime(2020, 1, 1),
    max_value=datetime(2035, 12, 31),
    timezones=st.just(LONDON),
    allow_imaginary=False,
)
near_dst_instants = st.builds(
    lambda change, minutes, as_london: (
        (change + timedelta(minutes=minutes)).astimezone(LONDON) if as_london else change + timedelta(minutes=minutes)
    ),
    st.sampled_from(DST_CHANGES),
    st.integers(min_value=-400 * 60, max_value=3 * 60),
    st.booleans(),
)
hour_anchors = st.one_of(utc_instants, london_instants, near_dst_instants)


def test_dst_change_table_matches_zoneinfo() -> None:
    for change in DST_CHANGES:
        before = (change - timedelta(seconds=1)).astimezone(LONDON).utcoffset()
        after = change.astimezone(LONDON).utcoffset()
        assert before != after, change


@given(anchor=hour_anchors, hours=amounts)
def test_hours_are_exact_elapsed_time(anchor: datetime, hours: int) -> None:
    result = compute_deadline(Duration(hours, Unit.HOURS), anchor, CALENDAR)
    # Compare in UTC: subtracting two datetimes that share LONDON as tzinfo would use wall-clock time.
    assert result.at.astimezone(UTC) - anchor.astimezone(UTC) == timedelta(hours=hours)
    assert result.at.tzinfo is LONDON
    assert result.day is None
    assert result.skipped == ()
    assert result.display() == result.at.isoformat()
    # Compare instants in UTC: per PEP 495 an aware datetime with fold=1 (the repeated autumn hour)
    # never compares equal to a datetime in another zone, even when it is the same instant.
    assert datetime.fromisoformat(result.display()).astimezone(UTC) == result.at.astimezone(UTC)


@given(
    anchor=st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2035, 12, 31), allow_imaginary=False),
    hours=amounts,
)
def test_hours_from_naive_london_wall_time(anchor: datetime, hours: int) -> None:
    result = compute_deadline(Duration(hours, Unit.HOURS), anchor, CALENDAR)
    start = anchor.replace(tzinfo=LONDON).astimezone(UTC)
    assert result.at.astimezone(UTC) - start == timedelta(hours=hours)


@given(anchor=dates, hours=amounts)
def test_hours_from_a_date_start_at_london_midnight(anchor: date, hours: int) -> None:
    result = compute_deadline(Duration(hours, Unit.HOURS), anchor, CALENDAR)
    midnight = datetime.combine(anchor, time(0, 0), tzinfo=LONDON).astimezone(UTC)
    assert result.at.astimezone(UTC) - midnight == timedelta(hours=hours)


@given(anchor=hour_anchors, counting=countings, day_ends_at=st.times())
def test_hours_ignore_counting_and_day_end(anchor: datetime, counting: Counting, day_ends_at: time) -> None:
    duration = Duration(24, Unit.HOURS)
    plain = compute_deadline(duration, anchor, CALENDAR)
    other = compute_deadline(duration, anchor, CALENDAR, counting=counting, day_ends_at=day_ends_at)
    assert plain.at.astimezone(UTC) == other.at.astimezone(UTC)


@slow
@given(anchor=hour_anchors, amount=amounts)
def test_day_units_from_a_datetime_use_its_london_date(anchor: datetime, amount: int) -> None:
    london_day = anchor.astimezone(LONDON).date()
    assume(london_day <= date(2035, 12, 31))
    from_datetime = compute_deadline(Duration(amount, Unit.WORKING_DAYS), anchor, CALENDAR)
    from_date = compute_deadline(Duration(amount, Unit.WORKING_DAYS), london_day, CALENDAR)
    assert from_datetime == from_date
