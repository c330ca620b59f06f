"""The process language: pydantic models of one YAML process definition."""

from __future__ import annotations

import itertools
import re
from datetime import date
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from workflows.calendar.bounds import YEARS, plausible
from workflows.calendar.counting import Counting
from workflows.calendar.durations import Duration, Unit
from workflows.definitions.conditions import Condition
from workflows.definitions.fields import (
    START,
    AnchorField,
    DurationField,
    EventName,
    FactName,
    FixedDayField,
    OptionId,
    ProcessId,
    RoleKey,
    ShareField,
    StageId,
)
from workflows.definitions.limits import (
    MAX_FACTS,
    MAX_INVOLVED,
    MAX_LADDER_STEPS,
    MAX_OPTIONS,
    MAX_REMINDERS,
    MAX_STAGES,
    MAX_TRIGGERS,
    at_most,
)
from workflows.yamlsource.suggestions import did_you_mean


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class FactType(StrEnum):
    TEXT = "text"
    NUMBER = "number"
    BOOLEAN = "boolean"
    DATE = "date"
    DATETIME = "datetime"
    CHOICE = "choice"
    AGENCY = "agency"
    AGENCY_LIST = "agency-list"


class AgencySelection(Strict):
    """Agencies picked from the directory, e.g. every agency the Section 11 audit applies to."""

    audit: str | None = Field(default=None, description="an audit key from config/agencies.yaml")
    kind: str | None = Field(default=None, description="an agency kind, e.g. school")


class Fact(Strict):
    """A typed value captured when a case starts."""

    type: FactType
    title: str | None = None
    required: bool = False
    sensitive: bool = Field(default=False, description="stored, never sent anywhere (email, logs, Prefect)")
    options: list[str] | None = Field(default=None, description="the allowed values of a choice fact")
    from_directory: AgencySelection | None = Field(
        default=None, description="agency-list only: default to these agencies from the directory"
    )

    @model_validator(mode="after")
    def _type_specific(self) -> Fact:
        if self.type is FactType.CHOICE and not self.options:
            raise ValueError("a choice fact needs 'options'")
        if self.options and self.type is not FactType.CHOICE:
            raise ValueError("'options' is only for a choice fact")
        if self.from_directory and self.type is not FactType.AGENCY_LIST:
            raise ValueError("'from_directory' is only for an agency-list fact")
        return self


class DueRule(Strict):
    """When a stage is due: `in` an amount of time `from` an anchor, that amount `before` it, or `by` a fixed
    date (the first such day on or after the anchor)."""

    in_: DurationField | None = Field(default=None, alias="in")
    before: DurationField | None = Field(default=None, description="this long before the anchor (e.g. due:panel)")
    by: FixedDayField | None = Field(default=None, description="a fixed date: '30 September' or 2027-09-30")
    from_: AnchorField = Field(default=START, alias="from")

    @model_validator(mode="after")
    def _one_rule(self) -> DueRule:
        given = [name for name, value in (("in", self.in_), ("before", self.before), ("by", self.by)) if value]
        if len(given) != 1:
            named = ", ".join(given) or "none"
            raise ValueError(f"say when it is due with exactly one of 'in', 'before' or 'by' (given: {named})")
        return self

    @property
    def amount(self) -> Duration | None:
        return self.in_ or self.before

    @property
    def is_elapsed_time(self) -> bool:
        """Counted in hours: the time of day matters (and its messages are urgent)."""
        return bool(self.amount and self.amount.is_elapsed_time)

    def __str__(self) -> str:
        if self.by is not None:
            return f"by {self.by} (on or after {self.from_})"
        if self.before is not None:
            return f"{self.before} before {self.from_}"
        return f"{self.in_} from {self.from_}"


class Reminders(Strict):
    before: list[DurationField] = Field(default_factory=list, description="reminders this long before due")
    at_share: list[ShareField] = Field(
        default_factory=list, description="reminders when this share of the time allowed has passed, e.g. 50%"
    )
    on_due_day: bool = Field(default=False, description="a reminder at the start of the due day")
    overdue_every: DurationField | None = Field(default=None, description="repeat while overdue")

    @field_validator("before", "at_share")
    @classmethod
    def _few(cls, reminders: list[Any]) -> list[Any]:
        at_most(reminders, MAX_REMINDERS, "reminders of one kind")
        return reminders


