"""The database goes away in the middle of a real `workflows tick` (a file deleted or overwritten, PostgreSQL's
connections cut or its tables gone): the sweep stops at once with exit status 4 (cli/errors.py: database
unavailable) and one line naming the cause, never a traceback, a statement or a line per timer. Where the data
is still there (connections cut), the next tick finishes the work: every timer fired exactly once.

The fault is caused for real, from outside the process, once the tick has committed its first firings.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest
from faultlab import (
    RUN_TIMEOUT,
    SWEEP_AT,
    Backend,
    PostgresBackend,
    assert_clean_stderr,
    command_env,
    compare,
    engine_for,
    open_backend,
    reference_tick,
    run,
    snapshot,
    spawn,
)
from sqlalchemy import func, make_url, select, text

from workflows.store.schema import audit

CASES = 300  # about 500 due timers: a tick long enough to be caught in the middle
pytestmark = pytest.mark.slow  # real processes


def firings(url: str) -> int:
    engine = engine_for(url)
    try:
        with engine.connect() as connection:
            query = select(func.count()).select_from(audit).where(audit.c.action.in_(["overdue", "escalated"]))
            return connection.execute(query).scalar_one()
    finally:
        engine.dispose()


def sqlite_path(url: str) -> Path:
    return Path(make_url(url).database or "")


def delete_the_file(backend: Backend, url: str) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{sqlite_path(url)}{suffix}").unlink(missing_ok=True)


def overwrite_the_file(backend: Backend, url: str) -> None:
    path = sqlite_path(url)
    size = path.stat().st_size
    with path.open("r+b") as handle:  # the same file, its pages no longer a database
        handle.write(b"not a db" * (size // 8))


def cut_the_connections(backend: Backend, url: str) -> None:
    assert isinstance(backend, PostgresBackend)
    with backend.admin.begin() as connection:
        connection.execute(
            text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = :name"),
            {"name": backend.prefix},
        )


def drop_the_tables(backend: Backend, url: str) -> None:
    """The schema renamed away with the connections cut: every table is gone from where the sweeper looks."""
    assert isinstance(backend, PostgresBackend)
    with backend.admin.begin() as connection:
        connection.execute(text(f"ALTER SCHEMA {backend.round} RENAME TO {backend.round}_gone"))
    cut_the_connections(backend, url)


def restore_the_tables(backend: Backend) -> None:
    assert isinstance(backend, PostgresBackend)
    with backend.admin.begin() as connection:
        connection.execute(text(f"DROP SCHEMA IF EXISTS {backend.round} CASCADE"))
        connection.execute(text(f"ALTER SCHEMA {backend.round}_gone RENAME TO {backend.round}"))


FAULTS: list[tuple[str, str, Callable[[Backend, str], None], bool]] = [
    # (id, backend, fault, whether the data is still there afterwards)
    ("sqlite-file-deleted", "sqlite", delete_the_file, False),
    ("sqlite-file-overwritten", "sqlite", overwrite_the_file, False),
    ("postgresql-connections-cut", "postgresql", cut_the_connections, True),
    ("postgresql-tables-gone", "postgresql", drop_the_tables, False),
]


@pytest.mark.parametrize(
    ("backend_kind", "fault", "recoverable"),
    [
        pytest.param(kind, fault, recoverable, id=name, marks=[pytest.mark.postgres] if kind == "postgresql" else [])
        for name, kind, fault, recoverable in FAULTS
    ],
)
def test_a_tick_whose_database_goes_away_stops_with_one_line_and_status_4(
    backend_kind, fault, recoverable, tmp_path, figures
):
    backend = open_backend(backend_kind, tmp_path / "db", CASES)
    try:
        expected = reference_tick(backend, tmp_path)
        url = backend.fresh()
        before = firings(url)
        process = spawn(["tick"], command_env(url, SWEEP_AT), tmp_path)
        deadline = time.monotonic() + RUN_TIMEOUT
        while firings(url) == before:  # wait for the first committed batch: the sweep is under way
            assert process.poll() is None, "the tick finished before it could be caught in the middle"
            assert time.monotonic() < deadline
            time.sleep(0.01)
        fault(backend, url)
        out, err = process.communicate(timeout=RUN_TIMEOUT)
        lines = err.strip().splitlines()
        assert process.returncode == 4, (process.returncode, out, err[-3000:])
        assert len(lines) == 1 and lines[0].startswith("error: database: "), err[-3000:]
        assert_clean_stderr(err)
        for leak in ("SELECT", "INSERT", "UPDATE", "[SQL", "[parameters", "Jane Doe"):
            assert leak not in err, err
        measured = {"stderr_lines": len(lines), "said": lines[0][:120]}
        if backend_kind == "postgresql" and not recoverable:
            restore_the_tables(backend)
        if recoverable:
            again = run(["tick"], command_env(url, SWEEP_AT), tmp_path)
            assert again.returncode == 0, again.stderr
            compared = compare(snapshot(url), expected.snapshot)
            assert not compared.problems, compared.problems
            measured |= {"fired_once": compared.fired, "lost": compared.lost, "duplicated": compared.duplicated}
        figures(measured)
        backend.drop(url)
    finally:
        backend.close()


def test_the_same_fault_at_every_timer_is_one_line_per_cause(tmp_path):
    """A definition no longer to be found (its stored text damaged) fails every timer of its cases alike: each
    stays due, the sweep goes on with the rest, and the terminal gets one line for the cause and one tally."""
    backend = open_backend("sqlite", tmp_path / "db", 40)
    try:
        url = backend.fresh()
        engine = engine_for(url)
        with engine.begin() as connection:
            connection.execute(text("UPDATE definitions SET text = 'id: [broken'"))
        engine.dispose()
        result = run(["tick"], command_env(url, SWEEP_AT), tmp_path)
        assert result.returncode == 0, result.stderr
        assert "failed: " in result.stdout
        lines = result.stderr.strip().splitlines()
        assert 1 <= len(lines) <= 4, result.stderr[-3000:]
        assert_clean_stderr(result.stderr)
        assert any(line.startswith("error: case ") and "its timers stay due" in line for line in lines), lines
        assert any(" more like: " in line for line in lines), lines
    finally:
        backend.close()


def test_no_fault_no_noise(tmp_path):
    backend = open_backend("sqlite", tmp_path / "db", 10)
    try:
        result = run(["tick"], command_env(backend.fresh(), SWEEP_AT), tmp_path)
        assert result.returncode == 0 and result.stderr == ""
    finally:
        backend.close()
