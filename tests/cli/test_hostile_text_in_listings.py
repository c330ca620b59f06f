"""Text from people and servers is text in a terminal (issue 21, class 1): reasons, notes and a mail server's
answers, whatever they hold (line ends, escape sequences, bidirectional controls, Markdown, table pipes), come out
of every listing on the lines they belong to. `history` prints one line per entry, so no reason can forge another;
no listing writes a character a terminal acts on."""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner
from hostile_text import hostile
from hypothesis import HealthCheck, given, settings
from sqlalchemy import create_engine, update

from workflows.cli.main import cli
from workflows.store.schema import outbox

REPO = Path(__file__).resolve().parents[2]
POLICE_LEAD = "ben.harrison@police.example"
APPROVER = "karen.whitehurst@stoke-council.example"
# What a terminal acts on: controls (a line end ends the line), bidirectional controls.
ACTED_ON = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def as_reason(text: str) -> str:
    kept = "".join(c for c in text if c in "\t\n\r" or not (ord(c) < 32 or 0x7F <= ord(c) <= 0x9F))
    return kept if kept.strip() else f"x{kept}"


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(reason=hostile, note=hostile, answer=hostile)
def test_every_listing_keeps_each_entry_on_its_line(tmp_path_factory, reason, note, answer):
    folder = tmp_path_factory.mktemp("listings")
    url = f"sqlite:///{folder / 'w.db'}"
    env = {
        "WORKFLOWS_CONFIG": str(REPO / "config"),
        "WORKFLOWS_PROCESSES": str(REPO / "processes"),
        "WORKFLOWS_DB_URL": url,
        "WORKFLOWS_NOW": "2027-01-11T10:00",
    }
    runner = CliRunner()

    def run(*args: str):
        result = runner.invoke(cli, list(args), env=env, catch_exceptions=False)
        assert result.exit_code == 0, (args, result.output)
        return result.output

    run("init")
    reference = run("start", "section-11-audit").strip()
    run("complete", reference, "launch", "--note", as_reason(note))
    police = ("self-assessment", "--task", "staffordshire-police")
    run(
        "request-extension",
        reference,
        police[0],
        "2 working days",
        "--reason",
        as_reason(reason),
        "--by",
        POLICE_LEAD,
        *police[1:],
    )
    run("approve-extension", reference, "1", "--by", APPROVER)
    engine = create_engine(url)
    with engine.begin() as connection:  # an older version kept a server's answer as it came
        connection.execute(update(outbox).values(status="failed", error=answer.replace("\x00", "") or "x"))
    engine.dispose()

    from workflows.operations import reports
    from workflows.operations.runtime import Runtime

    runtime = Runtime.open(REPO / "config", REPO / "processes", url, create=True)
    entries = len(reports.history(runtime, reference))
    runtime.db.dispose()
    history = run("history", reference)
    assert len(history.splitlines()) == entries, history
    for listing in (
        history,
        run("explain", reference, *police),
        run("outbox"),
        run("overdue"),
        run("status", reference),
        run("cases"),
    ):
        assert not ACTED_ON.search(listing), repr(listing)
    assert all(re.match(r"\d{4}-\d\d-\d\dT", line) for line in history.splitlines())  # no forged entry
