"""`workflows overdue` writes each item as it reads it: its output is still the text the command printed when it
gathered every item first (`click.echo(json.dumps([item.as_json() for item in overdue(...)], indent=2))`)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from workflows.operations import reports
from workflows.operations.runtime import Runtime

REPO = Path(__file__).resolve().parents[2]
NOW = "2027-01-13T10:00"
AGENCIES = "--fact", "agencies=stoke-on-trent-city-council,staffordshire-police,midlands-partnership-foundation-trust"


@pytest.fixture
def small_known_database(workflows, tmp_path) -> Path:
    """Rapid reviews 4 working days late (three agency tasks each, escalated twice), a Joint Agency Response with
    hour deadlines, a rapid review just requested (at risk), a cancelled one (not listed): ticked at NOW."""

    def start(notified: str, now: str) -> str:
        started = workflows("start", "rapid-review", *AGENCIES, "--fact", f"notification_date={notified}", now=now)
        assert started.returncode == 0, started.stderr
        return started.stdout.strip()

    for notified in ("2026-12-17", "2026-12-18"):
        assert workflows("complete", start(notified, f"{notified}T10:00"), "request-chronologies").returncode == 0
    child_death = ("--fact", "death_datetime=2026-12-29T19:00", "--fact", "external_causes=true")
    assert workflows("trigger", "child-death", *child_death, now="2026-12-29T19:10").returncode == 0
    cancelled = start("2027-01-04", "2027-01-04T10:00")
    assert workflows("cancel", cancelled, "--reason", "opened in error", now="2027-01-04T11:00").returncode == 0
    start("2027-01-13", "2027-01-13T09:00")
    assert workflows("tick", now=NOW).returncode == 0
    return tmp_path / "var" / "workflows.db"


def gathered_first(database: Path, monkeypatch) -> list[dict]:
    """The items as the command gathered them before it streamed: every one, in one list."""
    monkeypatch.setenv("WORKFLOWS_NOW", NOW)
    runtime = Runtime.open(REPO / "config", REPO / "processes", f"sqlite:///{database}", create=False)
    try:
        return [item.as_json() for item in reports.overdue(runtime)]
    finally:
        runtime.db.dispose()


def test_the_streamed_json_is_the_text_printed_when_every_item_was_gathered_first(
    workflows, small_known_database, monkeypatch
):
    result = workflows("overdue", "--json", now=NOW)
    assert result.returncode == 0, result.stderr
    expected = gathered_first(small_known_database, monkeypatch)
    assert result.stdout == json.dumps(expected, indent=2) + "\n"
    assert len(expected) == 11  # 3 + 3 agency tasks, 4 JAR stages, 1 at risk
    assert {item["status"] for item in expected} == {"overdue", "at risk"}


def test_the_streamed_lines_list_every_item_in_the_same_order(workflows, small_known_database, monkeypatch):
    result = workflows("overdue", now=NOW)
    assert result.returncode == 0, result.stderr
    expected = gathered_first(small_known_database, monkeypatch)
    listed = [line.split()[0] for line in result.stdout.splitlines() if line and not line.startswith(" ")]
    assert listed == [item["reference"] for item in expected]


def test_an_empty_report_is_an_empty_array_and_says_so_in_words(workflows):
    assert workflows("start", "rapid-review", *AGENCIES, "--fact", "notification_date=2026-12-18").returncode == 0
    assert workflows("cancel", "RR-2026-001", "--reason", "opened in error").returncode == 0
    assert workflows("overdue", "--json").stdout == "[]\n"
    assert workflows("overdue").stdout == "nothing overdue or at risk\n"
