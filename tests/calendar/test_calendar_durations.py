"""Parsing durations as people write them: `5 working days`, `72 hours`, `3 months`."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from workflows.calendar import Duration, DurationError, Unit, parse_duration


@pytest.mark.parametrize(
    ("text", "amount", "unit"),
    [
        ("5 working days", 5, Unit.WORKING_DAYS),
        ("1 working day", 1, Unit.WORKING_DAYS),
        ("72 hours", 72, Unit.HOURS),
        ("1 hour", 1, Unit.HOURS),
        ("3 months", 3, Unit.MONTHS),
        ("1 month", 1, Unit.MONTHS),
        ("2 years", 2, Unit.YEARS),
        ("1 year", 1, Unit.YEARS),
        ("6 weeks", 6, Unit.WEEKS),
        ("1 week", 1, Unit.WEEKS),
        ("10 calendar days", 10, Unit.CALENDAR_DAYS),
        ("1 calendar day", 1, Unit.CALENDAR_DAYS),
        ("400 working days", 400, Unit.WORKING_DAYS),
    ],
)
def test_parses_documented_grammar(text: str, amount: int, unit: Unit) -> None:
    assert parse_duration(text) == Duration(amount, unit)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("  5 working days  ", Duration(5, Unit.WORKING_DAYS)),
        ("5   working \t days", Duration(5, Unit.WORKING_DAYS)),
        ("5 Working Days", Duration(5, Unit.WORKING_DAYS)),
        ("72 HOURS", Duration(72, Unit.HOURS)),
        ("010 calendar days", Duration(10, Unit.CALENDAR_DAYS)),
    ],
)
def test_tolerates_case_and_whitespace(text: str, expected: Duration) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["5 days", "1 day", "10 Days", "  3   DAYS "])
def test_plain_days_is_ambiguous(text: str) -> None:
    with pytest.raises(DurationError) as excinfo:
        parse_duration(text)
    message = str(excinfo.value)
    assert "ambiguous" in message
    assert "'working days'" in message
    assert "'calendar days'" in message


@pytest.mark.parametrize(
    "text",
    ["5 fortnights", "5 business days", "3 minutes", "2 decades", "5 working hours", "5 workingdays"],
)
def test_unknown_units_are_rejected(text: str) -> None:
    with pytest.raises(DurationError, match="unknown unit"):
        parse_duration(text)


@pytest.mark.parametrize("text", ["0 working days", "0 hours", "0 months", "00 years", "0 calendar days"])
def test_zero_amount_is_rejected(text: str) -> None:
    with pytest.raises(DurationError, match="at least 1"):
        parse_duration(text)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "working days",
        "5",
        "five working days",
        "-5 working days",
        "+5 working days",
        "5.5 hours",
        "1,000 hours",
        "5working days",
        "5 working days ago",
        "5 working days.",
        "5 working-days",
        "P5D",
        "72h",
        "5 working days; 3 months",
    ],
)
def test_garbage_is_rejected(text: str) -> None:
    with pytest.raises(DurationError, match="cannot read duration"):
        parse_duration(text)


def test_duration_error_is_a_value_error() -> None:
    # Callers (and pydantic validators) rely on it being a ValueError.
    assert issubclass(DurationError, ValueError)
    with pytest.raises(ValueError):
        parse_duration("nonsense")


def test_error_message_suggests_examples() -> None:
    with pytest.raises(DurationError) as excinfo:
        parse_duration("soon")
    assert "'5 working days'" in str(excinfo.value)


@pytest.mark.parametrize(
    ("duration", "text"),
    [
        (Duration(1, Unit.WORKING_DAYS), "1 working day"),
        (Duration(5, Unit.WORKING_DAYS), "5 working days"),
        (Duration(1, Unit.CALENDAR_DAYS), "1 calendar day"),
        (Duration(1, Unit.HOURS), "1 hour"),
        (Duration(72, Unit.HOURS), "72 hours"),
        (Duration(1, Unit.WEEKS), "1 week"),
        (Duration(1, Unit.MONTHS), "1 month"),
        (Duration(1, Unit.YEARS), "1 year"),
        (Duration(2, Unit.YEARS), "2 years"),
    ],
)
def test_str_reads_as_people_write_it(duration: Duration, text: str) -> None:
    assert str(duration) == text


def test_only_hours_are_elapsed_time() -> None:
    assert Duration(72, Unit.HOURS).is_elapsed_time
    for unit in Unit:
        if unit is not Unit.HOURS:
            assert not Duration(3, unit).is_elapsed_time


def test_duration_is_immutable_and_hashable() -> None:
    duration = parse_duration("5 working days")
    with pytest.raises(AttributeError):
        duration.amount = 6  # type: ignore[misc]
    assert {duration, parse_duration("5 working day")} == {Duration(5, Unit.WORKING_DAYS)}


@given(amount=st.integers(min_value=1, max_value=100), unit=st.sampled_from(list(Unit)))
def test_str_round_trips_through_parse(amount: int, unit: Unit) -> None:
    duration = Duration(min(amount, 10), unit) if unit is Unit.YEARS else Duration(amount, unit)  # at most 10 years
    assert parse_duration(str(duration)) == duration


@given(st.text(max_size=30))
def test_parse_never_raises_anything_but_duration_error(text: str) -> None:
    try:
        duration = parse_duration(text)
    except DurationError:
        return
    assert duration.amount >= 1
    assert isinstance(duration.unit, Unit)


@pytest.mark.parametrize("text", ["101 years", "1201 months", "10001 working days", "100001 hours"])
def test_absurdly_long_durations_are_rejected_clearly(text: str) -> None:
    with pytest.raises(DurationError, match="too long"):
        parse_duration(text)


def test_only_ascii_digits_are_amounts() -> None:
    with pytest.raises(DurationError):
        parse_duration("\u0665 working days")
