"""A definition's rules in words a reader of the catalogue uses: deadlines, reminders, escalation steps,
triggers. Plain text; each renderer escapes it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from workflows.calendar.counting import Counting
from workflows.definitions.conditions import Condition
from workflows.definitions.fields import Anchor
from workflows.definitions.model import DueRule, Process, Reminders, Trigger
from workflows.directory.model import Role


@dataclass(frozen=True, slots=True)
class RoleName:
    """A role as the catalogue names it: its key, and its title from the directory when it has one."""

    key: str
    title: str | None

    @property
    def shown(self) -> str:
        """For narrow places (a timeline, a diagram): the title, else the key."""
        return self.title or self.key

    def __str__(self) -> str:
        return f"{self.title} ({self.key})" if self.title else self.key


def role_name(role_key: str, roles: dict[str, Role]) -> RoleName:
    role = roles.get(role_key)
    return RoleName(role_key, role.title if role else None)


def fact_title(process: Process, name: str) -> str:
    fact = process.facts.get(name)
    return fact.title if fact and fact.title else name.replace("_", " ")


def _inside_sentence(title: str) -> str:
    """A title as words inside a sentence: "Date the ..." becomes "date the ...", "LADO ..." stays."""
    if len(title) > 1 and title[0].isupper() and title[1].islower():
        return title[0].lower() + title[1:]
    return title


def stage_title(process: Process, stage_id: str) -> str:
    stage = process.stages.get(stage_id)
    return stage.title if stage else stage_id


def anchor_words(process: Process, anchor: Anchor) -> str:
    """What a deadline counts from, as a noun phrase: "the start of the case"."""
    match anchor.kind:
        case "fact":
            return _inside_sentence(fact_title(process, anchor.ref or ""))
        case "stage":
            return f"when '{stage_title(process, anchor.ref or '')}' is done"
        case "due":
            return f"the deadline of '{stage_title(process, anchor.ref or '')}'"
        case "opened":
            return "when this stage opens"
        case "round":
            return "the round's scheduled day"
        case _:
            return "the start of the case"


def due_words(process: Process, due: DueRule) -> str:
    """The deadline rule in words, e.g. "5 working days from the start of the case" (the definition's own
    shorthand, `str(due)`, reads "5 working days from start")."""
    anchor = anchor_words(process, due.from_)
    if due.by is not None:
        return f"by {due.by} (the first on or after {anchor})"
    if due.before is not None:
        return f"{due.before} before {anchor}"
    return f"{due.in_} from {anchor}"


def reminder_words(reminders: Reminders, *, overdue_notices: bool = True, in_hours: bool = False) -> list[str]:
    """Each reminder the owner gets, in the order they fall. `overdue_notices` is false for a stage that never
    goes overdue (it moves on by itself at its deadline); `in_hours` for an hour deadline, whose first overdue
    notice goes at once rather than the next working morning."""
    words = [f"{amount} before it is due" for amount in reminders.before]
    words += [f"when {share * 100:g}% of the time allowed has passed" for share in reminders.at_share]
    if reminders.on_due_day:
        words.append("on the morning of the due day")
    if overdue_notices:
        overdue = "when overdue: at once" if in_hours else "when overdue: the next working morning"
        if reminders.overdue_every is not None:
            overdue += f", then every {reminders.overdue_every}"
        words.append(overdue)
    return words


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ", ".join(_value(item) for item in value)
    return str(value)


_COMPARISON_WORDS = {
    "equals": "is",
    "not_equals": "is not",
    "in": "is one of",
    "not_in": "is none of",
    "at_least": "is at least",
    "at_most": "is at most",
}


def condition_words(process: Process, condition: Condition) -> str:
    """A trigger's condition as a sentence: "all of: Child died is true; Child looked after is true"."""
    if condition.all_of is not None:
        return "all of: " + "; ".join(condition_words(process, part) for part in condition.all_of)
    if condition.any_of is not None:
        return "any of: " + "; ".join(condition_words(process, part) for part in condition.any_of)
    if condition.not_ is not None:
        return f"not ({condition_words(process, condition.not_)})"
    name, expected = condition.comparison()
    fact = fact_title(process, condition.fact or "")
    if name == "is_set":
        return f"{fact} is {'given' if expected else 'not given'}"
    return f"{fact} {_COMPARISON_WORDS[name]} {_value(expected)}"


def trigger_words(process: Process, trigger: Trigger) -> str:
    words = f"event '{trigger.event}'"
    if trigger.when is not None:
        words += f" when {condition_words(process, trigger.when)}"
    if trigger.key:
        words += f" (one case per {', '.join(fact_title(process, name) for name in trigger.key)})"
    return words


def recurrence_words(process: Process) -> str | None:
    if process.recurs is None:
        return None
    words = f"a new case every {process.recurs.every}, from {process.recurs.starting:%d %B %Y}"
    if process.recurs.facts:
        given = "; ".join(
            f"{fact_title(process, name)}: {_value(value)}" for name, value in process.recurs.facts.items()
        )
        words += f" (each round starts with {given})"
    return words


def first_sentence(text: str | None) -> str:
    """The first sentence of a description (all of it when it has no full stop followed by a space)."""
    flat = " ".join((text or "").split())
    head, stop, _ = flat.partition(". ")
    return head + "." if stop else flat


_COUNTING_WORDS = {
    Counting.NEXT_WORKING_DAY: "the first working day after the anchor is day 1",
    Counting.SAME_DAY: "the anchor day is day 1 when it is a working day",
}


def counting_words(counting: Counting) -> str:
    return f"{counting.value} ({_COUNTING_WORDS[counting]})"
