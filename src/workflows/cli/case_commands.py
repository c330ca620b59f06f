"""Commands that run cases: start, complete, decide, pause, resume, extend, request-extension, approve-extension,
refuse-extension, reassign, cancel, trigger, tick, and the views status, overdue, history, explain."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import click

from workflows.cli.errors import ExitCode, UserError, refusal, report_problems
from workflows.text.terminal import shown

if TYPE_CHECKING:
    from workflows.operations.runtime import Runtime


@contextmanager
def runtime(*, create: bool = False) -> Iterator[Runtime]:
    """Open config, library and database; every refusal becomes one line and the exit status of its kind
    (cli/errors.py has the table).

    Only `workflows init` creates a database (`create`); every other command answers a missing one with exit 4,
    naming where it looked, as it says where it looked for a case that is not there.
    """
    from sqlalchemy.exc import SQLAlchemyError

    from workflows.clock import ClockError
    from workflows.operations.errors import CaseNotFound, OperationError, database_problem
    from workflows.operations.runtime import Runtime
    from workflows.store.database import DB_URL_VARIABLE, DatabaseMissing, database_url, describe
    from workflows.yamlsource import YamlSourceError

    try:
        yield Runtime.open(create=create, report=lambda line: click.echo(f"warning: {line}", err=True))
    except YamlSourceError as error:
        report_problems(error.problems)
    except DatabaseMissing as error:
        raise UserError(str(error), ExitCode.DATABASE_UNAVAILABLE) from None
    except CaseNotFound as error:
        where = describe(database_url())
        message = f"{error} in {where} ({DB_URL_VARIABLE} chooses another database)"
        raise UserError(message, ExitCode.NOT_FOUND) from None
    except OperationError as error:
        raise refusal(error) from None
    except ClockError as error:
        raise UserError(str(error), ExitCode.INVALID_INPUT) from None
    except SQLAlchemyError as error:
        raise UserError(f"database: {database_problem(error)}", ExitCode.DATABASE_UNAVAILABLE) from None


def _run(reference: str, make: Callable[[], Any]) -> None:
    from workflows.operations.cases import run

    with runtime() as rt:
        state = run(rt, reference, make())
        click.echo(f"{state.reference}: {state.status.value}")


@click.command()
@click.argument("process_id", metavar="PROCESS")
@click.option("--ref", "reference", help="Use this case reference instead of the next one from the pattern.")
@click.option("--fact", "facts", multiple=True, metavar="NAME=VALUE", help="A fact the case starts with.")
@click.option("--by", "actor", metavar="EMAIL", help="Who started it (for the audit trail).")
def start(process_id: str, reference: str | None, facts: tuple[str, ...], actor: str | None) -> None:
    """Start a case of PROCESS; print its reference."""
    from workflows.operations.cases import parse_facts
    from workflows.operations.cases import start as start_case
    from workflows.operations.inputs import read_process

    with runtime() as rt:
        process = read_process(rt.library, process_id)
        started, _ = start_case(rt, process_id, parse_facts(rt, process, list(facts)), reference=reference, actor=actor)
        click.echo(started)


@click.command()
@click.argument("reference", metavar="REF")
@click.argument("stage")
@click.option("--task", help="The item of a fanned-out stage, e.g. an agency key.")
@click.option("--by", "actor", metavar="EMAIL")
@click.option("--note", help="A short note for the audit trail (no personal data).")
def complete(reference: str, stage: str, task: str | None, actor: str | None, note: str | None) -> None:
    """Record STAGE (or one task of it) done."""
    from workflows.engine.commands import Complete

    _run(reference, lambda: Complete(stage, task, actor, note))


@click.command()
@click.argument("reference", metavar="REF")
@click.argument("stage")
@click.argument("option")
@click.option("--by", "actor", metavar="EMAIL")
@click.option("--note")
@click.option(
    "--fact",
    "facts",
    multiple=True,
    metavar="NAME=VALUE",
    help="A fact for the process this option starts (e.g. its agencies).",
)
def decide(
    reference: str, stage: str, option: str, actor: str | None, note: str | None, facts: tuple[str, ...]
) -> None:
    """Record the decision OPTION at STAGE."""
    from workflows.operations.cases import decide as record_decision

    with runtime() as rt:
        state = record_decision(rt, reference, stage, option, by=actor, note=note, assignments=list(facts))
        click.echo(f"{state.reference}: {state.status.value}")


@click.command()
@click.argument("reference", metavar="REF")
@click.option("--reason", required=True, help="One of the reasons the process allows.")
@click.option("--by", "actor", metavar="EMAIL")
def pause(reference: str, reason: str, actor: str | None) -> None:
    """Pause the case's clock."""
    from workflows.engine.commands import Pause

    _run(reference, lambda: Pause(reason, actor))


@click.command()
@click.argument("reference", metavar="REF")
@click.option("--by", "actor", metavar="EMAIL")
def resume(reference: str, actor: str | None) -> None:
    """Resume the clock; later deadlines move by the paused working time."""
    from workflows.engine.commands import Resume

    _run(reference, lambda: Resume(actor))


