"""`workflows cases`: the list of cases, its filters and its JSON contract, run as a user runs it."""

from __future__ import annotations

import json

AGENCIES = "--fact", "agencies=stoke-on-trent-city-council,staffordshire-police"
SECRET = "Jessamy Quillfeather"


def start_three(workflows) -> None:
    """A rapid review (with a sensitive fact), a CSPR paused three days later, a rapid review cancelled after."""
    rapid = ("start", "rapid-review", *AGENCIES, "--fact", "notification_date=2026-12-18")
    assert workflows(*rapid, "--fact", f"child_name={SECRET}").stdout == "RR-2026-001\n"
    cspr = ("start", "cspr", *AGENCIES, "--fact", "decision_date=2026-12-21", "--fact", f"child_pseudonym={SECRET}")
    assert workflows(*cspr, now="2026-12-21T11:00").stdout == "CSPR-2026-001\n"
    paused = workflows("pause", "CSPR-2026-001", "--reason", "family-proceedings", now="2026-12-22T09:00")
    assert paused.returncode == 0, paused.stderr
    assert workflows(*rapid, now="2026-12-22T12:00").stdout == "RR-2026-002\n"
    cancelled = workflows("cancel", "RR-2026-002", "--reason", "started twice", now="2026-12-23T15:00")
    assert cancelled.returncode == 0, cancelled.stderr


def test_cases_json_is_every_case_newest_first_with_stable_keys(workflows):
    start_three(workflows)
    result = workflows("cases", "--json", now="2027-01-13T10:00")
    assert result.returncode == 0, result.stderr
    listed = json.loads(result.stdout)
    assert [case["reference"] for case in listed] == ["RR-2026-002", "CSPR-2026-001", "RR-2026-001"]
    assert all(
        set(case) == {"reference", "process", "state", "started_at", "closed_at", "open_items", "overdue_items"}
        for case in listed
    )
    cancelled, paused, rapid = listed
    assert cancelled == {
        "reference": "RR-2026-002",
        "process": "rapid-review",
        "state": "cancelled",
        "started_at": "2026-12-22T12:00:00+00:00",
        "closed_at": "2026-12-23T15:00:00+00:00",
        "open_items": 0,
        "overdue_items": 0,
    }
    assert (paused["process"], paused["state"], paused["closed_at"]) == ("cspr", "paused", None)
    assert paused["open_items"] >= 1 and paused["overdue_items"] == 0  # its clock is stopped
    assert (rapid["state"], rapid["started_at"], rapid["closed_at"]) == ("open", "2026-12-18T10:00:00+00:00", None)
    # Only "request chronologies" is open (the agencies' returns wait for it), due 21 December: overdue.
    assert (rapid["open_items"], rapid["overdue_items"]) == (1, 1)


def test_cases_table_has_a_heading_london_dates_and_a_dash_for_open_cases(workflows):
    start_three(workflows)
    result = workflows("cases", now="2027-01-13T10:00")
    assert result.returncode == 0, result.stderr
    heading, *rows = result.stdout.splitlines()
    assert heading.split() == ["reference", "process", "state", "started", "closed", "open", "overdue"]
    assert [row.split() for row in rows] == [
        ["RR-2026-002", "rapid-review", "cancelled", "2026-12-22", "2026-12-23", "0", "0"],
        ["CSPR-2026-001", "cspr", "paused", "2026-12-21", "-", rows[1].split()[5], "0"],
        ["RR-2026-001", "rapid-review", "open", "2026-12-18", "-", "1", "1"],
    ]


def test_a_case_started_late_in_the_evening_in_summer_is_listed_on_its_london_date(workflows):
    started = workflows(
        "start", "rapid-review", *AGENCIES, "--fact", "notification_date=2026-06-30", now="2026-06-30T23:30+01:00"
    )
    assert started.returncode == 0, started.stderr
    (row,) = workflows("cases").stdout.splitlines()[1:]
    assert row.split()[3] == "2026-06-30"  # 22:30 UTC, but the 30th in London
    (case,) = json.loads(workflows("cases", "--json").stdout)
    assert case["started_at"] == "2026-06-30T23:30:00+01:00"


def test_cases_filters_by_process_and_state(workflows):
    start_three(workflows)

    def references(*args: str) -> list[str]:
        result = workflows("cases", "--json", *args)
        assert result.returncode == 0, result.stderr
        return [case["reference"] for case in json.loads(result.stdout)]

    assert references("--process", "rapid-review") == ["RR-2026-002", "RR-2026-001"]
    assert references("--state", "paused") == ["CSPR-2026-001"]
    assert references("--process", "rapid-review", "--state", "open") == ["RR-2026-001"]
    assert references("--state", "closed") == []
    assert references("--process", "joint-agency-response") == []  # known, with no cases
    assert workflows("cases", "--state", "closed").stdout == "no cases\n"


def test_an_unknown_process_is_one_line_naming_the_known_ones_and_the_nearest(workflows):
    start_three(workflows)
    result = workflows("cases", "--process", "rapid-reveiw")
    assert result.returncode == 2  # invalid input
    assert result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert line.startswith("error: unknown process 'rapid-reveiw' (did you mean 'rapid-review'?); known: cspr, ")
    assert "joint-agency-response" in line and "Traceback" not in result.stderr


def test_an_unknown_state_is_refused_by_the_option_itself(workflows):
    result = workflows("cases", "--state", "shut")
    assert result.returncode == 2 and "'shut' is not one of" in result.stderr


def test_cases_in_an_empty_folder_creates_no_database_and_names_the_file(workflows_without_database, tmp_path):
    result = workflows_without_database("cases")
    assert result.returncode == 4  # database unavailable
    assert result.stderr == (
        f"error: no workflows database at {tmp_path / 'var' / 'workflows.db'}: `workflows init` creates one there; "
        "set WORKFLOWS_DB_URL to open another\n"
    )
    assert not (tmp_path / "var").exists() and not list(tmp_path.rglob("*.db"))


def test_no_sensitive_fact_ever_appears(workflows):
    start_three(workflows)
    for args in (("cases",), ("cases", "--json"), ("cases", "--state", "paused", "--json")):
        result = workflows(*args)
        assert result.returncode == 0, result.stderr
        assert SECRET not in result.stdout and SECRET.split()[1] not in result.stdout
