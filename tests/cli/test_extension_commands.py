"""request-extension, approve-extension and refuse-extension as a user runs them, and the exit status of each
kind of refusal."""

from __future__ import annotations

import json

import pytest

OK, REFUSED, INVALID_INPUT, NOT_FOUND, DATABASE_UNAVAILABLE = 0, 1, 2, 3, 4
APPROVER = "karen.whitehurst@stoke-council.example"  # business-manager: section-11-audit's extension_approver
# business-unit-officer, the owner of the audit's launch, and a deputy business manager: so an approver too, but
# never of their own request.
ASKER = "daniel.shaw@stoke-council.example"
REF = "S11-2026-01"
POLICE = "ben.harrison@police.example"  # the police's safeguarding lead: no approver


@pytest.fixture
def audit(workflows):
    started = workflows("start", "section-11-audit")
    assert started.stdout == f"{REF}\n", started.stderr
    return workflows


def due_of_launch(workflows) -> str:
    view = json.loads(workflows("status", REF, "--json").stdout)
    return next(stage["due"] for stage in view["stages"] if stage["id"] == "launch")


def ask(workflows, amount="5 working days", *extra: str):
    return workflows("request-extension", REF, "launch", amount, "--reason", "Staff absence", "--by", ASKER, *extra)


def test_request_prints_its_number_and_approve_moves_the_deadline(audit):
    before = due_of_launch(audit)
    asked = ask(audit)
    assert asked.returncode == OK, asked.stderr
    assert asked.stdout == f"{REF}: extension request 1 (5 working days on launch) sent to the approver\n"
    assert due_of_launch(audit) == before  # nothing moves until approved
    approved = audit("approve-extension", REF, "1", "--by", APPROVER)
    assert approved.returncode == OK, approved.stderr
    assert approved.stdout == f"{REF}: launch now due 2027-01-07\n"
    history = audit("history", REF).stdout
    assert f"extension-requested [launch] by {ASKER}: launch: 5 working days (request 1)" in history
    assert f"extended [launch] by {APPROVER}: launch by 5 working days to 2027-01-07: Staff absence" in history


def test_refuse_keeps_the_deadline_and_queues_the_answer_to_the_person_who_asked(audit):
    before = due_of_launch(audit)
    ask(audit)
    refused = audit("refuse-extension", REF, "1", "--by", APPROVER)
    assert refused.returncode == OK, refused.stderr
    assert refused.stdout == f"{REF}: extension request 1 refused\n"
    assert due_of_launch(audit) == before
    kinds = [row["kind"] for row in json.loads(audit("outbox", "--json").stdout)]
    assert "extension-requested" in kinds and "extension-refused" in kinds
    assert f"extension-refused [launch] by {APPROVER}: launch: 5 working days" in audit("history", REF).stdout


def test_a_second_request_gets_the_next_number(audit):
    ask(audit)
    assert ask(audit, "2 working days").stdout.startswith(f"{REF}: extension request 2 ")


@pytest.mark.parametrize(
    ("args", "status", "message"),
    [
        (["approve-extension", REF, "1", "--by", ASKER], REFUSED, "asked for this extension"),
        (["approve-extension", REF, "1", "--by", POLICE], REFUSED, "does not hold 'business-manager'"),
        (["refuse-extension", REF, "1", "--by", "nobody@example.org"], REFUSED, "does not hold 'business-manager'"),
        (["approve-extension", REF, "9", "--by", APPROVER], INVALID_INPUT, "no extension request 9 (requests: 1)"),
        (["request-extension", REF, "launch", "5 days", "--reason", "x", "--by", ASKER], INVALID_INPUT, "'5 days'"),
        (["request-extension", REF, "lunch", "1 working day", "--reason", "x", "--by", ASKER], INVALID_INPUT, "lunch"),
        (["request-extension", REF, "launch", "1 working day", "--reason", " ", "--by", ASKER], INVALID_INPUT, "why"),
        (["request-extension", REF, "self-assessment", "1 working day", "--reason", "x", "--by", ASKER], REFUSED, ""),
        (
            ["request-extension", REF, "launch", "1 working day", "--reason", "x", "--by", "x@elsewhere.example"],
            REFUSED,
            "may not ask for more time on launch",
        ),
        (["approve-extension", "S11-2026-99", "1", "--by", APPROVER], NOT_FOUND, "no case with reference S11-2026-99"),
    ],
)
def test_each_kind_of_refusal_has_its_exit_status_and_changes_nothing(audit, args, status, message):
    ask(audit)
    before = audit("history", REF).stdout
    result = audit(*args)
    assert result.returncode == status, result.stderr
    assert message in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert audit("history", REF).stdout == before


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["approve-extension", REF, "one", "--by", APPROVER], "'one' is not a valid integer"),
        (["request-extension", REF, "launch", "1 working day", "--reason", "x"], "Missing option '--by'"),
    ],
)
def test_usage_errors_are_click_s_own_status_2_like_invalid_input(audit, args, message):
    result = audit(*args)
    assert result.returncode == INVALID_INPUT
    assert message in result.stderr and "Traceback" not in result.stderr


def test_a_request_decided_already_is_refused(audit):
    ask(audit)
    assert audit("approve-extension", REF, "1", "--by", APPROVER).returncode == OK
    for decide in ("approve-extension", "refuse-extension"):
        again = audit(decide, REF, "1", "--by", APPROVER)
        assert again.returncode == REFUSED
        assert again.stderr == f"error: {REF}: extension request 1 has been approved already\n"


def test_no_database_is_status_4(workflows_without_database):
    result = workflows_without_database("status", REF)
    assert result.returncode == DATABASE_UNAVAILABLE
    assert result.stderr.startswith("error: no workflows database at ")
