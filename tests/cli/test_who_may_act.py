"""The five cases of issue 20 and its governance gaps, through the command line as a user runs them (a set clock,
the shipped library and directory): each now behaves as docs/messages.md says."""

from __future__ import annotations

import json

from panel_process import PANEL_PROCESS

OK, REFUSED, INVALID_INPUT = 0, 1, 2
RR = "RR-2027-001"
S11 = "S11-2026-01"
POLICE_LEAD = "ben.harrison@police.example"  # agency-safeguarding-lead at Staffordshire Police
COUNCIL_LEAD = "michael.dean@stoke-council.example"  # agency-safeguarding-lead at the city council
BUSINESS_MANAGER = "karen.whitehurst@stoke-council.example"  # business-manager: S11's approver, business unit
OFFICER = "daniel.shaw@stoke-council.example"  # business-unit-officer; deputy business manager
LOCUM = "locum.worker@police.example"


def rapid_review(workflows) -> None:
    started = workflows(
        "start",
        "rapid-review",
        "--fact",
        "notification_date=2027-01-11",
        "--fact",
        "agencies=staffordshire-police",
        now="2027-01-11T10:00Z",
    )
    assert started.stdout.strip() == RR, started.stderr
    assert workflows("complete", RR, "request-chronologies", now="2027-01-11T11:00Z").returncode == OK


def history(workflows) -> str:
    return workflows("history", RR, now="2027-01-29T10:00Z").stdout


def test_reassigned_work_escalates_up_the_ladder_and_the_replaced_holder_can_no_longer_act(workflows):
    rapid_review(workflows)
    reassigned = workflows(
        "reassign",
        RR,
        "agency-chronology",
        "--task",
        "staffordshire-police",
        "--to",
        LOCUM,
        "--reason",
        "on leave",
        now="2027-01-12T10:00Z",
    )
    assert reassigned.returncode == OK, reassigned.stderr
    for day in ("2027-01-26", "2027-01-27", "2027-01-28"):
        assert workflows("tick", now=f"{day}T18:00Z").returncode == OK
    escalations = [
        row
        for row in json.loads(workflows("outbox", "--json", now="2027-01-29T10:00Z").stdout)
        if row["kind"] == "escalation"
    ]
    assert sorted(row["role"] for row in escalations) == ["business-manager", "dsp-local-authority"]
    asked = workflows(
        "request-extension",
        RR,
        "agency-chronology",
        "2 working days",
        "--reason",
        "x",
        "--by",
        POLICE_LEAD,
        "--task",
        "staffordshire-police",
        now="2027-01-29T10:00Z",
    )
    assert asked.returncode == REFUSED
    done = workflows(
        "complete",
        RR,
        "agency-chronology",
        "--task",
        "staffordshire-police",
        "--by",
        POLICE_LEAD,
        now="2027-01-29T10:00Z",
    )
    assert done.returncode == REFUSED and "may not record the outcome" in done.stderr
    by_locum = workflows(
        "complete", RR, "agency-chronology", "--task", "staffordshire-police", "--by", LOCUM, now="2027-01-29T10:00Z"
    )
    assert by_locum.returncode == OK, by_locum.stderr


def test_only_the_holder_of_a_task_or_the_business_unit_may_ask_for_more_time_on_it(workflows):
    assert workflows("start", "section-11-audit").returncode == OK
    assert workflows("complete", S11, "launch").returncode == OK

    def ask(by: str, task: str = "staffordshire-police"):
        return workflows(
            "request-extension",
            S11,
            "self-assessment",
            "3 working days",
            "--reason",
            "Staff absence",
            "--by",
            by,
            "--task",
            task,
        )

    before = workflows("history", S11).stdout
    for stranger in ("someone@elsewhere.example", COUNCIL_LEAD):  # outside the directory; another agency's lead
        refused = ask(stranger)
        assert refused.returncode == REFUSED and "may not ask for more time" in refused.stderr, refused.stderr
    assert workflows("history", S11).stdout == before  # nothing recorded
    assert ask(POLICE_LEAD).returncode == OK
    on_behalf = ask(OFFICER, "stoke-on-trent-city-council")
    assert on_behalf.returncode == OK
    assert "asked by the business unit for agency-safeguarding-lead at stoke-on-trent-city-council" in (
        workflows("history", S11).stdout
    )


