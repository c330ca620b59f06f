"""The case commands' contracts, run as subprocesses against an SQLite file in a scratch folder."""

from __future__ import annotations

import json

import pytest

AGENCIES = "--fact", "agencies=stoke-on-trent-city-council,staffordshire-police"
BUSINESS_MANAGER = "karen.whitehurst@stoke-council.example"  # holds business-manager: the first stage is theirs


def test_start_prints_the_reference_and_the_default_database_is_the_main_jobs(workflows, tmp_path):
    result = workflows("start", "rapid-review", *AGENCIES, "--fact", "notification_date=2026-12-18")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "RR-2026-001\n"
    assert (tmp_path / "var" / "workflows.db").is_file()  # where `workflows up` keeps its state too
    assert not (tmp_path / "workflows.db").exists()


# Every command that opens the database: only `workflows init` and `workflows up` create one.
DATABASE_COMMANDS = [
    ("start", "rapid-review", *AGENCIES, "--fact", "notification_date=2026-12-18"),
    ("complete", "RR-2026-001", "request-chronologies"),
    ("cancel", "RR-2026-001", "--reason", "opened in error"),
    ("trigger", "child-death", "--fact", "expected=false"),
    ("tick",),
    ("deliver",),
    ("outbox", "retry"),
    ("outbox", "retry", "--failed-since", "2026-12-01"),
    ("status", "RR-2026-001"),
    ("status", "RR-2026-001", "--json"),
    ("overdue",),
    ("overdue", "--json"),
    ("history", "RR-2026-001"),
    ("explain", "RR-2026-001", "agency-chronology"),
    ("outbox",),
    ("link", "RR-2026-001", "agency-chronology", "--for", "lee@example.org"),
    ("cases",),
    ("cases", "--json", "--process", "rapid-review"),
    ("report",),
    ("report", "--format", "xlsx", "--output", "year.xlsx"),
]


@pytest.mark.parametrize("command", DATABASE_COMMANDS, ids=lambda command: " ".join(command))
def test_no_command_but_init_creates_a_database_and_each_says_where_it_looked(
    workflows_without_database, tmp_path, command
):
    result = workflows_without_database(*command, extra_env={"WORKFLOWS_LINK_SECRET": "s" * 32})
    assert result.returncode == 4  # database unavailable
    assert result.stderr.startswith("error: no workflows database at ")
    assert str(tmp_path / "var" / "workflows.db") in result.stderr and "WORKFLOWS_DB_URL" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "var").exists() and not list(tmp_path.glob("*.db"))


@pytest.mark.parametrize("command", DATABASE_COMMANDS[:7], ids=lambda command: " ".join(command))
def test_a_mistyped_location_is_never_created(workflows_without_database, tmp_path, command):
    typo = tmp_path / "a" / "typo" / "w.db"
    result = workflows_without_database(*command, extra_env={"WORKFLOWS_DB_URL": f"sqlite:///{typo}"})
    assert result.returncode == 4, result.stderr
    assert result.stderr == (
        f"error: no workflows database at {typo}: `workflows init` creates one there; "
        "set WORKFLOWS_DB_URL to open another\n"
    )
    assert not (tmp_path / "a").exists()


def test_init_creates_the_database_once_and_then_every_command_opens_it(workflows_without_database, tmp_path):
    made = workflows_without_database("init")
    assert made.returncode == 0, made.stderr
    assert made.stdout == f"created: {tmp_path / 'var' / 'workflows.db'}\n"
    again = workflows_without_database("init")
    assert again.stdout == f"up to date: {tmp_path / 'var' / 'workflows.db'}\n"
    started = workflows_without_database("start", "rapid-review", *AGENCIES, "--fact", "notification_date=2026-12-18")
    assert started.returncode == 0, started.stderr
    assert workflows_without_database("init").returncode == 0  # and init again leaves the cases be
    assert workflows_without_database("status", "RR-2026-001").returncode == 0


def test_an_unknown_reference_names_the_database_it_was_looked_for_in(workflows, tmp_path):
    workflows("start", "rapid-review", *AGENCIES, "--fact", "notification_date=2026-12-18")
    for command in (("status", "RR-2026-999"), ("history", "RR-2026-999"), ("complete", "RR-2026-999", "x")):
        result = workflows(*command)
        assert result.returncode == 3  # not found
        assert result.stderr == (
            f"error: no case with reference RR-2026-999 in {tmp_path / 'var' / 'workflows.db'} "
            "(WORKFLOWS_DB_URL chooses another database)\n"
        )


