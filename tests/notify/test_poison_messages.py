"""A message that cannot be built never stops the others: it is failed with its reason, and every good one goes.

The poison rows are written straight into the store, as a database written by an older version may hold them
(the edge now refuses every one of these values: tests/operations/test_hostile_input.py): a line end, NUL or another
control character, a letter outside ASCII, or sheer length in a message's key, its recipient or its case's
reference. Delivery runs against the real SMTP server on loopback.
"""

from __future__ import annotations

import itertools
from datetime import date, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, update

from workflows import clock
from workflows.dashboard.overdue import overdue_table
from workflows.dashboard.views import overdue_list
from workflows.engine.effects import Notify
from workflows.engine.parties import Audience, Party
from workflows.engine.vocabulary import MessageKind
from workflows.notify.delivery import deliver
from workflows.operations import cases, reports
from workflows.store.outbox import queue_messages
from workflows.store.schema import cases as case_table
from workflows.store.schema import outbox

AGENCIES = ["stoke-on-trent-city-council", "staffordshire-police"]
WORKING_MORNING = "2026-12-18T10:00"  # a Friday in working hours: ordinary messages go at once
CONTROLS = [chr(code) for code in range(0x20)] + ["\x7f"] + [chr(code) for code in range(0x80, 0xA0)]
INJECTIONS = ["\r\n", "\r\nBcc: x@example.org", "\nX-Injected: yes", "\r\n\r\nbody"]
_counter = itertools.count()


def _insert(parts: tuple[str, str, int]) -> str:
    base, poison, at = parts
    at %= len(base) + 1
    return base[:at] + poison + base[at:]


def hostile_values(sqlite: bool) -> st.SearchStrategy[str]:
    """Values no header may carry. PostgreSQL cannot hold NUL or text longer than its columns, so an old database
    there cannot hold those: they are generated for SQLite only."""
    base = st.text(alphabet="abcdefghijklmnopqrstuvwxyzRR0123456789-@.", min_size=1, max_size=30)
    controls = [c for c in CONTROLS if sqlite or c != "\x00"]
    with_control = st.tuples(base, st.sampled_from(controls + INJECTIONS), st.integers(0, 40)).map(_insert)
    letters = st.characters(min_codepoint=0xA0, max_codepoint=0x10FFFF, exclude_categories=("Cs",))
    non_ascii = st.tuples(base, letters, st.integers(0, 40)).map(_insert)
    choices = [with_control, non_ascii]
    if sqlite:
        choices.append(st.integers(1000, 5000).map(lambda n: "R" * n))  # longer than any header line may be
    return st.one_of(*choices)


def start_good_case(runtime) -> str:
    facts = {"notification_date": date(2026, 12, 18), "agencies": AGENCIES, "child_name": "Zebedee Quillfeather"}
    return cases.start(runtime, "rapid-review", facts)[0]


def rows_of(runtime, reference: str) -> list:
    with runtime.db.connect() as connection:
        query = (
            select(outbox)
            .join(case_table, case_table.c.id == outbox.c.case_id)
            .where(case_table.c.reference == reference)
            .order_by(outbox.c.id)
        )
        return list(connection.execute(query))


def case_id_of(runtime, reference: str) -> int:
    with runtime.db.connect() as connection:
        return connection.execute(select(case_table.c.id).where(case_table.c.reference == reference)).scalar_one()


def chronologies_notice(key: str, assignee: str | None = None) -> Notify:
    """One more task-assigned message about a rapid review's first stage, under `key` (to `assignee` in place of the
    role, when given)."""
    return Notify(
        key=key,
        kind=MessageKind.TASK_ASSIGNED,
        stage="request-chronologies",
        task=None,
        role="business-manager",
        audience=Audience((Party(person=assignee) if assignee else Party("business-manager"),)),
        details={"due_version": 0, "number": 1},
    )


def poison_row(runtime, where: str, value: str) -> tuple[int, str]:
    """Put one message that cannot be built in the outbox, bypassing every check; its id and the value stored
    (made unique where the column is)."""
    reference = start_good_case(runtime)
    case_id = case_id_of(runtime, reference)
    number = next(_counter)
    with runtime.db.begin() as connection:
        if where == "reference":
            value = f"{value}{number}"
            connection.execute(update(case_table).where(case_table.c.id == case_id).values(reference=value))
            return connection.execute(select(outbox.c.id).where(outbox.c.case_id == case_id)).scalar_one(), value
        # the case's own message is delivered like any good one; the poison row is another about its first stage
        if where == "key":
            value = f"{value}/{number}"
        key = value if where == "key" else f"{reference}/request-chronologies/poison-{number}"
        message = chronologies_notice(key, assignee=value if where == "assignee" else None)
        queue_messages(connection, [(case_id, message)], clock.now())
        return connection.execute(select(outbox.c.id).where(outbox.c.key == key)).scalar_one(), value


def delivered_keys(smtp) -> set[str]:
    return {received.message["X-Workflows-Key"] for received in smtp.mailbox.received}


