"""Field types shared by the language's models: names, durations, anchors."""

from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import PlainSerializer, PlainValidator, StringConstraints, WithJsonSchema

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
    """What a due date counts from: the case start, the stage opening, a date fact, or a stage's completion."""

    kind: Literal["start", "opened", "fact", "stage"]
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
    if text == "opened":
        return Anchor("opened")
    kind, _, ref = text.partition(":")
    if kind in ("fact", "stage") and ref:
        return Anchor(kind, ref.strip())  # type: ignore[arg-type]
    raise ValueError(f"{text!r} is not an anchor: write 'start', 'opened', 'fact:NAME' or 'stage:ID'")


AnchorField = Annotated[
    Anchor,
    PlainValidator(_anchor),
    PlainSerializer(str, return_type=str),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^(start|opened|fact:[a-z][a-z0-9_]*|stage:[a-z][a-z0-9-]*)$",
            "examples": ["start", "opened", "fact:notification_date", "stage:panel-meeting"],
        }
    ),
]
