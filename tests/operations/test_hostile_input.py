"""Hostile input at the edge: references, addresses, names and free text that could break a message header or that
a database cannot store (NUL on PostgreSQL) are refused, from every interface, before anything is written.

The command line's answer is exit status 2 (invalid input), one line, no traceback, the value not echoed, and the
database exactly as it was. The operations API (which the flows and the task pages call) refuses the same values
with `InvalidInput` naming the field. Both on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import subprocess
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import MetaData, select

from workflows.cli.main import cli
from workflows.engine.commands import Cancel, Complete, Decide, Pause, Reassign
from workflows.operations import cases, extensions, reports
from workflows.operations.errors import InvalidInput
from workflows.operations.runtime import Runtime

REPO = Path(__file__).resolve().parents[2]
WORKFLOWS = str(REPO / ".venv" / "bin" / "workflows")
NOW = "2026-12-18T10:00"
AGENCIES = "stoke-on-trent-city-council,staffordshire-police"
FACTS = ("--fact", f"agencies={AGENCIES}", "--fact", "notification_date=2026-12-18")
GOOD = "karen.whitehurst@stoke-council.example"  # holds business-manager
STAGE = "request-chronologies"
SETTINGS = settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

# -- what hostile looks like -------------------------------------------------------------------------------------------

C0_AND_C1 = [chr(code) for code in range(0x20)] + ["\x7f"] + [chr(code) for code in range(0x80, 0xA0)]
LINE_ENDS = ["\r\n", "\r", "\n", "\r\nBcc: x@example.org", "\u2028"]
# What free text may not hold (tab and line ends it may).
NOT_IN_TEXT = [c for c in C0_AND_C1 if c not in "\t\n\r"]
_base = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1, max_size=20)


def _insert(parts: tuple[str, str, int]) -> str:
    base, bad, at = parts
    at %= len(base) + 1
    return base[:at] + bad + base[at:]


def with_one_of(base: st.SearchStrategy[str], bad: list[str] | st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    chosen = st.sampled_from(bad) if isinstance(bad, list) else bad
    return st.tuples(base, chosen, st.integers(0, 60)).map(_insert)


non_ascii = st.characters(min_codepoint=0xA0, max_codepoint=0x10FFFF, exclude_categories=("Cs",))

# NUL among them; inside the text, as a fact's value is trimmed of whitespace at its ends (some controls are that)
hostile_texts = st.tuples(_base, st.sampled_from(NOT_IN_TEXT), _base).map("".join)
hostile_names = with_one_of(_base, C0_AND_C1 + LINE_ENDS)
hostile_references = st.one_of(
    with_one_of(st.just("RR-X"), C0_AND_C1 + LINE_ENDS),
    with_one_of(st.just("RR-X"), non_ascii),
    with_one_of(st.just("RR-X"), list(" /_.:;,<>@'\"\\")),
    st.integers(41, 400).map(lambda n: "R" * n),
    _base.map(lambda text: "-" + text),
)
_address = st.tuples(_base, _base).map(lambda parts: f"{parts[0]}@{parts[1]}.example")
hostile_addresses = st.one_of(
    with_one_of(_address, C0_AND_C1 + LINE_ENDS),  # control characters anywhere, line ends, NUL
    with_one_of(_address, non_ascii),
    _address.map(lambda address: f"Some Name <{address}>"),  # a display name
    _address.map(lambda address: f"<{address}>"),
    st.tuples(_address, _address).map(lambda pair: f"{pair[0]},{pair[1]}"),  # a list
    _base,  # no @
    _base.map(lambda text: f"{text}@localhost"),  # no domain
    _base.map(lambda text: f'"{text} x"@example.org'),  # a quoted local part
    _base.map(lambda text: f"{text}@[127.0.0.1]"),  # a domain literal
    _base.map(lambda text: f"{text}@@example.org"),
    st.integers(250, 400).map(lambda n: "a" * n + "@example.org"),  # too long
    st.just(""),
)

# -- the command line, in process (so NUL can be passed, as no shell could) -------------------------------------------

COMMANDS = {
    # name: (strategy, argv for the hostile value h); a hostile positional comes after "--", as a shell user would
    # have to put one starting with a dash
    "start --ref": (hostile_references, lambda h: ["start", "rapid-review", f"--ref={h}", *FACTS]),
    "start --by": (hostile_addresses, lambda h: ["start", "rapid-review", f"--by={h}", *FACTS]),
    "start --fact": (hostile_texts, lambda h: ["start", "rapid-review", *FACTS, "--fact", f"child_name={h}"]),
    "complete --by": (hostile_addresses, lambda h: ["complete", "{ref}", STAGE, f"--by={h}"]),
    "complete --note": (hostile_texts, lambda h: ["complete", "{ref}", STAGE, f"--note={h}"]),
    "complete --task": (hostile_names, lambda h: ["complete", "{ref}", "agency-chronology", f"--task={h}"]),
    "complete REF": (hostile_names, lambda h: ["complete", "--", h, STAGE]),
    "complete STAGE": (hostile_names, lambda h: ["complete", "--", "{ref}", h]),
    "decide --by": (hostile_addresses, lambda h: ["decide", "{ref}", "dsp-decision", "no-further-review", f"--by={h}"]),
    "decide --note": (hostile_texts, lambda h: ["decide", "{ref}", "dsp-decision", "no-further-review", f"--note={h}"]),
    "pause --reason": (hostile_texts, lambda h: ["pause", "{ref}", f"--reason={h}"]),
    "cancel --reason": (hostile_texts, lambda h: ["cancel", "{ref}", f"--reason={h}"]),
    "reassign --to": (hostile_addresses, lambda h: ["reassign", "{ref}", STAGE, f"--to={h}", "--reason=leave"]),
    "reassign --reason": (hostile_texts, lambda h: ["reassign", "{ref}", STAGE, f"--to={GOOD}", f"--reason={h}"]),
    "reassign --by": (
        hostile_addresses,
        lambda h: ["reassign", "{ref}", STAGE, f"--to={GOOD}", "--reason=x", f"--by={h}"],
    ),
    "extend --approved-by": (
        hostile_addresses,
        lambda h: ["extend", "{ref}", STAGE, "1 working day", "--reason=absence", f"--approved-by={h}"],
    ),
    "extend --reason": (
        hostile_texts,
        lambda h: ["extend", "{ref}", STAGE, "1 working day", f"--reason={h}", f"--approved-by={GOOD}"],
    ),
    "request-extension --by": (
        hostile_addresses,
        lambda h: ["request-extension", "{ref}", STAGE, "1 working day", "--reason=absence", f"--by={h}"],
    ),
    "request-extension --reason": (
        hostile_texts,
        lambda h: ["request-extension", "{ref}", STAGE, "1 working day", f"--reason={h}", f"--by={GOOD}"],
    ),
    "approve-extension --by": (hostile_addresses, lambda h: ["approve-extension", "{ref}", "1", f"--by={h}"]),
    "refuse-extension --by": (hostile_addresses, lambda h: ["refuse-extension", "{ref}", "1", f"--by={h}"]),
    "trigger --fact": (
        hostile_texts,
        lambda h: ["trigger", "child-death", "--fact", "sudden_unexplained=true", "--fact", f"child_name={h}"],
    ),
    "trigger --by": (hostile_addresses, lambda h: ["trigger", "child-death", "--fact", "x=1", f"--by={h}"]),
    "status REF": (hostile_names, lambda h: ["status", "--", h]),
    "history REF": (hostile_names, lambda h: ["history", "--", h]),
}


def snapshot(runtime: Runtime) -> dict[str, list[tuple]]:
    """Every row of every table: what "the database is unchanged" compares."""
    metadata = MetaData()
    metadata.reflect(runtime.db)
    with runtime.db.connect() as connection:
        return {
            table.name: sorted(map(tuple, connection.execute(select(table))), key=repr)
            for table in metadata.sorted_tables
        }


@pytest.fixture
def opened(db_url, monkeypatch):
    """A database with one rapid review, and the environment the CLI reads."""
    monkeypatch.setenv("WORKFLOWS_NOW", NOW)
    runtime = Runtime.open(REPO / "config", REPO / "processes", db_url, create=True)
    facts = {"notification_date": date(2026, 12, 18), "agencies": AGENCIES.split(",")}
    reference = cases.start(runtime, "rapid-review", facts)[0]
    env = {
        "WORKFLOWS_NOW": NOW,
        "WORKFLOWS_DB_URL": db_url,
        "WORKFLOWS_CONFIG": str(REPO / "config"),
        "WORKFLOWS_PROCESSES": str(REPO / "processes"),
    }
    yield runtime, reference, env
    runtime.db.dispose()


def assert_refused_as_invalid_input(result, value: str) -> None:
    assert result.exit_code == 2, (result.exit_code, result.output, result.exception)
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert "Traceback" not in result.stderr
    if len(value.strip()) >= 4:
        assert value not in result.stderr  # what was refused may be anything: never echoed


@pytest.mark.slow  # 27 commands, each a Hypothesis sweep through the whole command line: make test runs it
@pytest.mark.parametrize("command", COMMANDS)
def test_hostile_values_on_the_command_line_are_invalid_input_and_change_nothing(opened, command):
    runtime, reference, env = opened
    strategy, argv = COMMANDS[command]
    before = snapshot(runtime)
    runner = CliRunner()

    @SETTINGS
    @given(value=strategy)
    def refused(value: str) -> None:
        args = [arg.replace("{ref}", reference) if arg == "{ref}" else arg for arg in argv(value)]
        result = runner.invoke(cli, args, env=env, catch_exceptions=False)
        assert_refused_as_invalid_input(result, value)
        assert snapshot(runtime) == before

    refused()


def test_the_issues_examples_through_the_installed_command(tmp_path):
    """As a shell runs it: `--ref $'RR-X\\r\\nBcc: x@example.org'` and the same in `reassign --to`."""
    env = {
        "PATH": "/usr/bin:/bin",
        "WORKFLOWS_NOW": NOW,
        "WORKFLOWS_CONFIG": str(REPO / "config"),
        "WORKFLOWS_PROCESSES": str(REPO / "processes"),
    }

    def workflows(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([WORKFLOWS, *args], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)

    assert workflows("init").returncode == 0
    injected = "RR-X\r\nBcc: x@example.org"
    refused = workflows("start", "rapid-review", "--ref", injected, *FACTS)
    assert refused.returncode == 2 and refused.stdout == ""
    assert refused.stderr.count("\n") == 1 and "Traceback" not in refused.stderr and "Bcc" not in refused.stderr
    started = workflows("start", "rapid-review", *FACTS)
    assert started.returncode == 0, started.stderr
    reference = started.stdout.strip()
    history = workflows("history", reference).stdout
    refused = workflows("reassign", reference, STAGE, "--to", "x@example.org\r\nBcc: y@example.org", "--reason", "r")
    assert refused.returncode == 2 and refused.stderr.count("\n") == 1 and "Traceback" not in refused.stderr
    assert refused.stderr.startswith("error: ") and "Bcc" not in refused.stderr
    assert workflows("history", reference).stdout == history


# -- the operations API: what the flows and the task pages call --------------------------------------------------------


@SETTINGS
@given(data=st.data())
def test_the_operations_refuse_control_characters_in_every_text_they_store(opened, data):
    """NUL (which PostgreSQL cannot store in text) and the other control characters, in notes, reasons, facts and
    people, from the API every interface shares: InvalidInput naming the field, nothing written."""
    runtime, reference, _ = opened
    text = data.draw(hostile_texts, label="text")
    address = data.draw(hostile_addresses, label="address")
    before = snapshot(runtime)
    attempts = {
        "note": lambda: cases.run(runtime, reference, Complete(STAGE, None, GOOD, text)),
        "reason": lambda: cases.run(runtime, reference, Cancel(text, GOOD)),
        "by": lambda: cases.run(runtime, reference, Pause("criminal-proceedings", address)),
        "to": lambda: cases.run(runtime, reference, Reassign(STAGE, address, "leave")),
        "facts": lambda: cases.start(runtime, "rapid-review", {"agencies": [], "child_name": text}),
        "option": lambda: cases.run(runtime, reference, Decide("dsp-decision", text)),
        "reference": lambda: cases.start(runtime, "rapid-review", {"agencies": []}, reference=f"RR-{text}"),
    }
    for field, attempt in attempts.items():
        with pytest.raises(InvalidInput) as refused:
            attempt()
        assert refused.value.field == field
        assert "\n" not in str(refused.value)
    with pytest.raises(InvalidInput):
        extensions.request(runtime, reference, STAGE, "1 working day", text, GOOD)
    assert snapshot(runtime) == before


@SETTINGS
@given(
    lines=st.lists(st.text(alphabet="abc \t", max_size=10), min_size=1, max_size=4),
    ending=st.sampled_from(["\r\n", "\r", "\n"]),
)
def test_line_ends_and_tabs_in_a_note_are_kept_as_newlines(opened, lines, ending):
    """A page's form sends its text area's line ends as CRLF: the note is kept, with `\\n` for each."""
    runtime, _, _ = opened
    facts = {"notification_date": date(2026, 12, 18), "agencies": AGENCIES.split(",")}
    reference = cases.start(runtime, "rapid-review", facts)[0]
    state = cases.run(runtime, reference, Complete(STAGE, None, GOOD, ending.join(lines)))
    assert state.stages[STAGE].note == "\n".join(lines)
    (done,) = [entry for entry in reports.history(runtime, reference) if entry["action"] == "stage-done"]
    assert "\r" not in done["detail"]