@click.command()
@click.argument("reference", metavar="REF")
@click.argument("stage")
@click.argument("amount")
@click.option("--reason", required=True)
@click.option(
    "--approved-by",
    "approved_by",
    required=True,
    metavar="EMAIL",
    help="Someone holding the process's extension_approver role.",
)
@click.option("--task", help="Extend only this task of a fanned-out stage (an agency key).")
def extend(reference: str, stage: str, amount: str, reason: str, approved_by: str, task: str | None) -> None:
    """Extend STAGE's deadline (or only one task's) by AMOUNT (e.g. "5 working days")."""
    from workflows.operations.cases import extend as extend_stage

    with runtime() as rt:
        state = extend_stage(rt, reference, stage, amount, reason, approved_by, task)
        click.echo(f"{state.reference}: {_slot_name(stage, task)} now due {_due(state, stage, task)}")


def _slot_name(stage: str, task: str | None) -> str:
    return f"{stage}[{task}]" if task else stage


def _due(state: Any, stage: str, task: str | None) -> str:
    item = state.stages[stage].tasks[task] if task else state.stages[stage]
    due = item.due_day or item.due_at
    return due.isoformat() if due else "-"


@click.command("request-extension")
@click.argument("reference", metavar="REF")
@click.argument("stage")
@click.argument("amount")
@click.option("--reason", required=True, help="Why more time is needed (no personal details).")
@click.option("--by", "actor", required=True, metavar="EMAIL", help="Who asks: told the answer.")
@click.option("--task", help="The item of a fanned-out stage, e.g. an agency key.")
def request_extension(reference: str, stage: str, amount: str, reason: str, actor: str, task: str | None) -> None:
    """Ask for AMOUNT more time on STAGE (e.g. "5 working days"); the approver role is told. Prints the request's
    number, which approve-extension and refuse-extension take."""
    from workflows.operations.extensions import request

    with runtime() as rt:
        asked = request(rt, reference, stage, amount, reason, actor, task)
        click.echo(f"{reference}: extension request {asked.number} ({asked.amount} on {stage}) sent to the approver")


@click.command("approve-extension")
@click.argument("reference", metavar="REF")
@click.argument("request_number", metavar="REQUEST", type=int)
@click.option("--by", "actor", required=True, metavar="EMAIL", help="Someone holding the extension_approver role.")
def approve_extension(reference: str, request_number: int, actor: str) -> None:
    """Approve extension request REQUEST of REF: its stage's deadline moves by the amount asked."""
    from workflows.operations.extensions import approve

    with runtime() as rt:
        state = approve(rt, reference, request_number, actor)
        asked = state.extension_request(request_number)
        assert asked is not None
        moved = _slot_name(asked.stage, asked.task)
        click.echo(f"{state.reference}: {moved} now due {_due(state, asked.stage, asked.task)}")


@click.command("refuse-extension")
@click.argument("reference", metavar="REF")
@click.argument("request_number", metavar="REQUEST", type=int)
@click.option("--by", "actor", required=True, metavar="EMAIL", help="Someone holding the extension_approver role.")
def refuse_extension(reference: str, request_number: int, actor: str) -> None:
    """Refuse extension request REQUEST of REF: the deadline stays, and the person who asked is told."""
    from workflows.operations.extensions import refuse

    with runtime() as rt:
        state = refuse(rt, reference, request_number, actor)
        click.echo(f"{state.reference}: extension request {request_number} refused")


@click.command()
@click.argument("reference", metavar="REF")
@click.argument("stage")
@click.option("--to", "to", required=True, metavar="EMAIL", help="The person to take it on.")
@click.option("--task")
@click.option("--reason", required=True)
@click.option("--by", "actor", metavar="EMAIL")
def reassign(reference: str, stage: str, to: str, task: str | None, reason: str, actor: str | None) -> None:
    """Give STAGE (or one task) to a named person instead of the role holders."""
    from workflows.engine.commands import Reassign

    _run(reference, lambda: Reassign(stage, to, reason, task, actor))


@click.command()
@click.argument("reference", metavar="REF")
@click.option("--reason", required=True)
@click.option("--by", "actor", metavar="EMAIL")
def cancel(reference: str, reason: str, actor: str | None) -> None:
    """Cancel the case: every open stage stops, no more messages."""
    from workflows.engine.commands import Cancel

    _run(reference, lambda: Cancel(reason, actor))


@click.command()
@click.argument("event")
@click.option("--fact", "facts", multiple=True, metavar="NAME=VALUE")
@click.option("--by", "actor", metavar="EMAIL")
def trigger(event: str, facts: tuple[str, ...], actor: str | None) -> None:
    """Start every process whose trigger matches EVENT and its facts; print the references."""
    from workflows.operations.cases import trigger as fire_event

    with runtime() as rt:
        started = fire_event(rt, event, list(facts), actor)
        if not started:
            click.echo(f"no process starts on {event} with these facts")
        for _process, reference, new in started:
            click.echo(reference if new else f"{reference} (already started by this event)")


