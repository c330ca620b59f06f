"""Field types shared by the language's models: names, durations, anchors."""

import calendar
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import PlainSerializer, PlainValidator, StringConstraints, WithJsonSchema

from workflows.calendar.bounds import YEARS, plausible
from workflows.calendar.durations import Duration, DurationError, parse_duration

KEBAB = r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$"
SNAKE = r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$"

ProcessId = Annotated[str, StringConstraints(pattern=KEBAB)]
StageId = Annotated[str, StringConstraints(pattern=KEBAB)]
RoleKey = Annotated[str, StringConstraints(pattern=KEBAB)]
OptionId = Annotated[str, StringConstraints(pattern=KEBAB)]
EventName = Annotated[str, StringConstraints(pattern=KEBAB)]
FactName = Annotated[str, StringConstraints(pattern=SNAKE)]


def _duration(value: Any) -> Duration:
    if isinstance(value, Duration):
        return value
    if not isinstance(value, str):
        raise DurationError(f"a duration is text such as '5 working days', got {value!r}")
    return parse_duration(value)


DURATION_PATTERN = r"^\s*\d+\s+(working days?|calendar days?|hours?|weeks?|months?|years?)\s*$"

DurationField = Annotated[
    Duration,
    PlainValidator(_duration),
    PlainSerializer(str, return_type=str),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": DURATION_PATTERN,
            "examples": ["5 working days", "1 working day", "72 hours", "6 weeks", "3 months", "2 years"],
        }
    ),
]


@dataclass(frozen=True, slots=True)
class Anchor:
    """What a due date counts from: the case start, a recurring round's scheduled day, the stage opening, a date
    fact, a stage's completion, or a stage's deadline."""

    kind: Literal["start", "round", "opened", "fact", "stage", "due"]
    ref: str | None = None

    def __str__(self) -> str:
        return self.kind if self.ref is None else f"{self.kind}:{self.ref}"


START = Anchor("start")


def _anchor(value: Any) -> Anchor:
    if isinstance(value, Anchor):
        return value
    text = str(value).strip()
    if text == "start":
        return START
    if text in ("opened", "round"):
        return Anchor(text)  # type: ignore[arg-type]
    kind, _, ref = text.partition(":")
    if kind in ("fact", "stage", "due") and ref:
        return Anchor(kind, ref.strip())  # type: ignore[arg-type]
    raise ValueError(
        f"{text!r} is not an anchor: write 'start', 'round', 'opened', 'fact:NAME', 'stage:ID' (when it finished) "
        "or 'due:ID' (its deadline)"
    )


AnchorField = Annotated[
    Anchor,
    PlainValidator(_anchor),
    PlainSerializer(str, return_type=str),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^(start|round|opened|fact:[a-z][a-z0-9_]*|(stage|due):[a-z][a-z0-9-]*)$",
            "examples": ["start", "round", "opened", "fact:notification_date", "stage:panel-meeting", "due:panel"],
        }
    ),
]


_MONTHS = {name: number for number, name in enumerate(calendar.month_name) if name}


@dataclass(frozen=True, slots=True)
class FixedDay:
    """A date a deadline falls on: every year ("30 September") or once ("2027-09-30")."""

    month: int
    day: int
    year: int | None = None

    def on_or_after(self, start: date) -> date:
        """This day in `start`'s year, or the next year's if it has passed (a fixed year: that date)."""
        if self.year is not None:
            return date(self.year, self.month, self.day)
        day = _clamped(start.year, self.month, self.day)
        return day if day >= start else _clamped(start.year + 1, self.month, self.day)

    def __str__(self) -> str:
        if self.year is not None:
            return date(self.year, self.month, self.day).isoformat()
        return f"{self.day} {calendar.month_name[self.month]}"


def _clamped(year: int, month: int, day: int) -> date:
    """29 February in a year without it is 28 February."""
    return date(year, month, min(day, calendar.monthrange(year, month)[1]))


def _fixed_day(value: Any) -> FixedDay:
    if isinstance(value, FixedDay):
        return value
    if isinstance(value, date):
        if not plausible(value):
            raise ValueError(f"a fixed date is in {YEARS}")
        return FixedDay(value.month, value.day, value.year)
    text = " ".join(str(value).split())
    day_text, _, month_text = text.partition(" ")
    month = _MONTHS.get(month_text.capitalize())
    if day_text.isdigit() and month and 1 <= int(day_text) <= calendar.monthrange(2024, month)[1]:
        return FixedDay(month, int(day_text))
    try:
        return _fixed_day(date.fromisoformat(text))
    except ValueError:
        raise ValueError(
            f"{text!r} is not a date: write a day and a month ('30 September') or a date (2027-09-30)"
        ) from None


FixedDayField = Annotated[
    FixedDay,
    PlainValidator(_fixed_day),
    PlainSerializer(str, return_type=str),
    WithJsonSchema({"type": "string", "examples": ["30 September", "31 March", "2027-09-30"]}),
]


def _share(value: Any) -> float:
    text = str(value).strip()
    number = text[:-1].strip() if text.endswith("%") else text
    try:
        share = float(number) / 100
    except ValueError:
        raise ValueError(f"{text!r} is not a share of the time allowed: write a percentage such as '50%'") from None
    if not 0 < share < 1:
        raise ValueError(f"{text!r}: a share of the time allowed is between 0% and 100%")
    return share


ShareField = Annotated[
    float,
    PlainValidator(_share),
    PlainSerializer(lambda share: f"{share * 100:g}%", return_type=str),
    WithJsonSchema({"type": "string", "pattern": r"^\d+(\.\d+)?%$", "examples": ["50%", "75%"]}),
]