class EscalationStep(Strict):
    """Overdue by `after`: tell `notify` (copying the owner)."""

    after: DurationField
    notify: RoleKey


HAND_OVER_SOURCES = ("decided", "started", "reference")


class DecisionOption(Strict):
    label: str
    then: list[StageId] = Field(default_factory=list, description="stages this option opens")
    starts: ProcessId | None = Field(default=None, description="a process to start, linked to this case")
    facts: dict[FactName, bool | int | float | str] = Field(
        default_factory=dict,
        description=(
            "facts handed to the started process: 'decided' (the date of this decision), 'started' (the date this "
            "case started), 'reference' (this case's reference), 'fact:NAME' (a fact of this case), or a literal "
            "true/false/number"
        ),
    )

    @model_validator(mode="after")
    def _facts_need_a_process(self) -> DecisionOption:
        if self.facts and not self.starts:
            raise ValueError("'facts' hands values to a started process: add 'starts'")
        for name, source in self.facts.items():
            if isinstance(source, str) and source not in HAND_OVER_SOURCES and not source.startswith("fact:"):
                raise ValueError(
                    f"fact {name!r}: write 'decided', 'started', 'reference' or 'fact:NAME', not {source!r}"
                )
        return self


class Decision(Strict):
    options: dict[OptionId, DecisionOption]
    when_unresolved: OptionId | None = Field(
        default=None,
        description="escalation policy: the option taken automatically when the stage is still open at its deadline",
    )

    @model_validator(mode="after")
    def _options(self) -> Decision:
        at_most(self.options, MAX_OPTIONS, "options")
        if len(self.options) < 2:
            raise ValueError("a decision needs at least two options")
        if self.when_unresolved and self.when_unresolved not in self.options:
            hint = did_you_mean(self.when_unresolved, self.options)
            raise ValueError(f"when_unresolved names {self.when_unresolved!r}, which is not one of the options{hint}")
        return self


class Involved(Strict):
    """Someone besides the owner who gets the stage's messages and may act on it (e.g. the other agency's
    manager in an escalation)."""

    role: RoleKey
    agency: FactName | None = Field(default=None, description="an agency fact naming whose role it is")


class Stage(Strict):
    title: str
    owner: RoleKey
    involves: list[Involved] = Field(default_factory=list, description="others told, and able to act, with the owner")
    counting: Counting | None = Field(
        default=None, description="this stage's counting convention; absent: the process's"
    )
    asks: str | None = Field(default=None, description="what the owner is asked to do, shown on the task page")
    due: DueRule
    after: list[StageId] = Field(default_factory=list, description="stages that must be finished first")
    for_each: FactName | None = Field(default=None, description="fan out: one task per item of this list fact")
    agency: FactName | None = Field(default=None, description="an agency fact naming whose role owns the stage")
    reminders: Reminders = Field(default_factory=Reminders)
    escalation: list[EscalationStep] = Field(default_factory=list)
    decision: Decision | None = None

    @field_validator("after")
    @classmethod
    def _waits_for_few(cls, after: list[str]) -> list[str]:
        at_most(after, MAX_STAGES, "stages to wait for")
        return after

    @field_validator("involves")
    @classmethod
    def _involves_few(cls, involved: list[Involved]) -> list[Involved]:
        at_most(involved, MAX_INVOLVED, "others involved")
        return involved

    @field_validator("escalation")
    @classmethod
    def _ladder_rises(cls, steps: list[EscalationStep]) -> list[EscalationStep]:
        at_most(steps, MAX_LADDER_STEPS, "escalation steps")
        for earlier, later in itertools.pairwise(steps):
            if earlier.after.unit == later.after.unit and later.after.amount <= earlier.after.amount:
                raise ValueError(f"escalation steps must rise: {later.after} comes after {earlier.after}")
        return steps