@click.command()
def tick() -> None:
    """Fire every timer due now, once; print how many of each kind."""
    from workflows.operations.sweeper import LeaseHeld, SweepCount
    from workflows.operations.sweeper import tick as sweep

    with runtime() as rt:
        try:
            fired = sweep(rt)
        except LeaseHeld as error:
            raise UserError(str(error), ExitCode.REFUSED) from None
        if not fired:
            click.echo("nothing due")
        for kind in SweepCount:
            if fired.get(kind):
                click.echo(f"{kind}: {fired[kind]}")


@click.command()
@click.argument("reference", metavar="REF")
@click.option("--json", "as_json", is_flag=True)
def status(reference: str, as_json: bool) -> None:
    """A case's stages, owners and due dates."""
    from workflows.operations.reports import status as case_status

    with runtime() as rt:
        view = case_status(rt, reference)
    if as_json:
        click.echo(json.dumps(view, indent=2))
        return
    click.echo(f"{shown(view['reference'])} ({shown(view['process'])}): {view['state']}")
    runs_on = f"{shown(view['process'])} v{view['version']} (definition {view['definition']})"
    click.echo(f"  runs on: {runs_on}{_library(view)}")
    for stage in view["stages"]:
        flag = "  OVERDUE" if stage["overdue"] else ""
        owner, due = shown(stage["owner"]), stage["due"] or "-"
        click.echo(f"  {shown(stage['id']):<32} {stage['state']:<9} {owner:<32} {due}{flag}")
        for task in stage["tasks"]:
            late = "  OVERDUE" if task["overdue"] else ""
            click.echo(f"    - {shown(task['item']):<28} {task['state']:<9}{late}")


def _library(view: dict[str, Any]) -> str:
    """What the library has now beside the case's own definition (cases stay on the one they started with)."""
    now = view["library_version"]
    if now == "same":
        return ", as the library has it"
    if now == "none":
        return "; the library no longer has this process"
    return f"; the library has since changed it (now v{now}): this case keeps the one it started with"


@click.command()
@click.option("--json", "as_json", is_flag=True)
def overdue(as_json: bool) -> None:
    """Open items past due, and those at risk (due within the at-risk window)."""
    from workflows.cli.json_stream import write_json_array
    from workflows.cli.spooled_output import spooled_stdout
    from workflows.operations.reports import UNDELIVERED_WITHIN, overdue_items, undelivered

    # Each item is written as it is read, and forgotten: a report of 100,000 items must not hold them all. The
    # spool prints them once the database is let go (spooled_output.py says why).
    with spooled_stdout() as out, runtime() as rt:
        if as_json:
            write_json_array((item.as_json() for item in overdue_items(rt)), out)
            return
        failed = undelivered(rt)
        listed = 0
        for item in overdue_items(rt):
            listed += 1
            task = f"[{item.task}]" if item.task else ""
            state = "at risk" if item.at_risk else f"{item.working_days_overdue} wd overdue"
            out.write(
                f"{shown(item.reference):<16} {shown(item.process):<28} {shown(item.stage + task):<44} "
                f"{shown(item.owner_role):<30} {shown(item.agency):<24} {state:<16} level {item.escalation_level}\n"
            )
            for problem in item.undelivered:
                out.write(f"{'':<16} undelivered: {shown(problem)}\n")
    if not listed:
        click.echo("nothing overdue or at risk")
    if failed:
        click.echo(f"\nnot delivered in the last {UNDELIVERED_WITHIN.days} days (`workflows outbox --status failed`):")
        for message in failed:
            click.echo(f"  {shown(message.line())}")


@click.command()
@click.argument("reference", metavar="REF")
def history(reference: str) -> None:
    """The case's audit trail."""
    from workflows.operations.reports import history as audit_trail

    with runtime() as rt:
        entries = audit_trail(rt, reference)
    for entry in entries:  # one line each, whatever a reason or a note holds
        where = f" [{entry['stage']}{'/' + entry['task'] if entry['task'] else ''}]" if entry["stage"] else ""
        who = f" by {entry['actor']}" if entry["actor"] else ""
        clock_note = " (clock set)" if entry["clock_set"] else ""
        click.echo(f"{entry['at']}{clock_note} {entry['action']}{shown(where)}{shown(who)}: {shown(entry['detail'])}")


@click.command()
@click.argument("reference", metavar="REF")
@click.argument("stage")
@click.option("--task", help="One task of a fanned-out stage (an agency key): its own extensions too.")
def explain(reference: str, stage: str, task: str | None) -> None:
    """Why STAGE's due date (or one task's) is what it is: anchor, amount, skipped days, pauses, extensions."""
    from workflows.operations.reports import explain as explain_due

    with runtime() as rt:
        for line in explain_due(rt, reference, stage, task):
            click.echo(shown(line))