def test_status_json_has_the_agreed_shape(workflows):
    workflows("start", "rapid-review", *AGENCIES, "--fact", "notification_date=2026-12-18")
    workflows("complete", "RR-2026-001", "request-chronologies", "--by", BUSINESS_MANAGER)
    result = workflows("status", "RR-2026-001", "--json", now="2027-01-12T10:00")
    view = json.loads(result.stdout)
    assert set(view) == {"reference", "process", "version", "definition", "library_version", "state", "stages"}
    assert (view["reference"], view["process"], view["state"]) == ("RR-2026-001", "rapid-review", "open")
    assert (view["version"], view["library_version"], len(view["definition"])) == (1, "same", 12)
    stage = view["stages"][1]
    assert set(stage) == {"id", "state", "owner", "due", "overdue", "tasks"}
    assert stage["id"] == "agency-chronology" and stage["overdue"] is True
    assert {tuple(sorted(task)) for task in stage["tasks"]} == {("due", "item", "overdue", "state")}
    assert {task["item"] for task in stage["tasks"]} == {"stoke-on-trent-city-council", "staffordshire-police"}


def test_tick_prints_counts_by_kind_and_overdue_lists_items(workflows):
    workflows("start", "rapid-review", *AGENCIES, "--fact", "notification_date=2026-12-18")
    workflows("complete", "RR-2026-001", "request-chronologies")
    result = workflows("tick", now="2027-01-13T10:00")
    assert result.returncode == 0, result.stderr
    assert "escalation: 4" in result.stdout.splitlines()
    assert workflows("tick", now="2027-01-13T10:00").stdout == "nothing due\n"
    items = json.loads(workflows("overdue", "--json", now="2027-01-13T10:00").stdout)
    assert {(i["agency"], i["working_days_overdue"], i["escalation_level"]) for i in items} == {
        ("stoke-on-trent-city-council", 4, 2),
        ("staffordshire-police", 4, 2),
    }
    assert all(i["owner_role"] == "agency-safeguarding-lead" and i["status"] == "overdue" for i in items)


def test_trigger_with_no_match_says_so_and_exits_0(workflows):
    result = workflows(
        "trigger", "child-death", "--fact", "death_datetime=2026-12-18T02:00", "--fact", "external_causes=false"
    )
    assert result.returncode == 0
    assert result.stdout.startswith("no process starts on child-death")


def test_history_and_explain(workflows):
    workflows("start", "rapid-review", *AGENCIES, "--fact", "notification_date=2026-12-18")
    workflows("complete", "RR-2026-001", "request-chronologies", "--by", BUSINESS_MANAGER, "--note", "sent")
    history = workflows("history", "RR-2026-001").stdout
    assert "case-started" in history and f"by {BUSINESS_MANAGER}" in history and "(clock set)" in history
    explain = workflows("explain", "RR-2026-001", "agency-chronology").stdout
    assert "rule: 10 working days from fact:notification_date" in explain
    assert "skipped 2026-12-28: bank holiday: Boxing Day (observed)" in explain
    assert explain.strip().endswith("due: 2027-01-07 (late after 2027-01-07T23:59:00+00:00)")


REFUSED, INVALID_INPUT, NOT_FOUND = 1, 2, 3


@pytest.mark.parametrize(
    ("args", "message", "status"),
    [
        (["complete", "RR-2026-009", "request-chronologies"], "no case with reference RR-2026-009", NOT_FOUND),
        (["complete", "RR-2026-001", "panel-meeting"], "is not open yet", REFUSED),
        (["complete", "RR-2026-001", "panel"], "has no stage 'panel'", INVALID_INPUT),
        (["decide", "RR-2026-001", "request-chronologies", "x"], "has no decision", REFUSED),
        (["start", "rapid-review", "--fact", "agencies=nowhere"], "unknown agency 'nowhere'", INVALID_INPUT),
        (["start", "rapid-review"], "needs the facts notification_date, agencies", INVALID_INPUT),
        (["start", "rapid-reveiw"], "unknown process 'rapid-reveiw'", INVALID_INPUT),
        (["pause", "RR-2026-001", "--reason", "holiday"], "cannot be paused", REFUSED),
        (
            [
                "extend",
                "RR-2026-001",
                "request-chronologies",
                "2 working days",
                "--reason",
                "x",
                "--approved-by",
                "nobody@example.org",
            ],
            "cannot be extended",
            REFUSED,
        ),
        (["status", "RR-2026-001"], "WORKFLOWS_NOW", INVALID_INPUT),
    ],
)
def test_refusals_are_one_line_with_the_status_of_their_kind_and_change_nothing(workflows, args, message, status):
    workflows("start", "rapid-review", *AGENCIES, "--fact", "notification_date=2026-12-18")
    before = workflows("history", "RR-2026-001").stdout
    bad_clock = {"WORKFLOWS_NOW": "soon"} if message == "WORKFLOWS_NOW" else {}
    result = workflows(*args, extra_env=bad_clock)
    assert result.returncode == status, result.stderr
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
    assert workflows("history", "RR-2026-001").stdout == before


def test_completing_twice_is_refused(workflows):
    workflows("start", "rapid-review", *AGENCIES, "--fact", "notification_date=2026-12-18")
    assert workflows("complete", "RR-2026-001", "request-chronologies").returncode == 0
    again = workflows("complete", "RR-2026-001", "request-chronologies")
    assert again.returncode == 1 and "already done" in again.stderr
