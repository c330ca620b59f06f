"""Starting cases and running commands on them, one transaction each."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from workflows import clock
from workflows.calendar.bounds import CalendarRangeError
from workflows.definitions.conditions import Condition
from workflows.definitions.facts import FactError, parse_fact_value
from workflows.definitions.model import FactType, Process
from workflows.engine import commands as cmd
from workflows.engine.effects import Effect, StartLinkedCase
from workflows.engine.machine import apply, start_case
from workflows.engine.state import CaseState
from workflows.engine.vocabulary import AuditAction
from workflows.operations.errors import CaseNotFound, CommandRefused, InvalidInput, OperationError
from workflows.operations.inputs import (
    read_actor,
    read_amount,
    read_command,
    read_facts,
    read_name,
    read_new_reference,
    read_process,
    read_reference,
)
from workflows.operations.people import with_actor
from workflows.operations.runtime import Runtime
from workflows.operations.transactions import in_transaction
from workflows.store.audit import add_audit
from workflows.store.cases import StoredCase, case_with_business_key, insert_case, load_case, update_cases
from workflows.store.definitions import save_definition
from workflows.store.effects import apply_effects_many
from workflows.store.items import sync_items_many
from workflows.store.references import allocate_reference, reference_taken_by

# A date the case would count to lies past what the calendar counts (an extension on an extension, a fact at the
# far end of the allowed years): refused, nothing stored.
OUT_OF_RANGE = "a date of this case would fall outside the calendar (1900 to 2399): check the dates and amounts given"


def with_defaults(runtime: Runtime, process: Process, facts: dict[str, Any]) -> dict[str, Any]:
    """Facts not given default to a recurring process's round facts, and agency lists to the directory's
    selection (e.g. every Section 11 agency)."""
    filled = {**(process.recurs.facts if process.recurs else {}), **facts}
    for name, fact in process.facts.items():
        if name not in filled and fact.type is FactType.AGENCY_LIST and fact.from_directory:
            selection = fact.from_directory
            filled[name] = runtime.config.directory.select_agencies(audit=selection.audit, kind=selection.kind)
    return filled


def parse_facts(runtime: Runtime, process: Process, assignments: list[str]) -> dict[str, Any]:
    from workflows.definitions.facts import parse_fact_assignments

    try:
        return parse_fact_assignments(process, assignments, runtime.config.directory.agencies)
    except FactError as error:
        raise InvalidInput(str(error), field="facts") from None


def _start_in(
    connection: Connection,
    runtime: Runtime,
    process_id: str,
    facts: dict[str, Any],
    now: datetime,
    *,
    reference: str | None = None,
    business_key: str | None = None,
    actor: str | None = None,
    origin: str = "started by hand",
    parent: str | None = None,
    counts_from: datetime | None = None,
) -> tuple[str, bool]:
    """Start a case in the caller's transaction; (reference, False) when its business key already ran.

    `counts_from` is the moment the case starts for its dates (a recurring round's scheduled moment, whenever
    the sweeper got to it); by default, now.
    """
    counts_from = counts_from or now
    # What reaches the database and the messages is read here, whichever way the case starts.
    facts = read_facts(facts)
    actor = read_actor(actor)
    if reference is not None:
        reference = read_new_reference(reference)
    if business_key:
        existing = case_with_business_key(connection, process_id, business_key)
        if existing:
            return existing, False
    read_process(runtime.library, process_id)  # an unknown process is a mistake in what was given
    definition, text = runtime.current(process_id)
    process = definition.process
    save_definition(connection, definition.hash, process, text, now)
    if reference:
        taken_by = reference_taken_by(connection, reference)
        if taken_by == reference:
            raise CommandRefused(f"reference {reference} is already in use")
        if taken_by is not None:
            raise CommandRefused(
                f"reference {reference} is already in use as {taken_by} (references are the same whatever their case)"
            )
    else:
        reference = allocate_reference(connection, process, counts_from)
    try:
        state, effects = start_case(
            definition,
            reference,
            with_defaults(runtime, process, facts),
            counts_from,
            actor=actor,
            origin=origin,
            parent_reference=parent,
        )
    except (CalendarRangeError, OverflowError):
        raise InvalidInput(OUT_OF_RANGE, field="facts") from None
    case_id = insert_case(connection, state, business_key)
    _persist(connection, runtime, case_id, process, None, state, effects, now)
    return reference, True


def _persist(
    connection: Connection,
    runtime: Runtime,
    case_id: int,
    process: Process,
    before: CaseState | None,
    after: CaseState,
    effects: list[Effect],
    now: datetime,
) -> None:
    persist_steps(connection, runtime, [Step(case_id, process, before, after, effects)], now)


@dataclass(frozen=True, slots=True)
class Step:
    """One engine step's result, ready to be stored."""

    case_id: int
    process: Process
    before: CaseState | None
    after: CaseState
    effects: list[Effect]