class Trigger(Strict):
    """Start this process when `event` arrives and `when` holds for the event's facts."""

    event: EventName
    when: Condition | None = None
    key: list[FactName] = Field(
        default_factory=list, description="facts that identify the event, so the same event never starts two cases"
    )


class Recurrence(Strict):
    """A new case every `every`, from `starting` (an occurrence on a non-working day opens the next working day)."""

    every: DurationField
    starting: date
    facts: dict[FactName, Any] = Field(default_factory=dict, description="facts each occurrence starts with")

    @field_validator("starting")
    @classmethod
    def _plausible_start(cls, starting: date) -> date:
        if not plausible(starting):
            raise ValueError(f"a recurring schedule starts in {YEARS}")
        return starting

    @field_validator("every")
    @classmethod
    def _calendar_unit(cls, every: Duration) -> Duration:
        if every.unit not in (Unit.WEEKS, Unit.MONTHS, Unit.YEARS):
            raise ValueError("a recurring schedule counts weeks, months or years")
        return every


class PausePolicy(Strict):
    reasons: dict[OptionId, str] = Field(description="reason key: what it means")


_REFERENCE_TOKEN = re.compile(r"\{(year|seq(?::(\d))?)\}")


class Process(Strict):
    id: ProcessId
    title: str
    version: int = Field(ge=1)
    description: str | None = None
    calendar: str | None = Field(
        default=None,
        description="a calendar name from config/calendar.yaml; absent: its default_calendar",
    )
    counting: Counting = Counting.NEXT_WORKING_DAY
    reference: str = Field(description="case reference pattern, e.g. 'RR-{year}-{seq:3}' gives RR-2026-007")
    facts: dict[FactName, Fact] = Field(default_factory=dict)
    stages: dict[StageId, Stage]
    triggers: list[Trigger] = Field(default_factory=list)
    recurs: Recurrence | None = None
    pause: PausePolicy | None = Field(default=None, description="absent: the clock cannot be paused")
    extension_approver: RoleKey | None = Field(
        default=None, description="the role that approves or refuses requests for more time; absent: no extensions"
    )
    extension_limit: DurationField | None = Field(
        default=None,
        description=(
            "how far all approved extensions together may move one deadline; absent: the partnership's "
            "extension_limit (config/partnership.yaml)"
        ),
    )
    extension_self_approval: bool = Field(
        default=False, description="whether the person who asked for more time may also approve it"
    )

    @field_validator("reference")
    @classmethod
    def _reference_pattern(cls, pattern: str) -> str:
        if "{seq" not in pattern:
            raise ValueError("the reference pattern needs a {seq} (or {seq:3}) counter")
        leftover = _REFERENCE_TOKEN.sub("", pattern)
        if "{" in leftover or "}" in leftover or not re.fullmatch(r"[A-Za-z0-9-]*", leftover):
            raise ValueError(
                "a reference pattern is letters, digits, dashes, {year} and {seq}/{seq:N}, e.g. 'RR-{year}-{seq:3}'"
            )
        return pattern

    @field_validator("stages")
    @classmethod
    def _at_least_one(cls, stages: dict[str, Stage]) -> dict[str, Stage]:
        if not stages:
            raise ValueError("a process needs at least one stage")
        at_most(stages, MAX_STAGES, "stages")
        return stages

    @field_validator("facts")
    @classmethod
    def _few_facts(cls, facts: dict[str, Fact]) -> dict[str, Fact]:
        at_most(facts, MAX_FACTS, "facts")
        return facts

    @field_validator("triggers")
    @classmethod
    def _few_triggers(cls, triggers: list[Trigger]) -> list[Trigger]:
        at_most(triggers, MAX_TRIGGERS, "triggers")
        return triggers

    def format_reference(self, year: int, seq: int) -> str:
        def token(match: re.Match[str]) -> str:
            if match[1] == "year":
                return str(year)
            return str(seq).zfill(int(match[2] or 1))

        return _REFERENCE_TOKEN.sub(token, self.reference)