def test_approving_one_agencys_request_moves_that_agencys_return_only(workflows):
    assert workflows("start", "section-11-audit").returncode == OK
    assert workflows("complete", S11, "launch").returncode == OK
    before = {task["item"]: task for task in status_tasks(workflows)}
    workflows(
        "request-extension",
        S11,
        "self-assessment",
        "20 working days",
        "--reason",
        "Staff absence",
        "--by",
        POLICE_LEAD,
        "--task",
        "staffordshire-police",
    )
    approved = workflows("approve-extension", S11, "1", "--by", BUSINESS_MANAGER)
    assert approved.returncode == OK, approved.stderr
    assert approved.stdout.startswith(f"{S11}: self-assessment[staffordshire-police] now due ")
    after = {task["item"]: task for task in status_tasks(workflows)}
    moved = {item for item in after if after[item]["due"] != before[item]["due"]}
    assert moved == {"staffordshire-police"}
    approvals = [row for row in json.loads(workflows("outbox", "--json").stdout) if row["kind"] == "extension-approved"]
    assert [row["task"] for row in approvals] == ["staffordshire-police"]


def status_tasks(workflows) -> list[dict]:
    view = json.loads(workflows("status", S11, "--json").stdout)
    return next(stage["tasks"] for stage in view["stages"] if stage["id"] == "self-assessment")


def test_nobody_approves_their_own_request_and_no_extension_passes_the_limit(workflows):
    assert workflows("start", "section-11-audit").returncode == OK
    asked = workflows("request-extension", S11, "launch", "3 working days", "--reason", "x", "--by", OFFICER)
    assert asked.returncode == OK, asked.stderr
    own = workflows("approve-extension", S11, "1", "--by", OFFICER)  # a deputy business manager, but who asked
    assert own.returncode == REFUSED and "asked for this extension" in own.stderr
    assert workflows("approve-extension", S11, "1", "--by", BUSINESS_MANAGER).returncode == OK
    huge = workflows("request-extension", S11, "launch", "3650 working days", "--reason", "x", "--by", OFFICER)
    assert huge.returncode == REFUSED and "at most 20 working days in all" in huge.stderr
    direct = workflows("extend", S11, "launch", "18 working days", "--reason", "x", "--approved-by", BUSINESS_MANAGER)
    assert direct.returncode == REFUSED and "at most 20 working days in all" in direct.stderr


def test_a_dependent_deadline_follows_its_anchor_and_explain_says_so(workflows, tmp_path):
    processes = tmp_path / "processes"
    processes.mkdir()
    (processes / "panel-papers.yaml").write_text(PANEL_PROCESS, encoding="utf-8")
    env = {"WORKFLOWS_PROCESSES": str(processes)}
    started = workflows("start", "panel-papers", now="2027-01-04T10:00Z", extra_env=env)
    assert started.returncode == OK, started.stderr
    reference = started.stdout.strip()
    extended = workflows(
        "extend",
        reference,
        "panel",
        "5 working days",
        "--reason",
        "chair ill",
        "--approved-by",
        BUSINESS_MANAGER,
        now="2027-01-05T10:00Z",
        extra_env=env,
    )
    assert extended.returncode == OK, extended.stderr
    assert extended.stdout == f"{reference}: panel now due 2027-01-28\n"
    explained = workflows("explain", reference, "papers", now="2027-01-05T10:00Z", extra_env=env).stdout
    assert "anchor: deadline of stage panel = 2027-01-28" in explained
    assert "due: 2027-01-25" in explained  # 3 working days before the panel's new date
    trail = workflows("history", reference, now="2027-01-05T10:00Z", extra_env=env).stdout
    assert "deadline-moved [papers]" in trail and "(was 2027-01-18)" in trail
    moved = [
        row
        for row in json.loads(workflows("outbox", "--json", extra_env=env).stdout)
        if row["kind"] == "deadline-moved"
    ]
    assert sorted(row["stage"] for row in moved) == ["minutes", "papers"]  # the minutes follow the papers


def test_link_is_printed_only_for_someone_the_task_is_for(workflows):
    rapid_review(workflows)
    secret = {"WORKFLOWS_LINK_SECRET": "s3cret"}
    theirs = workflows(
        "link", RR, "agency-chronology", "--task", "staffordshire-police", "--for", POLICE_LEAD, extra_env=secret
    )
    assert theirs.returncode == OK and "/t/" in theirs.stdout
    refused = workflows(
        "link", RR, "agency-chronology", "--task", "staffordshire-police", "--for", COUNCIL_LEAD, extra_env=secret
    )
    assert refused.returncode == REFUSED and refused.stdout == "" and "has no part in" in refused.stderr
