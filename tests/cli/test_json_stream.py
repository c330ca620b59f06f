"""The streamed JSON array is the text `click.echo(json.dumps(values, indent=2))` printed, whatever the values, and
the spool prints what was written only when the command got to the end."""

from __future__ import annotations

import io
import json

import click
import pytest
from click.testing import CliRunner

from workflows.cli import spooled_output
from workflows.cli.json_stream import write_json_array
from workflows.cli.spooled_output import spooled_stdout

VALUES = [
    [],
    [{}],
    [[]],
    [{"reference": "RR-2026-001", "task": None, "undelivered": []}],
    [
        {"reference": "RR-2026-001", "due": "2027-01-07T23:59:00+00:00", "level": 2, "undelivered": ["a: b", "c"]},
        {"reference": "RR-2026-002", "agency": 'Café \u2013 "quoted"\nnewline\\', "undelivered": [], "late": 0.5},
        {"nested": {"deeper": [1, {"deepest": [True, False, None]}]}},
    ],
    ["text", 3, None, True],
]


@pytest.mark.parametrize("values", VALUES)
@pytest.mark.parametrize("batch", [1, 2, 500])
def test_the_streamed_array_is_the_text_json_dumps_gives(values, batch):
    out = io.StringIO()
    assert write_json_array(iter(values), out, batch=batch) == len(values)
    assert out.getvalue() == json.dumps(values, indent=2) + "\n"


@pytest.mark.parametrize("batch", [1, 3])
def test_values_are_written_a_batch_at_a_time(batch):
    """Nothing waits for the whole array: by the time a value is read, every batch before its own is written."""
    out = io.StringIO()
    written_before = []

    def values():
        for number in range(7):
            written_before.append(out.getvalue().count('"number"'))
            yield {"number": number}

    write_json_array(values(), out, batch=batch)
    assert written_before == [number - number % batch for number in range(7)]
    assert out.getvalue() == json.dumps([{"number": number} for number in range(7)], indent=2) + "\n"


@click.command()
@click.option("--fail", is_flag=True)
@click.option("--lines", default=3)
def spooling(fail: bool, lines: int) -> None:
    with spooled_stdout() as out:
        for number in range(lines):
            out.write(f"line {number}\n")
        if fail:
            raise click.ClickException("failed half-way")


@pytest.mark.parametrize("lines", [0, 3, 20_000])
def test_the_spool_prints_everything_written_in_order(lines, monkeypatch):
    monkeypatch.setattr(spooled_output, "IN_MEMORY_CHARS", 1000)  # 20,000 lines go to a temporary file
    monkeypatch.setattr(spooled_output, "PRINT_CHARS", 777)
    result = CliRunner().invoke(spooling, ["--lines", str(lines)])
    assert result.exit_code == 0
    assert result.output == "".join(f"line {number}\n" for number in range(lines))


def test_a_command_that_fails_half_way_prints_none_of_its_spool():
    result = CliRunner().invoke(spooling, ["--fail"])
    assert result.exit_code == 1
    assert "line" not in result.output and "failed half-way" in result.output
