"""The command-line contracts other tools rely on, run as a user runs them: a real subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from workflows.cli.lazy_group import load_command
from workflows.cli.main import COMMANDS

REPO = Path(__file__).resolve().parents[2]
WORKFLOWS = str(Path(sys.executable).parent / "workflows")


def run(*args: str, cwd: Path = REPO, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [WORKFLOWS, *args], cwd=cwd, env={**os.environ, **(env or {})}, capture_output=True, text=True, timeout=60
    )


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["due", "5 working days", "--from", "2026-12-18"], "2026-12-29"),
        (["due", "5 working days", "--from", "2026-12-18", "--counting", "same-day"], "2026-12-24"),
        (["due", "72 hours", "--from", "2026-10-24T22:30+01:00"], "2026-10-27T21:30:00+00:00"),
        (["due", "1 working day", "--from", "2026-04-02"], "2026-04-07"),  # Good Friday, Easter Monday
        (["due", "1 month", "--from", "2027-01-31"], "2027-02-28"),
    ],
)
def test_due_prints_exactly_the_answer(args, expected):
    result = run(*args)
    assert result.returncode == 0, result.stderr
    assert result.stdout == expected + "\n"


def test_due_explain_lists_each_skipped_day_after_the_answer():
    result = run("due", "5 working days", "--from", "2026-12-18", "--explain")
    assert result.stdout.splitlines() == [
        "2026-12-29",
        "skipped 2026-12-19: weekend (Saturday)",
        "skipped 2026-12-20: weekend (Sunday)",
        "skipped 2026-12-25: bank holiday: Christmas Day",
        "skipped 2026-12-26: bank holiday: Boxing Day",
        "skipped 2026-12-27: weekend (Sunday)",
        "skipped 2026-12-28: bank holiday: Boxing Day (observed)",
    ]


def test_due_with_a_partnership_calendar_skips_its_closures(config_dir):
    result = run(
        "due",
        "5 working days",
        "--from",
        "2027-12-17",
        "--calendar",
        "partnership",
        "--explain",
        env={"WORKFLOWS_CONFIG": str(config_dir)},
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    # 20,21,22,23 Dec, then 24 closed, 27 & 28 substitute bank holidays: day 5 is 29 Dec.
    assert lines[0] == "2027-12-29"
    assert "skipped 2027-12-24: local closure: Council Christmas shutdown" in lines


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["due", "5 days", "--from", "2026-12-18"], "write 'working days' or 'calendar days'"),
        (["due", "5 working days", "--from", "18/12/2026"], "is not a date"),
        (["simulate", "no-such-process", "--start", "2026-12-18"], "unknown process 'no-such-process'"),
        (["simulate", "rapid-review", "--start", "2026-12-18", "--fact", "nope=1"], "has no fact 'nope'"),
        (
            ["simulate", "rapid-review", "--start", "2026-12-18", "--fact", "notification_date=soon"],
            "needs a date value",
        ),
        (["simulate", "rapid-review", "--late", "panel=2"], "has no stage 'panel'"),
    ],
)
def test_bad_input_gets_one_clear_line_and_status_1(args, message):
    result = run(*args)
    assert result.returncode == 1
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_validate_accepts_the_shipped_library():
    result = run("validate")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("ok: ")


def test_validate_reports_every_problem_with_its_position(tmp_path):
    broken = tmp_path / "rapid-review.yaml"
    text = (REPO / "processes" / "rapid-review.yaml").read_text()
    text = text.replace("owner: business-manager", "owner: business-manger", 1)
    text = text.replace("in: 12 working days", "in: 12 days")
    broken.write_text(text)
    result = run("validate", str(broken))
    assert result.returncode == 1
    note, *problems, count = result.stderr.strip().splitlines()
    assert note == f"note: {broken} replaces processes/rapid-review.yaml for this check"
    # The bad duration (structural) does not hide the misspelt role (semantic) in another stage.
    assert count == "2 problems found"
    role, duration = problems
    assert role.startswith(f"{broken}:") and "unknown role 'business-manger' (did you mean 'business-manager'" in role
    line, column = duration.split(":")[1:3]
    assert text.splitlines()[int(line) - 1][int(column) - 1 :].startswith("12 days")
    assert "Traceback" not in result.stderr


def test_validate_of_a_config_problem_names_the_config_file(tmp_path, config_dir):
    people = config_dir / "people.yaml"
    people.write_text(people.read_text().replace("role: business-manager", "role: bussiness-manager"))
    result = run("validate", str(REPO / "processes" / "rapid-review.yaml"), env={"WORKFLOWS_CONFIG": str(config_dir)})
    assert result.returncode == 1
    assert f"{people}:4:" in result.stderr and "unknown role 'bussiness-manager'" in result.stderr


def test_schema_is_json_schema_of_the_language():
    result = run("schema")
    schema = json.loads(result.stdout)
    assert schema["$schema"].startswith("https://json-schema.org/")
    assert {"id", "title", "stages", "facts", "triggers", "recurs"} <= set(schema["properties"])
    assert "Stage" in schema["$defs"]


def test_simulate_json_is_sorted_events_of_the_agreed_shape():
    result = run("simulate", "rapid-review", "--start", "2026-12-18", "--late", "agency-chronology=3", "--json")
    assert result.returncode == 0, result.stderr
    events = json.loads(result.stdout)
    assert events[0] == {"at": "2026-12-18T09:00:00+00:00", "kind": "start", "stage": None, "to": None}
    assert all(set(event) == {"at", "kind", "stage", "to"} for event in events)
    assert {event["kind"] for event in events} == {"start", "reminder", "due", "escalation"}
    times = [event["at"] for event in events]
    assert times == sorted(times)
    final = [e for e in events if e["kind"] == "due" and e["stage"] == "send-to-panel"]
    # 15 working days after 18 Dec, skipping Christmas, the substitute Boxing Day and the demo
    # partnership's closure on 31 Dec.
    assert final == [
        {"at": "2027-01-14T23:59:00+00:00", "kind": "due", "stage": "send-to-panel", "to": "business-manager"}
    ]


def test_simulate_table_is_readable():
    result = run("simulate", "rapid-review", "--start", "2026-12-18")
    assert result.returncode == 0, result.stderr
    assert "Rapid review (rapid-review v1)" in result.stdout
    assert "Send the rapid review to the national Panel" in result.stdout


@pytest.mark.parametrize(
    "args",
    [
        ["due", "5 working days", "--from", "2026-12-18"],
        ["validate"],
        ["simulate", "rapid-review", "--start", "2026-12-18", "--json"],
        ["validate", "processes/rapid-review.yaml"],
        ["simulate", "processes/rapid-review.yaml", "--start", "2026-12-18", "--json"],
    ],
)
def test_commands_that_run_no_flow_never_import_prefect(args):
    assert "prefect" not in heavy_modules_loaded_by(args)


def heavy_modules_loaded_by(args: list[str]) -> set[str]:
    """Which of Prefect and SQLAlchemy running `workflows ARGS` in a fresh interpreter imports."""
    return modules_loaded_by(args, {"prefect", "sqlalchemy"})


def modules_loaded_by(args: list[str], watched: set[str]) -> set[str]:
    """Which of `watched` (a module, or a package with any of its modules) running `workflows ARGS` through the
    entry point in a fresh interpreter imports. The command must succeed: one that stopped early proves nothing."""
    probe = (
        "import sys\n"
        f"sys.argv = ['workflows', *{args!r}]\n"
        "from workflows.cli.main import main\n"
        "try:\n"
        "    main()\n"
        "finally:\n"
        f"    watched = {sorted(watched)!r}\n"
        "    loaded = {name for name in watched for module in list(sys.modules)"
        " if module == name or module.startswith(name + '.')}\n"
        "    print('LOADED: ' + ' '.join(sorted(loaded)))\n"
    )
    result = subprocess.run([sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    last = result.stdout.strip().splitlines()[-1]
    assert last.startswith("LOADED:"), result.stderr
    return set(last.removeprefix("LOADED:").split())


@pytest.mark.parametrize(
    "args",
    [
        ["validate"],
        ["validate", "processes/rapid-review.yaml"],
        ["simulate", "processes/rapid-review.yaml", "--start", "2026-12-18", "--json"],
    ],
)
def test_checking_definitions_never_imports_the_database_layer(args):
    assert heavy_modules_loaded_by(args) == set()


# What serves flows, pages and mail, and the database: no command that only reads definitions needs any of it.
FLOWS_PAGES_MAIL_AND_DATABASE = {
    "prefect",
    "sqlalchemy",
    "alembic",
    "psycopg",
    "jinja2",
    "aiosmtplib",
    "fastapi",
    "starlette",
    "uvicorn",
    "workflows.store",
    "workflows.operations",
    "workflows.notify",
    "workflows.dashboard",
    "workflows.web",
    "workflows.orchestration",
    "workflows.localrun",
}
# The process language and the partnership's config: `due` on the built-in calendar reads neither (it only looks
# whether config/calendar.yaml adds or moves bank holidays: workflows.config.locations, which imports nothing heavy).
LANGUAGE_AND_CONFIG = {
    "pydantic",
    "yaml",
    "workflows.yamlsource",
    "workflows.config.loader",
    "workflows.config.model",
    "workflows.definitions",
    "workflows.directory",
    "workflows.engine",
}


def test_due_imports_neither_the_language_nor_the_config_nor_anything_heavy():
    """`workflows due` on the built-in calendar is date arithmetic: it imports the calendar (its bank holidays read
    from the calendar's own table for the years it holds, not from the `holidays` package, which imports every
    country it knows) and click, nothing more. Not a timing: a named list of what it must never import."""
    due = ["due", "5 working days", "--from", "2026-12-18"]
    assert modules_loaded_by(due, FLOWS_PAGES_MAIL_AND_DATABASE | LANGUAGE_AND_CONFIG | {"holidays"}) == set()


@pytest.mark.parametrize(
    "args",
    [
        ["validate"],
        ["validate", "processes/rapid-review.yaml"],
        ["schema"],
        ["simulate", "rapid-review", "--start", "2026-12-18", "--json"],
        ["simulate", "rapid-review", "--start", "2026-12-18"],
        ["simulate", "processes/rapid-review.yaml", "--start", "2026-12-18", "--json"],
    ],
)
def test_checking_and_simulating_definitions_import_no_flow_page_mail_or_database_module(args):
    assert modules_loaded_by(args, FLOWS_PAGES_MAIL_AND_DATABASE) == set()


@pytest.mark.parametrize("args", [["validate"], ["validate", "processes/rapid-review.yaml"], ["schema"]])
def test_checking_definitions_counts_no_dates_so_never_imports_the_bank_holidays(args):
    assert modules_loaded_by(args, {"holidays"}) == set()


def test_every_command_is_where_the_entry_point_says():
    """The entry point imports a command's module only when it runs: each name must load a command of that name."""
    assert {name: load_command(where).name for name, where in COMMANDS.items()} == {name: name for name in COMMANDS}


def test_help_lists_every_command():
    result = run("--help")
    assert result.returncode == 0, result.stderr
    listed = result.stdout.split("Commands:\n", 1)[1].splitlines()
    assert [line.split()[0] for line in listed if line.strip()] == sorted(COMMANDS)
