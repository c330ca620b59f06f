"""What the main job says about sweeps and the Prefect server: once when they stop, once when they are back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from workflows.localrun.watches import SERVER_HANG_LIMIT, ServerWatch, SweepWatch

START = datetime(2026, 12, 7, 10, tzinfo=UTC)
EVERY = timedelta(seconds=60)


def test_no_sweep_for_two_intervals_is_said_once_and_so_is_their_return():
    watch = SweepWatch(EVERY, START)
    assert watch.check(None, START + timedelta(seconds=119)) is None
    said = watch.check(None, START + timedelta(seconds=120))
    assert said and said.startswith("no sweep has finished for 120 s (none has finished; the sweep runs every 60 s)")
    assert watch.check(None, START + timedelta(seconds=600)) is None
    back = watch.check(START + timedelta(seconds=650), START + timedelta(seconds=660))
    assert back == "sweeps are running again (one finished at 10:10:50)"
    assert watch.check(START + timedelta(seconds=700), START + timedelta(seconds=710)) is None


@given(st.lists(st.tuples(st.booleans(), st.integers(1, 200)), max_size=60))
def test_what_is_said_alternates_and_follows_the_gap_since_the_last_sweep(steps):
    """Against an oracle: a line is said exactly when the gap crosses two intervals, up or down."""
    watch = SweepWatch(EVERY, START)
    now, last, stalled = START, None, False
    for swept, seconds in steps:
        now += timedelta(seconds=seconds)
        if swept:
            last = now
        said = watch.check(last, now)
        late = now - (last or START) >= 2 * EVERY
        if late != stalled:
            assert said is not None and said.startswith("no sweep" if late else "sweeps are running again")
            stalled = late
        else:
            assert said is None


def test_a_server_unanswered_for_the_limit_is_started_again_and_given_as_long_again():
    watch = ServerWatch(START)
    assert watch.check(False, START + SERVER_HANG_LIMIT - timedelta(seconds=1)) is None
    assert (
        watch.check(False, START + SERVER_HANG_LIMIT)
        == "the Prefect server has not answered for 90 s: starting it again"
    )
    assert watch.check(False, START + SERVER_HANG_LIMIT + timedelta(seconds=30)) is None
    assert watch.check(True, START + 2 * SERVER_HANG_LIMIT) is None
    assert watch.check(False, START + 3 * SERVER_HANG_LIMIT - timedelta(seconds=1)) is None


def test_the_prefect_database_is_rewritten_without_what_was_removed(tmp_path):
    import sqlite3

    from workflows.localrun.mainjob import compact_prefect_database

    path = tmp_path / "prefect.db"
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA secure_delete = 0")  # as SQLite is built by default (Debian's turns it on)
    connection.execute("CREATE TABLE flow_run (id INTEGER PRIMARY KEY, parameters TEXT)")
    connection.executemany("INSERT INTO flow_run (parameters) VALUES (?)", [("x" * 500,)] * 50)
    run = '{"child_name": "Jane Doe-Marker", "notes": "' + "y" * 300 + '"}'
    connection.execute("INSERT INTO flow_run (parameters) VALUES (?)", (run,))
    connection.commit()
    connection.execute("UPDATE flow_run SET parameters = '{}' WHERE parameters LIKE '%Marker%'")  # the scrub
    connection.commit()
    connection.close()
    assert b"Jane Doe-Marker" in path.read_bytes()  # what SQLite leaves in the page it no longer uses

    compact_prefect_database(tmp_path)

    assert b"Jane Doe-Marker" not in path.read_bytes()
    assert sqlite3.connect(path).execute("SELECT count(*) FROM flow_run").fetchone() == (51,)
