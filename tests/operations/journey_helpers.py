"""Reading the store and driving a case through the public operations, for the operation tests.

The shipped config and process library, on a set clock (the `shipped_runtime` and `set_clock` fixtures). The dates
the tests assert are worked out by hand from config/calendar.yaml: Christmas 2026 has Friday 25 December and Monday
28 December (Boxing Day observed) as bank holidays, the partnership calendar closes Thursday 31 December, and
1 January 2027 is a bank holiday. Every test runs on SQLite and on PostgreSQL (the `db_url` fixture).
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from workflows.calendar.london import to_london
from workflows.engine.commands import Complete, Decide
from workflows.operations import cases, reports
from workflows.store.cases import load_case
from workflows.store.schema import cases as case_table
from workflows.store.schema import outbox, timers

AGENCIES = ["stoke-on-trent-city-council", "staffordshire-police"]


def at(text: str) -> datetime:
    """An aware datetime (for datetime facts); a naive text is London wall time."""
    return to_london(datetime.fromisoformat(text))


# -- reading the store -------------------------------------------------------------------------------------


def case_id(runtime, reference: str) -> int:
    with runtime.db.connect() as connection:
        return connection.execute(select(case_table.c.id).where(case_table.c.reference == reference)).scalar_one()


def case_facts(runtime, reference: str) -> dict[str, Any]:
    with runtime.db.connect() as connection:
        stored = load_case(connection, reference)
    assert stored is not None
    return stored.state.facts


def timers_of(runtime, reference: str) -> int:
    with runtime.db.connect() as connection:
        query = select(func.count()).select_from(timers).where(timers.c.case_id == case_id(runtime, reference))
        return connection.execute(query).scalar_one()


def messages(runtime, reference: str, kind: str | None = None) -> list[Any]:
    query = select(outbox).where(outbox.c.case_id == case_id(runtime, reference)).order_by(outbox.c.id)
    if kind:
        query = query.where(outbox.c.kind == kind)
    with runtime.db.connect() as connection:
        return list(connection.execute(query))


def references_of(runtime, process_id: str) -> list[str]:
    query = select(case_table.c.reference).where(case_table.c.process_id == process_id).order_by(case_table.c.id)
    with runtime.db.connect() as connection:
        return list(connection.execute(query).scalars())


def stages_of(runtime, reference: str) -> dict[str, dict[str, Any]]:
    return {stage["id"]: stage for stage in reports.status(runtime, reference)["stages"]}


def due_of(runtime, reference: str, *stage_ids: str) -> dict[str, str | None]:
    stages = stages_of(runtime, reference)
    return {stage_id: stages[stage_id]["due"] for stage_id in stage_ids}


def escalation_levels(runtime, reference: str) -> dict[tuple[str, str | None], int]:
    """Escalated open items of one case, from the overdue report."""
    listed = reports.overdue(runtime)
    return {(i.stage, i.task): i.escalation_level for i in listed if i.reference == reference and i.escalation_level}


def listed_overdue(runtime, reference: str) -> list[Any]:
    return [item for item in reports.overdue(runtime) if item.reference == reference]


def assert_fired(fired: Counter[str], expected: dict[str, int]) -> None:
    """Only the kinds named are checked: rounds of recurring processes may start in the same tick."""
    assert {kind: fired.get(kind, 0) for kind in expected} == expected, dict(fired)


# -- driving a case --------------------------------------------------------------------------------------


def default_option(stage) -> str:
    """An option that starts no other case; one that opens further stages when there is one."""
    own = [(name, option) for name, option in stage.decision.options.items() if not option.starts]
    return next((name for name, option in own if option.then), own[0][0])


def drive_to_close(runtime, reference: str, choose: dict[str, str] | None = None) -> list[str]:
    """Complete or decide every open stage and task, in turn, until the case is no longer open."""
    choose = choose or {}
    process = runtime.library.get(reports.status(runtime, reference)["process"])
    done: list[str] = []
    for _ in range(2 * len(process.stages)):
        view = reports.status(runtime, reference)
        if view["state"] != "open":
            break
        for stage in view["stages"]:
            if stage["state"] != "open":
                continue
            definition = process.stages[stage["id"]]
            if definition.decision:
                option = choose.get(stage["id"]) or default_option(definition)
                # The business unit records the decision on behalf of whoever holds it.
                recorder = runtime.config.partnership.business_unit_email
                cases.run(runtime, reference, Decide(stage["id"], option, by=recorder))
            elif stage["tasks"]:
                for task in stage["tasks"]:
                    if task["state"] == "open":
                        cases.run(runtime, reference, Complete(stage["id"], task=task["item"]))
            else:
                cases.run(runtime, reference, Complete(stage["id"], note="done"))
            done.append(stage["id"])
    return done


def assert_closed_cleanly(runtime, reference: str) -> None:
    view = reports.status(runtime, reference)
    assert view["state"] == "closed"
    assert {stage["state"] for stage in view["stages"]} <= {"done", "skipped"}
    assert all(task["state"] == "done" for stage in view["stages"] for task in stage["tasks"])
    assert timers_of(runtime, reference) == 0
    assert [row.kind for row in messages(runtime, reference, "case-closed")] == ["case-closed"]
    assert listed_overdue(runtime, reference) == []
    assert reports.history(runtime, reference)[-1]["action"] == "case-closed"


def drive_until_open(runtime, reference: str, target: str) -> None:
    """Complete the first open stage (all its tasks), again and again, until `target` is open."""
    process = runtime.library.get(reports.status(runtime, reference)["process"])
    for _ in range(len(process.stages)):
        stages = stages_of(runtime, reference)
        if stages[target]["state"] == "open":
            return
        stage_id, stage = next((s, v) for s, v in stages.items() if v["state"] == "open")
        assert not process.stages[stage_id].decision, f"{stage_id} needs a decision before {target} opens"
        for task in stage["tasks"] or [None]:
            cases.run(runtime, reference, Complete(stage_id, task=task["item"] if task else None))
    raise AssertionError(f"{target} never opened")


# -- child deaths ---------------------------------------------------------------------------------------

CRITERIA = [
    "external_causes",
    "sudden_unexplained",
    "in_custody_or_detained",
    "suspicious_circumstances",
    "stillbirth_unattended",
]


def child_death(number: int, holds: str | None) -> list[str]:
    facts = [f"death_notification_id=CD-{number}", "death_datetime=2026-12-18T02:00"]
    return facts + [f"{name}={'true' if name == holds else 'false'}" for name in CRITERIA]
