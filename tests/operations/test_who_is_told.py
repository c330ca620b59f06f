"""Who is told, end to end: the engine's audiences through the outbox, the directory and a real SMTP server, on
SQLite and PostgreSQL (issue 20, items 1 and 2).

- After `reassign`, each escalation reaches its ladder's role (the business manager, then the DSP) copying the
  person put in place of the holders, and the holder replaced gets nothing more: not the new messages, and not
  those queued before the reassignment that were still waiting for working hours.
- An `involves:` role gets its copy of each escalation, as it gets every other message the owner gets.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from workflows.definitions.library import load_library
from workflows.engine.commands import Complete, Decide, Reassign
from workflows.notify.delivery import deliver
from workflows.operations import cases
from workflows.operations.sweeper import tick

REPO = Path(__file__).resolve().parents[2]
POLICE_LEAD = "ben.harrison@police.example"  # agency-safeguarding-lead, Staffordshire Police
LOCUM = "locum.worker@police.example"
BUSINESS_MANAGERS = {"karen.whitehurst@stoke-council.example", "daniel.shaw@stoke-council.example"}  # and deputy
DSPS = {"helen.marsh@stoke-council.example", "ravi.chaudhry@stoke-council.example"}  # dsp-local-authority, deputy


def escalations(smtp, level: int) -> list:
    return [r for r in smtp.mailbox.received if r.message["Subject"].startswith(f"Escalation (level {level})")]


def everyone(received: list) -> set[str]:
    return {address for message in received for address in message.recipients}


def test_after_a_reassignment_escalations_climb_the_ladder_and_the_replaced_holder_hears_nothing(
    shipped_runtime, smtp, set_clock
):
    runtime = shipped_runtime
    set_clock("2027-01-11T10:00Z")
    facts = {"notification_date": date(2027, 1, 11), "agencies": ["staffordshire-police"]}
    reference = cases.start(runtime, "rapid-review", facts)[0]
    cases.run(runtime, reference, Complete("request-chronologies"))
    deliver(runtime)
    set_clock("2027-01-22T18:00Z")  # a Friday evening: the due-day reminder is queued, and waits for Monday
    tick(runtime)
    set_clock("2027-01-23T10:00Z")
    cases.run(runtime, reference, Reassign("agency-chronology", LOCUM, "on leave", "staffordshire-police"))
    smtp.mailbox.reset()
    for day in ("2027-01-26", "2027-01-27", "2027-01-28"):
        set_clock(f"{day}T18:00Z")
        tick(runtime)
    set_clock("2027-01-29T10:00Z")
    deliver(runtime)

    first, second = escalations(smtp, 1), escalations(smtp, 2)
    assert everyone(first) == BUSINESS_MANAGERS | {LOCUM}  # the ladder's first role, copying the locum
    assert everyone(second) == DSPS | {LOCUM}  # the second role
    assert POLICE_LEAD not in everyone(smtp.mailbox.received)  # nothing after the reassignment, queued before or not
    assert smtp.mailbox.to(LOCUM)  # the locum gets the task's messages


def with_a_ladder_on_stage_2(runtime, tmp_path) -> None:
    """The shipped escalation policy moves on by itself at stage 2's deadline; this variant escalates instead."""
    text = (REPO / "processes" / "professional-escalation.yaml").read_text(encoding="utf-8")
    stage_2 = text.index("  stage-2:")
    policy = text.index("      when_unresolved: escalate\n", stage_2)
    ladder = "    escalation:\n      - {after: 1 working day, notify: business-manager}\n"
    text = text[:policy] + text[policy:].replace("      when_unresolved: escalate\n", "", 1)
    text = text.replace(
        '    due: {in: 5 working days, from: "stage:stage-1"}',
        '    due: {in: 5 working days, from: "stage:stage-1"}\n' + ladder.rstrip("\n"),
        1,
    )
    folder = tmp_path / "variant"
    folder.mkdir()
    (folder / "professional-escalation.yaml").write_text(text, encoding="utf-8")
    variant = load_library([folder], runtime.config)
    runtime.library.processes["professional-escalation"] = variant.get("professional-escalation")
    runtime.library.texts["professional-escalation"] = variant.texts["professional-escalation"]


def test_an_involved_role_gets_its_copy_of_each_escalation(shipped_runtime, smtp, set_clock, tmp_path):
    runtime = shipped_runtime
    with_a_ladder_on_stage_2(runtime, tmp_path)
    set_clock("2027-01-11T10:00Z")
    facts = {"raising_agency": "stoke-on-trent-city-council", "receiving_agency": "university-hospitals-north-midlands"}
    reference = cases.start(runtime, "professional-escalation", facts)[0]
    cases.run(runtime, reference, Decide("stage-1", "escalate"))
    receiving = {p.email for p in runtime.config.directory.role_holders("line-manager", facts["receiving_agency"])}
    assert receiving, "the shipped directory names the receiving agency's line manager"
    smtp.mailbox.reset()
    for day in ("2027-01-18", "2027-01-19", "2027-01-20"):
        set_clock(f"{day}T18:00Z")
        tick(runtime)
    set_clock("2027-01-21T10:00Z")
    deliver(runtime)
    first = escalations(smtp, 1)
    assert first, [r.message["Subject"] for r in smtp.mailbox.received]
    assert receiving <= everyone(first)  # the involved role's copy
    managers = {p.email for p in runtime.config.directory.role_holders("business-manager", None)}
    assert managers <= everyone(first)