def persist_steps(connection: Connection, runtime: Runtime, steps: list[Step], now: datetime) -> None:
    """Store steps' states, items, timers, messages and audit entries (one statement per table), then start
    the cases their decisions link to, all in the caller's transaction."""
    update_cases(connection, [(step.case_id, step.after) for step in steps if step.before is not None])
    sync_items_many(connection, [(step.case_id, step.process, step.before, step.after) for step in steps])
    apply_effects_many(connection, [(step.case_id, step.effects) for step in steps], now, runtime.clock_set)
    for step in steps:
        for effect in step.effects:
            if isinstance(effect, StartLinkedCase):
                _start_linked(connection, runtime, step.case_id, effect, now)


def _start_linked(
    connection: Connection, runtime: Runtime, case_id: int, effect: StartLinkedCase, now: datetime
) -> None:
    try:
        child, _ = _start_in(
            connection,
            runtime,
            effect.process_id,
            effect.facts,
            now,
            business_key=effect.business_key,
            origin=f"started by {effect.parent_reference}",
            parent=effect.parent_reference,
            counts_from=effect.at,
        )
    except InvalidInput as error:
        raise InvalidInput(
            f"this decision starts {effect.process_id}, which refused: {error} (give its missing facts when deciding)",
            field="facts",
        ) from None
    except CommandRefused as error:
        raise CommandRefused(f"this decision starts {effect.process_id}, which refused: {error}") from None
    add_audit(connection, case_id, AuditAction.LINKED_CASE, f"started {child}", now, runtime.clock_set)


def start(
    runtime: Runtime,
    process_id: str,
    facts: dict[str, Any],
    *,
    reference: str | None = None,
    actor: str | None = None,
    business_key: str | None = None,
    origin: str = "started by hand",
    now: datetime | None = None,
) -> tuple[str, bool]:
    now = now or clock.now()

    def work(connection: Connection) -> tuple[str, bool]:
        return _start_in(
            connection,
            runtime,
            process_id,
            facts,
            now,
            reference=reference,
            business_key=business_key,
            actor=actor,
            origin=origin,
        )

    return in_transaction(runtime.db, work)


def run(runtime: Runtime, reference: str, command: cmd.Command, now: datetime | None = None) -> CaseState:
    """Apply one command to one case in one transaction; refuse it, changing nothing, if it is invalid."""
    moment = now or clock.now()
    reference = read_reference(reference)

    def work(connection: Connection) -> CaseState:
        stored = load_case(connection, reference, for_update=True)
        if stored is None:
            raise CaseNotFound(reference)
        return run_on(connection, runtime, stored, command, moment)[0]

    return in_transaction(runtime.db, work)


def run_on(
    connection: Connection, runtime: Runtime, stored: StoredCase, command: cmd.Command, now: datetime
) -> tuple[CaseState, list[Effect]]:
    command = read_command(command)  # every interface's command passes here: the one check of what it carries
    command = with_actor(runtime.config, command)  # and who its person is, for the engine's check of who may act
    definition = runtime.pinned(connection, stored.state.definition_hash)
    try:
        state, effects = apply(definition, stored.state, command, now)
    except OperationError as error:
        raise error.about(stored.state.reference) from None  # its kind kept, its case named
    except (CalendarRangeError, OverflowError):
        raise InvalidInput(OUT_OF_RANGE, field="date").about(stored.state.reference) from None
    _persist(connection, runtime, stored.id, definition.process, stored.state, state, effects, now)
    return state, effects


