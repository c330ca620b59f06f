"""Dates out of range at the command line (issue 12, section 1): `due`, `simulate`, `start` and `tick` answer, or
refuse in one line with the exit status of their kind (cli/errors.py: 1 for `due` and `simulate`, 2 for a bad fact
or clock), never a traceback. A refusal names the fact, never its value."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workflows.cli.main import cli
from workflows.store.database import open_database

REPO = Path(__file__).resolve().parents[2]
WORKFLOWS = str(Path(sys.executable).parent / "workflows")
AGENCY = "stoke-on-trent-city-council"
UNITS = ["working days", "calendar days", "hours", "weeks", "months", "years"]

amounts = st.integers(min_value=0, max_value=20_000).map(str) | st.integers(min_value=7, max_value=130).map(
    lambda digits: "1" * digits
)
days = st.dates(min_value=date(1, 1, 1), max_value=date.max)
anchors = days.map(date.isoformat) | st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime.max).map(
    lambda moment: moment.isoformat(timespec="minutes")
)


def one_clear_line(result, statuses: set[int]) -> None:
    """Answered (status 0), or one `error:` line with one of `statuses`; never an exception."""
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"{type(result.exception).__name__}: {result.exception}")
    if result.exit_code == 0:
        return
    assert result.exit_code in statuses, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr


@settings(max_examples=150, deadline=None)
@given(amount=amounts, unit=st.sampled_from(UNITS), anchor=anchors)
def test_due_answers_or_refuses_in_one_line(amount, unit, anchor):
    result = CliRunner().invoke(cli, ["due", f"{amount} {unit}", "--from", anchor])
    one_clear_line(result, {1})
    if result.exit_code == 0:
        assert len(result.stdout.splitlines()) == 1


@pytest.mark.slow  # a sweep of hostile values through the whole command: make test runs it
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(start=anchors, notified=days)
def test_simulate_answers_or_refuses_in_one_line(start, notified):
    args = ["simulate", "rapid-review", "--start", start, "--fact", f"notification_date={notified.isoformat()}"]
    result = CliRunner().invoke(cli, args, env=_env())
    one_clear_line(result, {1})


@pytest.fixture(scope="module")
def database(tmp_path_factory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('edges') / 'workflows.db'}"
    open_database(url, create=True).dispose()  # as `workflows init` makes it
    return url


@pytest.mark.slow  # a sweep of hostile values through the whole command: make test runs it
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(notified=days)
def test_start_answers_or_refuses_naming_the_fact_not_its_value(database, notified):
    value = notified.isoformat()
    result = CliRunner().invoke(
        cli,
        ["start", "rapid-review", "--fact", f"notification_date={value}", "--fact", f"agencies={AGENCY}"],
        env=_env(WORKFLOWS_DB_URL=database),
    )
    one_clear_line(result, {2})
    if result.exit_code:
        assert "notification_date" in result.stderr and value not in result.stderr


@pytest.mark.slow  # a sweep of hostile values through the whole command: make test runs it
@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(now=st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30)))
def test_tick_with_any_clock_sweeps_or_refuses_in_one_line(database, now):
    result = CliRunner().invoke(cli, ["tick"], env=_env(WORKFLOWS_DB_URL=database, WORKFLOWS_NOW=now.isoformat()))
    one_clear_line(result, {2})


def _env(**more: str) -> dict[str, str]:
    return {
        "WORKFLOWS_CONFIG": str(REPO / "config"),
        "WORKFLOWS_PROCESSES": str(REPO / "processes"),
        "WORKFLOWS_NOW": "2026-12-18T10:00",
        **more,
    }


@pytest.mark.parametrize(
    ("args", "env", "status"),
    [
        (["due", "10000 working days", "--from", "9990-01-01"], {}, 1),
        (["due", "100 years", "--from", "9950-01-01"], {}, 1),
        (["due", "72 hours", "--from", "9999-12-31T23:00"], {}, 1),
        (["due", f"{'1' * 120} working days", "--from", "2026-01-01"], {}, 1),
        (["simulate", "rapid-review", "--start", "9999-12-30"], {}, 1),
        (["start", "rapid-review", "--fact", "notification_date=9999-12-30", "--fact", f"agencies={AGENCY}"], {}, 2),
        (["tick"], {"WORKFLOWS_NOW": "9999-12-31T10:00"}, 2),
    ],
)
def test_the_issue_examples_as_a_user_runs_them(tmp_path, args, env, status):
    run_env = {**os.environ, **_env(), **env}
    run_env.pop("WORKFLOWS_DB_URL", None)
    open_database(f"sqlite:///{tmp_path / 'var' / 'workflows.db'}", create=True).dispose()  # `workflows init`
    result = subprocess.run([WORKFLOWS, *args], cwd=tmp_path, env=run_env, capture_output=True, text=True, timeout=60)
    assert result.returncode == status, result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert "9999-12-30" not in result.stderr or "--start" in result.stderr
