"""Semantic checks on one process: references, roles, cycles, reachability.

The process may be one salvaged from a file with structural problems: a part that did not parse is None (or left
out, for a stage or fact) and `Gaps` says where, so each check runs on what parsed and says nothing that only
follows from a problem already reported.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from datetime import date, datetime
from typing import Any

from workflows.definitions.conditions import Condition
from workflows.definitions.gaps import NO_GAPS, Gaps
from workflows.definitions.graph import StageGraph
from workflows.definitions.model import Fact, FactType, Process
from workflows.definitions.partnership import Partnership, RoleScope
from workflows.yamlsource import Located, Problem, did_you_mean
from workflows.yamlsource.booleans import write_true_or_false

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


def _misfit(fact: Fact, name: str, value: Any, key: str) -> str:
    """Why `value`, written under `key`, cannot be a value of fact `name`, in words that say what to write."""
    if fact.type is FactType.BOOLEAN:
        return f"{key}: {write_true_or_false(value)}"
    hint = did_you_mean(value, fact.options or []) if fact.type is FactType.CHOICE and isinstance(value, str) else ""
    return f"{value!r} can never be a value of {name!r} ({fact.type.value}){hint}"


def _unknown(kind: str, name: str, known: Collection[str], otherwise: str = "") -> str:
    return f"unknown {kind} {name!r}" + (did_you_mean(name, known) or otherwise)


def _some(names: Any) -> str:
    names = sorted(names)
    return ", ".join(names[:6]) + (", ..." if len(names) > 6 else "")


def _roles(process: Process, config: Partnership, gaps: Gaps) -> Iterator[Finding]:
    roles = config.directory.roles

    def check(path: tuple[str | int, ...], role: str | None) -> Iterator[Finding]:
        if role is not None and role not in roles:
            yield path, _unknown("role", role, roles, f": add it to config/roles.yaml or use one of {_some(roles)}")

    def names_no_agency(stage_id: str) -> bool:
        stage = process.stages[stage_id]
        # A `for_each` or `agency` that did not parse may well name one.
        unreadable = gaps.broken_at("stages", stage_id, "for_each") or gaps.broken_at("stages", stage_id, "agency")
        return not (stage.for_each or stage.agency or unreadable)

    yield from check(("extension_approver",), process.extension_approver)
    approver = roles.get(process.extension_approver) if process.extension_approver else None
    if approver and approver.scope is RoleScope.AGENCY:
        # Requests are answered for the whole partnership: an office held in every agency answers for none.
        held = f"role {process.extension_approver!r} is held per agency: name a partnership-wide role"
        yield ("extension_approver",), held
    for stage_id, stage in process.stages.items():
        yield from check(("stages", stage_id, "owner"), stage.owner)
        for index, step in enumerate(stage.escalation or ()):
            if step is None:
                continue
            path = ("stages", stage_id, "escalation", index, "notify")
            yield from check(path, step.notify)
            notified = roles.get(step.notify) if step.notify else None
            if notified and notified.scope is RoleScope.AGENCY and names_no_agency(stage_id):
                yield path, f"role {step.notify!r} is held per agency, but this stage names no agency"
        for index, involved in enumerate(stage.involves or ()):
            path = ("stages", stage_id, "involves", index)
            yield from check((*path, "role"), involved.role)
            role = roles.get(involved.role)
            if role and role.scope is RoleScope.AGENCY and involved.agency is None:
                yield path, f"role {involved.role!r} is held per agency: add 'agency' (an agency fact)"
            if role and role.scope is RoleScope.PARTNERSHIP and involved.agency is not None:
                yield (*path, "agency"), f"role {involved.role!r} is partnership-wide: remove 'agency'"
        owner = roles.get(stage.owner) if stage.owner else None
        if owner and owner.scope is RoleScope.AGENCY and names_no_agency(stage_id):
            yield (
                ("stages", stage_id, "owner"),
                f"role {stage.owner!r} is held per agency: "
                "add 'for_each' (an agency list) or 'agency' (an agency fact)",
            )


def _unknown_fact(process: Process, path: tuple[str | int, ...], name: str, gaps: Gaps) -> Iterator[Finding]:
    if name not in process.facts and not gaps.hides_fact(name):
        yield path, _unknown("fact", name, process.facts, ": declare it under 'facts'")


def _fact_ref(
    process: Process, path: tuple[str | int, ...], name: str, wanted: tuple[FactType, ...], what: str, gaps: Gaps
) -> Iterator[Finding]:
    fact = process.facts.get(name)
    if fact is None:
        yield from _unknown_fact(process, path, name, gaps)
    elif fact.type not in wanted:
        kinds = " or ".join(kind.value for kind in wanted)
        yield path, f"{what} needs a {kinds} fact, but {name!r} is {fact.type.value}"


def _facts(process: Process, config: Partnership | None, gaps: Gaps) -> Iterator[Finding]:
    for stage_id, stage in process.stages.items():
        anchor = stage.due.from_ if stage.due else None
        if anchor and anchor.kind == "fact" and anchor.ref:
            path = ("stages", stage_id, "due", "from")
            yield from _fact_ref(process, path, anchor.ref, _DATE_TYPES, "a due date anchor", gaps)
        if stage.for_each:
            path = ("stages", stage_id, "for_each")
            yield from _fact_ref(process, path, stage.for_each, (FactType.AGENCY_LIST,), "for_each", gaps)
        if stage.agency:
            path = ("stages", stage_id, "agency")
            yield from _fact_ref(process, path, stage.agency, (FactType.AGENCY,), "agency", gaps)
        for index, involved in enumerate(stage.involves or ()):
            if involved.agency:
                path = ("stages", stage_id, "involves", index, "agency")
                yield from _fact_ref(process, path, involved.agency, (FactType.AGENCY,), "agency", gaps)
    if config is not None:
        yield from _directory_selections(process, config)
    for index, trigger in enumerate(process.triggers):
        if trigger is None:
            continue
        for number, key in enumerate(trigger.key or ()):
            if key is not None:
                yield from _unknown_fact(process, ("triggers", index, "key", number), key, gaps)
        if trigger.when:
            yield from _condition(process, trigger.when, ("triggers", index, "when"), gaps)
    if process.recurs:
        yield from _recurrence(process, gaps)


def _directory_selections(process: Process, config: Partnership) -> Iterator[Finding]:
    for name, fact in process.facts.items():
        selection = fact.from_directory
        audits, kinds = config.directory.audits(), config.directory.kinds()
        if selection and selection.audit and selection.audit not in audits:
            yield (
                ("facts", name, "from_directory", "audit"),
                f"no agency in the directory has audit {selection.audit!r}{did_you_mean(selection.audit, audits)}",
            )
        if selection and selection.kind and selection.kind not in kinds:
            yield (
                ("facts", name, "from_directory", "kind"),
                f"no agency in the directory is of kind {selection.kind!r}{did_you_mean(selection.kind, kinds)}",
            )


def _condition(process: Process, condition: Condition, path: tuple[str | int, ...], gaps: Gaps) -> Iterator[Finding]:
    for key, children in (("all", condition.all_of), ("any", condition.any_of)):
        for index, child in enumerate(children or []):
            yield from _condition(process, child, (*path, key, index), gaps)
    if condition.not_:
        yield from _condition(process, condition.not_, (*path, "not"), gaps)
    if condition.fact is None:
        return
    fact = process.facts.get(condition.fact)
    if fact is None:
        yield from _unknown_fact(process, (*path, "fact"), condition.fact, gaps)
        return
    name, expected = condition.comparison()
    if name in ("at_least", "at_most") and fact.type is not FactType.NUMBER:
        yield (*path, name), f"{name} compares numbers, but {condition.fact!r} is {fact.type.value}"
    if name in ("equals", "not_equals"):
        values = [((*path, name), expected)]
    elif name in ("in", "not_in"):
        values = [((*path, name, index), value) for index, value in enumerate(expected)]
    else:
        values = []
    for where, value in values:
        if not value_fits(fact, value):
            yield where, _misfit(fact, condition.fact, value, name)


def _recurrence(process: Process, gaps: Gaps) -> Iterator[Finding]:
    assert process.recurs is not None
    given = process.recurs.facts
    if given is None:  # did not parse: which facts it gives is unknown
        return
    for name, value in given.items():
        fact = process.facts.get(name)
        if fact is None:
            yield from _unknown_fact(process, ("recurs", "facts", name), name, gaps)
        elif fact.type is FactType.BOOLEAN and not isinstance(value, bool):
            yield ("recurs", "facts", name), f"{name}: {write_true_or_false(value)}"
        elif not value_fits(fact, value):
            hint = did_you_mean(value, fact.options or []) if isinstance(value, str) else ""
            yield ("recurs", "facts", name), f"{value!r} is not a {fact.type.value} value for {name!r}{hint}"
    for name, fact in process.facts.items():
        if fact.required and name not in given and not fact.from_directory:
            yield (
                ("recurs",),
                f"required fact {name!r} has no value for a scheduled occurrence: give it under recurs.facts",
            )


def _unknown_stage(process: Process, path: tuple[str | int, ...], name: str, gaps: Gaps) -> Iterator[Finding]:
    if not gaps.hides_stage(name):
        yield path, _unknown("stage", name, process.stages)


def _stages(process: Process, graph: StageGraph, gaps: Gaps) -> Iterator[Finding]:
    yield from _stage_references(process, gaps)
    # Whole-graph checks need every edge: one lost to a structural problem or an unknown stage could make a stage
    # look as if it might not have finished, or could never open. A lost edge never makes up a cycle.
    whole = gaps.graph_intact and _every_edge_known(process)
    yield from _due_rules(process, graph, whole)
    for stage_id, stage in process.stages.items():
        anchor = stage.due.from_ if stage.due else None
        anchored = anchor.ref if anchor and anchor.kind == "stage" else None
        if whole and anchored in process.stages and anchored not in graph.ancestors(stage_id):
            yield (
                ("stages", stage_id, "due", "from"),
                (
                    f"stage {anchored!r} does not always finish before {stage_id!r}, so it cannot anchor its due "
                    "date: use 'opened' to count from when this stage opens"
                ),
            )
    cycle = graph.find_cycle()
    if cycle:
        yield ("stages", cycle[0]), "dependency cycle: " + " -> ".join([*cycle, cycle[0]])
    elif whole:
        for stage_id in graph.unreachable():
            yield (
                ("stages", stage_id),
                f"stage {stage_id!r} can never open: no combination of decision options opens everything it waits for",
            )


def _due_rules(process: Process, graph: StageGraph, whole: bool) -> Iterator[Finding]:
    """Anchors that exist when the stage opens, counting backwards only from a later moment, and no ladder on a
    stage that moves on by itself."""
    for stage_id, stage in process.stages.items():
        due = stage.due
        if due is None:
            continue
        where = ("stages", stage_id, "due", "from")
        anchor = due.from_
        if anchor.kind == "round" and process.recurs is None:
            yield where, "'round' is a recurring round's scheduled day: this process has no 'recurs' (use 'start')"
        if anchor.kind == "due" and anchor.ref == stage_id:
            yield where, "a stage's deadline cannot count from itself"
        elif (
            anchor.kind == "due"
            and whole
            and anchor.ref in process.stages
            and not graph.opens_no_later(anchor.ref, stage_id)
        ):
            yield (
                where,
                f"stage {anchor.ref!r} may not be open yet when {stage_id!r} opens, so it has no deadline to count "
                "from: count from a stage that finishes before this one, or that opens with it",
            )
        if due.before is not None and anchor.kind not in ("due", "fact"):
            yield (
                ("stages", stage_id, "due", "before"),
                f"'before' counts back from a later moment: a stage's deadline ('due:ID') or a date fact, not {anchor}",
            )
        if stage.decision and stage.decision.when_unresolved:
            # It moves on at its deadline, so it is never overdue: a ladder or overdue notices could never fire.
            if stage.escalation:
                yield (
                    ("stages", stage_id, "escalation"),
                    "this stage moves on by itself at its deadline (when_unresolved), so it is never overdue and its "
                    "escalation can never fire: remove it (the next stage is the escalation)",
                )
            if stage.reminders and stage.reminders.overdue_every:
                yield (
                    ("stages", stage_id, "reminders", "overdue_every"),
                    "this stage moves on by itself at its deadline (when_unresolved): it is never overdue, so "
                    "overdue reminders can never be sent",
                )


def _every_edge_known(process: Process) -> bool:
    stages = process.stages.values()
    waited_for = [before for stage in stages for before in stage.after or ()]
    opened = [
        target
        for stage in stages
        for option in ((stage.decision.options or {}).values() if stage.decision else ())
        for target in option.then
    ]
    return all(name in process.stages for name in [*waited_for, *opened])


def _stage_references(process: Process, gaps: Gaps) -> Iterator[Finding]:
    for stage_id, stage in process.stages.items():
        for index, before in enumerate(stage.after or ()):
            if before is None:
                continue
            if before not in process.stages:
                yield from _unknown_stage(process, ("stages", stage_id, "after", index), before, gaps)
            elif before == stage_id:
                yield ("stages", stage_id, "after", index), "a stage cannot wait for itself"
        if stage.decision and stage.for_each:
            yield ("stages", stage_id, "decision"), "a fanned-out stage cannot take a decision: give it its own stage"
        for option_id, option in (stage.decision.options or {}).items() if stage.decision else ():
            for index, target in enumerate(option.then):
                path = ("stages", stage_id, "decision", "options", option_id, "then", index)
                if target not in process.stages:
                    yield from _unknown_stage(process, path, target, gaps)
                elif process.stages[target].after:
                    yield path, f"stage {target!r} opens through this option, so it cannot also have 'after'"
        anchor = stage.due.from_ if stage.due else None
        if anchor and anchor.kind in ("stage", "due") and anchor.ref and anchor.ref not in process.stages:
            yield from _unknown_stage(process, ("stages", stage_id, "due", "from"), anchor.ref, gaps)


def _pause_and_calendar(process: Process, config: Partnership) -> Iterator[Finding]:
    if process.calendar is not None and process.calendar not in config.calendar_names():
        known = config.calendar_names()
        yield ("calendar",), _unknown("calendar", process.calendar, known, f": use one of {_some(known)}")


_SOURCE_TYPES = {
    "decided": (FactType.DATE, FactType.DATETIME),
    "started": (FactType.DATE, FactType.DATETIME),
    "reference": (FactType.TEXT,),
}


def check_started_processes(
    process: Process,
    library: dict[str, Process],
    known: set[str],
    gaps: Gaps = NO_GAPS,
    *,
    only: Collection[str] | None = None,
) -> Iterator[Finding]:
    """Decision options that start another process: it exists, and gets every fact it requires.

    `only` limits the check to options starting those processes.
    """
    for stage_id, stage in process.stages.items():
        options = (stage.decision.options or {}) if stage.decision else {}
        for option_id, option in options.items():
            path = ("stages", stage_id, "decision", "options", option_id)
            if not option.starts or (only is not None and option.starts not in only):
                continue
            if option.starts not in known:
                yield (*path, "starts"), f"starts {_unknown('process', option.starts, known)}"
                continue
            started = library.get(option.starts)
            if started is None:  # defined outside the files being checked, or did not parse
                continue
            yield from _handed_facts(process, started, option.facts, path, gaps)
            for name, fact in started.facts.items():
                if fact.required and not fact.from_directory and name not in option.facts:
                    yield (
                        (*path, "starts"),
                        f"{started.id!r} requires fact {name!r}: hand it over under 'facts'",
                    )


def _handed_facts(
    process: Process, started: Process, handed: dict[str, Any], path: tuple[str | int, ...], gaps: Gaps
) -> Iterator[Finding]:
    for name, source in handed.items():
        where = (*path, "facts", name)
        target = started.facts.get(name)
        if target is None:
            yield where, f"process {started.id!r} has no fact {name!r}{did_you_mean(name, started.facts)}"
            continue
        if not isinstance(source, str):
            if not value_fits(target, source):
                yield where, f"{source!r} is not a {target.type.value} value for {name!r}"
        elif source.startswith("fact:"):
            own = process.facts.get(source[5:])
            if own is None:
                yield from _unknown_fact(process, where, source[5:], gaps)
            elif own.type is not target.type:
                yield where, f"{source[5:]!r} is {own.type.value} but {started.id}'s {name!r} is {target.type.value}"
        elif source in _SOURCE_TYPES and target.type not in _SOURCE_TYPES[source]:
            yield where, f"{source!r} cannot fill {target.type.value} fact {name!r}"


def check_process(
    process: Process, located: Located, config: Partnership | None, gaps: Gaps = NO_GAPS
) -> list[Problem]:
    """Every semantic problem of `process`; without a config (it has problems of its own) roles, calendars and the
    directory are not checked."""
    graph = StageGraph(process)
    findings = [*_facts(process, config, gaps), *_stages(process, graph, gaps)]
    if config is not None:
        findings += [*_roles(process, config, gaps), *_pause_and_calendar(process, config)]
    # A problem with a whole stage points at the stage's name.
    return [located.problem(path, message, key=len(path) == 2 and path[0] == "stages") for path, message in findings]
