"""The DSP view knows every case changed since it last published, whatever changed it."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workflows.engine.commands import Cancel, Complete, Pause, Reassign, Resume
from workflows.notify.delivery import deliver
from workflows.notify.settings import SmtpSettings
from workflows.operations import cases
from workflows.operations.sweeper import tick
from workflows.store.view_revisions import changed_cases, mark_published, touch_cases


@pytest.fixture
def runtime(tmp_path, config_dir, db_url, demo_text):
    """The demo process (pauses and extensions allowed) on the minimal config."""
    from workflows.operations.runtime import Runtime

    processes = tmp_path / "processes"
    processes.mkdir()
    (processes / "demo.yaml").write_text(demo_text)
    opened = Runtime.open(config_dir, processes, db_url, create=True)
    yield opened
    opened.db.dispose()


def start(runtime) -> str:
    facts = {"notified_on": date(2026, 12, 18), "agencies": ["city-council", "police"]}
    return cases.start(runtime, "demo", facts)[0]


def publish_all(runtime) -> list[str]:
    """What a sweep does: read the changed cases, publish them, record what was published."""
    with runtime.db.begin() as connection:
        changed = changed_cases(connection, limit=1000)
        mark_published(connection, changed)
    return [case.reference for case in changed]


def changed(runtime) -> list[str]:
    with runtime.db.connect() as connection:
        return [case.reference for case in changed_cases(connection, limit=1000)]


def test_a_new_case_is_published_once(runtime, set_clock):
    set_clock("2026-12-18T10:00")
    reference = start(runtime)
    assert publish_all(runtime) == [reference]
    assert publish_all(runtime) == []


# Each way a case changes, as the CLI, the flows, the task pages and the sweep make them.
CHANGES = {
    "complete": lambda rt, ref: cases.run(rt, ref, Complete("request")),
    "pause": lambda rt, ref: cases.run(rt, ref, Pause("criminal-proceedings")),
    "reassign": lambda rt, ref: cases.run(rt, ref, Reassign("request", "someone@example.org", "leave")),
    "extend": lambda rt, ref: cases.extend(rt, ref, "request", "2 working days", "late", "cal@partnership.example"),
    "cancel": lambda rt, ref: cases.run(rt, ref, Cancel("opened in error")),
}


@pytest.mark.parametrize("change", CHANGES)
def test_every_kind_of_change_is_seen_by_the_next_publication(runtime, set_clock, change):
    set_clock("2026-12-18T10:00")
    reference = start(runtime)
    other = start(runtime)
    publish_all(runtime)
    CHANGES[change](runtime, reference)
    assert changed(runtime) == [reference]
    assert publish_all(runtime) == [reference] and other not in changed(runtime)


def test_resuming_is_seen_too(runtime, set_clock):
    set_clock("2026-12-18T10:00")
    reference = start(runtime)
    cases.run(runtime, reference, Pause("criminal-proceedings"))
    publish_all(runtime)
    cases.run(runtime, reference, Resume())
    assert changed(runtime) == [reference]


def test_the_sweeps_firings_and_each_messages_delivery_are_seen(runtime, set_clock, smtp):
    set_clock("2026-12-18T10:00")
    reference = start(runtime)
    publish_all(runtime)
    assert deliver(runtime, SmtpSettings.from_environment())["sent"] == 1  # the task to the business manager
    assert changed(runtime) == [reference]
    publish_all(runtime)
    set_clock("2026-12-22T10:00")  # the first stage (due Monday 21st) is overdue
    assert tick(runtime)
    assert changed(runtime) == [reference]


def test_a_change_made_while_publishing_is_published_next_time(runtime, set_clock):
    set_clock("2026-12-18T10:00")
    reference = start(runtime)
    with runtime.db.connect() as connection:
        seen = changed_cases(connection, limit=10)  # the sweep reads, then publishes ...
    cases.run(runtime, reference, Complete("request"))  # ... while a page records this
    with runtime.db.begin() as connection:
        mark_published(connection, seen)
    assert changed(runtime) == [reference]


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(
        st.tuples(st.sampled_from(["touch", "read", "mark"]), st.integers(min_value=0, max_value=3)),
        max_size=25,
    )
)
def test_no_interleaving_of_changes_and_publications_loses_a_change(runtime, set_clock, script):
    """Property: whatever the interleaving of changes, reads and recorded publications, a case changed after
    the read of its last recorded publication is still listed as changed."""
    set_clock("2026-12-18T10:00")
    references = {start(runtime) for _ in range(4)}
    with runtime.db.begin() as connection:
        fresh = [case for case in changed_cases(connection, limit=1000) if case.reference in references]
        mark_published(connection, fresh)
    ids = [case.id for case in fresh]
    changes = {case_id: 0 for case_id in ids}  # how many times each case has changed
    shown = dict(changes)  # how many of those the recorded publications have shown
    reads: list[tuple[list, dict[int, int]]] = []  # what a publication read, and the changes as it read them
    for action, which in script:
        with runtime.db.begin() as connection:
            if action == "touch":
                touch_cases(connection, [ids[which]])
                changes[ids[which]] += 1
            elif action == "read":
                reads.append((changed_cases(connection, limit=1000), dict(changes)))
            elif reads:
                read, as_read = reads.pop(0)
                mark_published(connection, read)
                for case in read:
                    if case.id in shown:
                        shown[case.id] = max(shown[case.id], as_read[case.id])
    with runtime.db.connect() as connection:
        listed = {case.id for case in changed_cases(connection, limit=1000)}
    assert {case_id for case_id in ids if changes[case_id] > shown[case_id]} <= listed