def check_all_resolved(runtime, smtp, good: list[str], poison_ids: list[int], values: list[str]) -> None:
    """Every good case's messages arrived; every poison row is failed with a one-line reason not repeating it."""
    arrived = delivered_keys(smtp)
    for reference in good:
        for row in rows_of(runtime, reference):
            assert row.status == "sent", (row.status, row.error)
            assert row.key in arrived
    with runtime.db.connect() as connection:
        for row_id, value in zip(poison_ids, values, strict=True):
            row = connection.execute(select(outbox).where(outbox.c.id == row_id)).one()
            assert row.status == "failed"
            assert row.error and row.error.isprintable() and row.error.isascii(), row.error
            assert "cannot be built" in row.error
            if len(value) > 3:
                assert value not in row.error
        stuck = connection.execute(select(outbox.c.id).where(outbox.c.status == "pending")).all()
    assert stuck == []  # nothing waits behind a poison row


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_poison_rows_are_failed_with_a_reason_and_every_good_message_arrives(shipped_runtime, smtp, set_clock, data):
    set_clock(WORKING_MORNING)
    runtime = shipped_runtime
    smtp.mailbox.reset()
    sqlite = runtime.db.dialect.name == "sqlite"
    targets = data.draw(st.lists(st.sampled_from(["key", "assignee", "reference"]), min_size=1, max_size=3))
    values = [data.draw(hostile_values(sqlite), label=f"poison {target}") for target in targets]
    good = [start_good_case(runtime)]
    poison_ids, stored = [], []
    for target, value in zip(targets, values, strict=True):
        row_id, value = poison_row(runtime, target, value)
        poison_ids.append(row_id)
        stored.append(value)
        good.append(start_good_case(runtime))  # queued after the poison: must not wait behind it
    report = deliver(runtime, batch_size=3)  # several batches: a poison row is never the end of one
    assert report["failed"] == len(poison_ids)
    check_all_resolved(runtime, smtp, good, poison_ids, stored)
    assert deliver(runtime) == {}  # a failed row is not tried again


def test_a_poison_message_about_an_overdue_item_is_shown_in_overdue_and_the_dsp_view(shipped_runtime, smtp, set_clock):
    set_clock(WORKING_MORNING)
    runtime = shipped_runtime
    row_id, _ = poison_row(runtime, "assignee", "Bea <bea@example.org>\r\nBcc: x@example.org")
    deliver(runtime)
    later = clock.now() + timedelta(days=5)  # request-chronologies is due by then
    (item,) = [item for item in reports.overdue(runtime, later) if item.stage == "request-chronologies"]
    (problem,) = item.undelivered
    assert problem.startswith("task-assigned: cannot be built: no valid recipient address")
    table = overdue_table(overdue_list(runtime, later), later)
    assert "Messages not delivered" in table and "1 undelivered" in table
    with runtime.db.connect() as connection:
        assert connection.execute(select(outbox.c.status).where(outbox.c.id == row_id)).scalar_one() == "failed"


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(length=st.integers(60, 300))  # keys up to MAX_KEY_LENGTH (400)
def test_long_keys_and_message_ids_arrive_unfolded(shipped_runtime, smtp, set_clock, length):
    """Headers are folded only past 998 characters: folded at 78, a long X-Workflows-Key or Message-ID reads back
    with a leading space, and a mail filter matching on it misses the message."""
    set_clock(WORKING_MORNING)
    runtime = shipped_runtime
    smtp.mailbox.reset()
    reference = start_good_case(runtime)
    key = f"{reference}/request-chronologies[{'x' * length}]/reminder-1/v0"
    case_id = case_id_of(runtime, reference)
    with runtime.db.begin() as connection:
        queue_messages(connection, [(case_id, chronologies_notice(key))], clock.now())
    deliver(runtime)
    received = [r.message for r in smtp.mailbox.received if key in str(r.message["X-Workflows-Key"])]
    assert received and all(str(m["X-Workflows-Key"]) == key for m in received)
    assert all(not any(c.isspace() for c in str(m["Message-ID"])) for m in received)


def test_every_failed_message_is_shown_in_overdue_and_the_dsp_view_whatever_it_was_about(
    shipped_runtime, smtp, set_clock, db_url
):
    """A failed message about an item not yet overdue, or about nothing (a partnership-wide message), is listed
    too: nobody received it, and nobody would know otherwise."""
    from click.testing import CliRunner

    from workflows.cli.main import cli

    set_clock(WORKING_MORNING)
    runtime = shipped_runtime
    reference = start_good_case(runtime)
    poison_row(runtime, "assignee", "not an address\r\nBcc: x@example.org")
    with runtime.db.begin() as connection:  # a partnership-wide message whose key an old version wrote badly
        digest = Notify(
            key="daily-digest/\r\n2026-12-18",
            kind=MessageKind.DAILY_DIGEST,
            stage=None,
            task=None,
            role="business-manager",
            audience=Audience((Party("business-manager"),)),
            details={},
        )
        queue_messages(connection, [(None, digest)], clock.now())
    deliver(runtime)
    failed = reports.undelivered(runtime)
    assert {message.kind for message in failed} == {"task-assigned", "daily-digest"}
    assert all(message.reason.startswith("cannot be built") for message in failed)
    assert any(message.line().startswith("partnership daily-digest: cannot be built") for message in failed)
    # Nothing is overdue yet; the view still lists what failed, with nothing overdue or at risk as with some.
    for rows in (overdue_list(runtime), []):
        table = overdue_table(rows, clock.now(), failed=failed)
        assert "Failed in the last 14 days" in table and "partnership daily-digest" in table
    assert "partnership daily-digest" in table and "task-assigned" in table
    env = {"WORKFLOWS_NOW": WORKING_MORNING, "WORKFLOWS_DB_URL": db_url}
    shown = CliRunner().invoke(cli, ["overdue"], env=env, catch_exceptions=False)
    assert shown.exit_code == 0, shown.output
    assert "not delivered in the last 14 days" in shown.stdout
    assert (
        "partnership daily-digest: cannot be built" in shown.stdout and "task-assigned: cannot be built" in shown.stdout
    )
    assert reference  # the good case's own messages went: only the two poison ones are listed
    section = shown.stdout.split("not delivered in the last 14 days")[1].splitlines()[1:]
    assert len(section) == 2 and all("cannot be built" in line for line in section)