def extend(
    runtime: Runtime, reference: str, stage: str, amount: str, reason: str, approved_by: str, task: str | None = None
) -> CaseState:
    return run(runtime, reference, cmd.Extend(stage, read_amount(amount), reason, approved_by, task))


def _event_key(event: str, keys: list[str], facts: dict[str, Any]) -> str:
    """The same event twice gives the same key, so it never starts two cases.

    The trigger's `key` facts identify the event; when any is missing, all the event's facts do (two
    different events without an identifier must not collapse into one).
    """
    chosen = {name: facts[name] for name in keys} if keys and all(facts.get(k) is not None for k in keys) else facts
    digest = hashlib.sha256(json.dumps(chosen, sort_keys=True, default=str).encode()).hexdigest()[:32]
    return f"event/{event}/{digest}"


def trigger(
    runtime: Runtime, event: str, assignments: list[str], actor: str | None = None
) -> list[tuple[str, str, bool]]:
    """Start every process whose trigger matches; (process, reference, newly started) for each."""
    event = read_name(event, "event") or ""
    actor = read_actor(actor)
    raw: dict[str, str] = {}
    for assignment in assignments:
        name, sep, value = assignment.partition("=")
        if not sep or not name.strip():
            raise InvalidInput("write a fact as NAME=VALUE (the name, an equals sign, then the value)", field="facts")
        raw[name.strip()] = value
    matches: list[tuple[Process, dict[str, Any], str]] = []
    for process in runtime.library.processes.values():
        for trigger_def in process.triggers:
            if trigger_def.event != event:
                continue
            facts = _typed_event_facts(runtime, process, raw)
            condition: Condition | None = trigger_def.when
            if condition is None or condition.holds(facts):
                matches.append((process, facts, _event_key(event, trigger_def.key, facts)))
                break
    now = clock.now()

    def work(connection: Connection) -> list[tuple[str, str, bool]]:
        started = []
        for process, facts, key in matches:
            reference, new = _start_in(
                connection, runtime, process.id, facts, now, business_key=key, actor=actor, origin=f"event {event}"
            )
            started.append((process.id, reference, new))
        return started

    return in_transaction(runtime.db, work)


def _typed_event_facts(runtime: Runtime, process: Process, raw: dict[str, str]) -> dict[str, Any]:
    """The event's facts this process declares, typed by its declarations; others are not its business."""
    facts: dict[str, Any] = {}
    for name, text in raw.items():
        fact = process.facts.get(name)
        if fact is None:
            continue
        try:
            facts[name] = parse_fact_value(name, fact, text, runtime.config.directory.agencies)
        except FactError as error:
            raise InvalidInput(f"{process.id}: {error}", field="facts") from None
    return facts


def decide(
    runtime: Runtime,
    reference: str,
    stage: str,
    option: str,
    *,
    by: str | None = None,
    note: str | None = None,
    assignments: list[str] | None = None,
) -> CaseState:
    """Record a decision; `assignments` (NAME=VALUE) are facts for the process the option starts."""
    reference = read_reference(reference)
    facts: dict[str, Any] = {}
    if assignments:
        with runtime.db.connect() as connection:
            stored = load_case(connection, reference)
            if stored is None:
                raise CaseNotFound(reference)
            process = runtime.pinned(connection, stored.state.definition_hash).process
        decision = process.stages[stage].decision if stage in process.stages else None
        chosen = decision.options.get(option) if decision else None
        if chosen is None or not chosen.starts:
            raise InvalidInput(
                f"facts are for an option that starts a process; {stage}/{option} starts none", field="facts"
            )
        facts = parse_facts(runtime, read_process(runtime.library, chosen.starts), assignments)
    return run(runtime, reference, cmd.Decide(stage, option, by, note, facts))
