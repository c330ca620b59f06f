"""Semantic checks on one valid process: references, roles, cycles, reachability."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

from workflows.config.loader import Config
from workflows.definitions.conditions import Condition
from workflows.definitions.graph import StageGraph
from workflows.definitions.model import Fact, FactType, Process
from workflows.directory.model import RoleScope
from workflows.yamlsource import Located, Problem

Finding = tuple[tuple[str | int, ...], str]

_DATE_TYPES = (FactType.DATE, FactType.DATETIME)


def value_fits(fact: Fact, value: Any) -> bool:
    """Whether `value` could be a value of `fact` (used for conditions and recurrence facts)."""
    match fact.type:
        case FactType.TEXT | FactType.AGENCY:
            return isinstance(value, str)
        case FactType.CHOICE:
            return value in (fact.options or [])
        case FactType.NUMBER:
            return isinstance(value, int | float) and not isinstance(value, bool)
        case FactType.BOOLEAN:
            return isinstance(value, bool)
        case FactType.DATE:
            return isinstance(value, date) and not isinstance(value, datetime)
        case FactType.DATETIME:
            return isinstance(value, datetime)
        case FactType.AGENCY_LIST:
            return isinstance(value, list) and all(isinstance(item, str) for item in value)
    return False


def _roles(process: Process, config: Config) -> Iterator[Finding]:
    roles = config.directory.roles

    def check(path: tuple[str | int, ...], role: str) -> Iterator[Finding]:
        if role not in roles:
            yield path, f"unknown role {role!r}: add it to config/roles.yaml or use one of {_some(roles)}"

    if process.extension_approver:
        yield from check(("extension_approver",), process.extension_approver)
    for stage_id, stage in process.stages.items():
        yield from check(("stages", stage_id, "owner"), stage.owner)
        for index, step in enumerate(stage.escalation):
            path = ("stages", stage_id, "escalation", index, "notify")
            yield from check(path, step.notify)
            notified = roles.get(step.notify)
            if notified and notified.scope is RoleScope.AGENCY and not (stage.for_each or stage.agency):
                yield path, f"role {step.notify!r} is held per agency, but this stage names no agency"
        owner = roles.get(stage.owner)
        if owner and owner.scope is RoleScope.AGENCY and not (stage.for_each or stage.agency):
            yield (
                ("stages", stage_id, "owner"),
                f"role {stage.owner!r} is held per agency: "
                "add 'for_each' (an agency list) or 'agency' (an agency fact)",
            )


def _some(names: Any) -> str:
    names = sorted(names)
    return ", ".join(names[:6]) + (", ..." if len(names) > 6 else "")


def _fact_ref(process: Process, path: tuple[str | int, ...], name: str, wanted: tuple[FactType, ...], what: str):
    fact = process.facts.get(name)
    if fact is None:
        yield path, f"unknown fact {name!r}: declare it under 'facts'"
    elif fact.type not in wanted:
        kinds = " or ".join(kind.value for kind in wanted)
        yield path, f"{what} needs a {kinds} fact, but {name!r} is {fact.type.value}"


def _facts(process: Process, config: Config) -> Iterator[Finding]:
    for stage_id, stage in process.stages.items():
        anchor = stage.due.from_
        if anchor.kind == "fact" and anchor.ref:
            yield from _fact_ref(
                process, ("stages", stage_id, "due", "from"), anchor.ref, _DATE_TYPES, "a due date anchor"
            )
        if stage.for_each:
            yield from _fact_ref(
                process, ("stages", stage_id, "for_each"), stage.for_each, (FactType.AGENCY_LIST,), "for_each"
            )
        if stage.agency:
            yield from _fact_ref(process, ("stages", stage_id, "agency"), stage.agency, (FactType.AGENCY,), "agency")
    for name, fact in process.facts.items():
        selection = fact.from_directory
        if selection and selection.audit and selection.audit not in config.directory.audits():
            yield (
                ("facts", name, "from_directory", "audit"),
                f"no agency in the directory has audit {selection.audit!r}",
            )
        if selection and selection.kind and selection.kind not in config.directory.kinds():
            yield ("facts", name, "from_directory", "kind"), f"no agency in the directory is of kind {selection.kind!r}"
    for index, trigger in enumerate(process.triggers):
        for number, key in enumerate(trigger.key):
            if key not in process.facts:
                yield ("triggers", index, "key", number), f"unknown fact {key!r}: declare it under 'facts'"
        if trigger.when:
            yield from _condition(process, trigger.when, ("triggers", index, "when"))
    if process.recurs:
        yield from _recurrence(process)


def _condition(process: Process, condition: Condition, path: tuple[str | int, ...]) -> Iterator[Finding]:
    for key, children in (("all", condition.all_of), ("any", condition.any_of)):
        for index, child in enumerate(children or []):
            yield from _condition(process, child, (*path, key, index))
    if condition.not_:
        yield from _condition(process, condition.not_, (*path, "not"))
    if condition.fact is None:
        return
    fact = process.facts.get(condition.fact)
    if fact is None:
        yield (*path, "fact"), f"unknown fact {condition.fact!r}: declare it under 'facts'"
        return
    name, expected = condition.comparison()
    if name in ("at_least", "at_most") and fact.type is not FactType.NUMBER:
        yield (*path, name), f"{name} compares numbers, but {condition.fact!r} is {fact.type.value}"
    values = {"equals": [expected], "not_equals": [expected], "in": expected, "not_in": expected}.get(name, [])
    for value in values:
        if not value_fits(fact, value):
            yield (*path, name), f"{value!r} can never be a value of {condition.fact!r} ({fact.type.value})"


def _recurrence(process: Process) -> Iterator[Finding]:
    assert process.recurs is not None
    given = process.recurs.facts
    for name, value in given.items():
        fact = process.facts.get(name)
        if fact is None:
            yield ("recurs", "facts", name), f"unknown fact {name!r}: declare it under 'facts'"
        elif not value_fits(fact, value):
            yield ("recurs", "facts", name), f"{value!r} is not a {fact.type.value} value for {name!r}"
    for name, fact in process.facts.items():
        if fact.required and name not in given and not fact.from_directory:
            yield (
                ("recurs",),
                f"required fact {name!r} has no value for a scheduled occurrence: give it under recurs.facts",
            )


def _stages(process: Process, graph: StageGraph) -> Iterator[Finding]:
    for stage_id, stage in process.stages.items():
        for index, before in enumerate(stage.after):
            if before not in process.stages:
                yield ("stages", stage_id, "after", index), f"unknown stage {before!r}"
            elif before == stage_id:
                yield ("stages", stage_id, "after", index), "a stage cannot wait for itself"
        if stage.decision and stage.for_each:
            yield ("stages", stage_id, "decision"), "a fanned-out stage cannot take a decision: give it its own stage"
        if stage.decision:
            for option_id, option in stage.decision.options.items():
                for index, target in enumerate(option.then):
                    path = ("stages", stage_id, "decision", "options", option_id, "then", index)
                    if target not in process.stages:
                        yield path, f"unknown stage {target!r}"
                    elif process.stages[target].after:
                        yield path, f"stage {target!r} opens through this option, so it cannot also have 'after'"
        anchor = stage.due.from_
        if anchor.kind == "stage" and anchor.ref:
            path = ("stages", stage_id, "due", "from")
            if anchor.ref not in process.stages:
                yield path, f"unknown stage {anchor.ref!r}"
            elif anchor.ref not in graph.ancestors(stage_id):
                yield (
                    path,
                    (
                        f"stage {anchor.ref!r} does not always finish before {stage_id!r}, so it cannot anchor its "
                        "due date: use 'opened' to count from when this stage opens"
                    ),
                )
    cycle = graph.find_cycle()
    if cycle:
        yield ("stages", cycle[0]), "dependency cycle: " + " -> ".join([*cycle, cycle[0]])
    else:
        for stage_id in graph.unreachable():
            yield (
                ("stages", stage_id),
                f"stage {stage_id!r} can never open: no combination of decision options opens everything it waits for",
            )


def _pause_and_calendar(process: Process, config: Config) -> Iterator[Finding]:
    if process.calendar not in config.calendar_names():
        yield ("calendar",), f"unknown calendar {process.calendar!r}: use one of {_some(config.calendar_names())}"


_SOURCE_TYPES = {"decided": (FactType.DATE, FactType.DATETIME), "reference": (FactType.TEXT,)}


def check_started_processes(process: Process, library: dict[str, Process], known: set[str]) -> Iterator[Finding]:
    """Decision options that start another process: it exists, and gets every fact it requires."""
    for stage_id, stage in process.stages.items():
        for option_id, option in stage.decision.options.items() if stage.decision else ():
            path = ("stages", stage_id, "decision", "options", option_id)
            if not option.starts:
                continue
            if option.starts not in known:
                yield (*path, "starts"), f"starts unknown process {option.starts!r}"
                continue
            started = library.get(option.starts)
            if started is None:  # defined outside the files being checked
                continue
            for name, source in option.facts.items():
                target = started.facts.get(name)
                if target is None:
                    yield (*path, "facts", name), f"process {started.id!r} has no fact {name!r}"
                    continue
                if not isinstance(source, str):
                    if not value_fits(target, source):
                        yield (*path, "facts", name), f"{source!r} is not a {target.type.value} value for {name!r}"
                elif source.startswith("fact:"):
                    own = process.facts.get(source[5:])
                    if own is None:
                        yield (*path, "facts", name), f"unknown fact {source[5:]!r}: declare it under 'facts'"
                    elif own.type is not target.type:
                        yield (
                            (*path, "facts", name),
                            f"{source[5:]!r} is {own.type.value} but {started.id}'s {name!r} is {target.type.value}",
                        )
                elif target.type not in _SOURCE_TYPES[source]:
                    yield (*path, "facts", name), f"{source!r} cannot fill {target.type.value} fact {name!r}"
            for name, fact in started.facts.items():
                if fact.required and not fact.from_directory and name not in option.facts:
                    yield (
                        (*path, "starts"),
                        f"{started.id!r} requires fact {name!r}: hand it over under 'facts'",
                    )


def check_process(process: Process, located: Located, config: Config) -> list[Problem]:
    graph = StageGraph(process)
    findings = [
        *_roles(process, config),
        *_facts(process, config),
        *_stages(process, graph),
        *_pause_and_calendar(process, config),
    ]
    # A problem with a whole stage points at the stage's name.
    return [located.problem(path, message, key=len(path) == 2 and path[0] == "stages") for path, message in findings]
