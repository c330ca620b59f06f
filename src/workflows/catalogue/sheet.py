"""What a process's catalogue page says, gathered once, so its Markdown and HTML forms say the same thing.

Plain text throughout: the renderers escape it for where it goes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from workflows.calendar.durations import Duration
from workflows.calendar.london import short_date
from workflows.catalogue.sources import SourceNote, source_notes, tag_counts, tagged_comment_on_line
from workflows.catalogue.typical_case import TypicalCase
from workflows.catalogue.wording import (
    RoleName,
    counting_words,
    due_words,
    fact_title,
    recurrence_words,
    reminder_words,
    role_name,
    stage_title,
    trigger_words,
)
from workflows.definitions.model import Fact, FactType, Process, Stage
from workflows.directory.model import Role
from workflows.engine.schedule.simulation import TimelineEvent
from workflows.yamlsource import YamlSourceError, load_located


@dataclass(frozen=True, slots=True)
class FactRow:
    name: str
    title: str
    kind: str  # its type, with a choice's options
    required: bool
    sensitive: bool


@dataclass(frozen=True, slots=True)
class Involvement:
    """Someone told with the owner, who may act on the stage too."""

    role: RoleName
    agency: str | None  # "the agency named by ..." when the role is held per agency


@dataclass(frozen=True, slots=True)
class EscalationRow:
    after: str  # "overdue by 2 working days"
    told: RoleName
    in_typical_case: datetime | None  # when it would fall in the typical case, were the stage still open


@dataclass(frozen=True, slots=True)
class OptionRow:
    option_id: str
    label: str
    opens: tuple[str, ...]  # titles of the stages it opens
    starts: str | None  # the id of a process it starts
    starts_title: str | None  # that process's title, when the library has it
    automatic: bool  # taken by itself when the stage is unresolved at its deadline
    hands_over: tuple[str, ...]  # the facts it gives the started process


@dataclass(frozen=True, slots=True)
class StageRow:
    stage_id: str
    title: str
    owner: RoleName
    owner_scope: str | None  # whose role: "one task per agency in ...", "the agency named by ..."
    involves: tuple[Involvement, ...]
    asks: str | None
    deadline: str
    rule: str  # the definition's own shorthand: "5 working days from start"
    deadline_source: str | None  # the tagged comment beside the rule, e.g. "[varies] about day 10"
    counting: str | None  # this stage's counting convention, when it differs from the process's
    waits_for: tuple[str, ...]
    reminders: tuple[str, ...]
    escalation: tuple[EscalationRow, ...]
    options: tuple[OptionRow, ...]
    moves_on_to: str | None  # escalation policy: the option taken by itself when unresolved at the deadline


@dataclass(frozen=True, slots=True)
class TimelineRow:
    at: datetime
    event: str
    stage: str
    to: RoleName | None


@dataclass(frozen=True, slots=True)
class ProcessSheet:
    process_id: str
    title: str
    version: int
    purpose: str
    reference: str
    calendar: str  # its name
    calendar_described: str
    counting: str
    sources: tuple[SourceNote, ...]
    tag_counts: dict[str, int]
    facts: tuple[FactRow, ...]
    stages: tuple[StageRow, ...]
    triggers: tuple[str, ...]
    recurrence: str | None
    pause_reasons: tuple[tuple[str, str], ...]  # (reason key, what it means)
    extension_approver: RoleName | None
    extension_terms: str  # how far, and by whom not, when there is an approver
    typical: TypicalCase
    assumptions: tuple[str, ...]
    timeline: tuple[TimelineRow, ...]
    not_reached: tuple[str, ...]  # titles of stages the typical case does not open


def moment_words(moment: datetime) -> str:
    """How the catalogue writes a moment: "Mon 4 Jan 2027 09:00" (London)."""
    return short_date(moment, with_time=True)


def _value_words(value: date | datetime | object) -> str:
    if isinstance(value, datetime):
        return moment_words(value)
    if isinstance(value, date):
        return f"{value:%a} {value.day} {value:%b %Y}"
    return str(value)


def _fact_row(name: str, fact: Fact) -> FactRow:
    kind = fact.type.value
    if fact.type is FactType.CHOICE and fact.options:
        kind += ": " + ", ".join(fact.options)
    return FactRow(name, fact.title or name.replace("_", " "), kind, fact.required, fact.sensitive)


def _due_lines(process_id: str, text: str) -> dict[str, list[int]]:
    """The lines of each stage's `due:` rule in the YAML text (its key and values), so a tagged comment beside it
    can be shown with it."""
    try:
        located = load_located(f"<{process_id}>", text)
    except YamlSourceError:
        return {}
    lines: dict[str, list[int]] = {}
    for table in (located.keys, located.values):
        for path, (line, _) in table.items():
            if len(path) >= 3 and path[0] == "stages" and path[2] == "due":
                lines.setdefault(str(path[1]), []).append(line)
    return {stage_id: sorted(set(found)) for stage_id, found in lines.items()}


def _due_source(text: str, lines: list[int]) -> str | None:
    return next((comment for line in lines if (comment := tagged_comment_on_line(text, line))), None)


def _owner_scope(process: Process, stage: Stage) -> str | None:
    if stage.for_each:
        return f"one task per item of '{fact_title(process, stage.for_each)}'"
    if stage.agency:
        return f"held in the agency named by '{fact_title(process, stage.agency)}'"
    return None


def _moves_on_unresolved(stage: Stage) -> bool:
    """Escalation policy: unresolved at its deadline, the stage takes an option by itself instead of going
    overdue."""
    return bool(stage.decision and stage.decision.when_unresolved)


def _option_rows(process: Process, stage: Stage, titles: dict[str, str]) -> tuple[OptionRow, ...]:
    if stage.decision is None:
        return ()
    return tuple(
        OptionRow(
            option_id,
            option.label,
            tuple(stage_title(process, target) for target in option.then),
            option.starts,
            titles.get(option.starts) if option.starts else None,
            option_id == stage.decision.when_unresolved,
            tuple(option.facts),
        )
        for option_id, option in stage.decision.options.items()
    )


def _stage_row(
    process: Process,
    stage_id: str,
    typical: TypicalCase,
    roles: dict[str, Role],
    titles: dict[str, str],
    due_source: str | None,
) -> StageRow:
    stage = process.stages[stage_id]
    span = next((span for span in typical.spans if span.stage_id == stage_id), None)
    when = {step.number: step.at for step in span.ladder} if span else {}
    escalation = tuple(
        EscalationRow(f"overdue by {step.after}", role_name(step.notify, roles), when.get(number))
        for number, step in enumerate(stage.escalation, 1)
    )
    own_counting = stage.counting if stage.counting and stage.counting != process.counting else None
    return StageRow(
        stage_id=stage_id,
        title=stage.title,
        owner=role_name(stage.owner, roles),
        owner_scope=_owner_scope(process, stage),
        involves=tuple(
            Involvement(
                role_name(involved.role, roles),
                f"the agency named by '{fact_title(process, involved.agency)}'" if involved.agency else None,
            )
            for involved in stage.involves
        ),
        asks=stage.asks,
        deadline=due_words(process, stage.due),
        rule=str(stage.due),
        deadline_source=due_source,
        counting=own_counting.value if own_counting else None,
        waits_for=tuple(stage_title(process, before) for before in stage.after),
        reminders=tuple(
            reminder_words(
                stage.reminders, overdue_notices=not _moves_on_unresolved(stage), in_hours=stage.due.is_elapsed_time
            )
        ),
        escalation=escalation,
        options=_option_rows(process, stage, titles),
        moves_on_to=stage.decision.when_unresolved if stage.decision else None,
    )


_EVENT_WORDS = {"start": "Stage opens", "reminder": "Reminder", "due": "Due", "escalation": "Escalation"}


def _timeline_row(process: Process, event: TimelineEvent, roles: dict[str, Role]) -> TimelineRow:
    if event.stage is None:
        return TimelineRow(event.at, "Case starts", "-", None)
    to = role_name(event.to, roles) if event.to else None
    return TimelineRow(event.at, _EVENT_WORDS[event.kind], stage_title(process, event.stage), to)


def _assumptions(typical: TypicalCase) -> tuple[str, ...]:
    process = typical.projection.process
    lines = [f"The case starts {moment_words(typical.started)} (London time)."]
    lines += [
        f"{fact_title(process, name)} ({name}) is taken to be {_value_words(value)}, when the case starts."
        for name, value in typical.deadline_facts.items()
    ]
    for stage_id, option_id in typical.projection.decisions.items():
        stage = process.stages[stage_id]
        label = stage.decision.options[option_id].label if stage.decision else option_id
        lines.append(f"'{stage.title}' decides '{label}' ({option_id}), its first option.")
    lines.append(
        "Every stage is done on its due date, so no escalation is reached; the ladders show what would follow."
    )
    return tuple(lines)


def _extension_terms(process: Process, partnership_limit: Duration) -> str:
    limit = process.extension_limit or partnership_limit
    who = "may approve their own request" if process.extension_self_approval else "never approves their own request"
    return f"at most {limit} in all for one deadline; whoever asked {who}"


def process_sheet(
    process: Process,
    text: str,
    typical: TypicalCase,
    roles: dict[str, Role],
    titles: dict[str, str],
    calendar: tuple[str, str],
    extension_limit: Duration,
) -> ProcessSheet:
    """Everything a page says about `process`; `text` is its YAML (for the source tags), `titles` the library's
    process titles by id (for the processes it starts), `calendar` its calendar's name and description,
    `extension_limit` the partnership's, which the process may replace."""
    due_lines = _due_lines(process.id, text)
    stages = tuple(
        _stage_row(
            process,
            stage_id,
            typical,
            roles,
            titles,
            _due_source(text, due_lines.get(stage_id, [])),
        )
        for stage_id in process.stages
    )
    return ProcessSheet(
        process_id=process.id,
        title=process.title,
        version=process.version,
        purpose=" ".join((process.description or "").split()),
        reference=process.reference,
        calendar=calendar[0],
        calendar_described=calendar[1],
        counting=counting_words(process.counting),
        sources=tuple(source_notes(text)),
        tag_counts=tag_counts(text),
        facts=tuple(_fact_row(name, fact) for name, fact in process.facts.items()),
        stages=stages,
        triggers=tuple(trigger_words(process, trigger) for trigger in process.triggers),
        recurrence=recurrence_words(process),
        pause_reasons=tuple(process.pause.reasons.items()) if process.pause else (),
        extension_approver=role_name(process.extension_approver, roles) if process.extension_approver else None,
        extension_terms=_extension_terms(process, extension_limit),
        typical=typical,
        assumptions=_assumptions(typical),
        timeline=tuple(_timeline_row(process, event, roles) for event in typical.projection.events),
        not_reached=tuple(stage_title(process, stage_id) for stage_id in typical.not_reached()),
    )
