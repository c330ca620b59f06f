"""What delivery does per run and per batch rather than per message (one database connection, each definition read
once), and what it still does per recipient: commit the outcome before the next email goes."""

from __future__ import annotations

from datetime import date

from sqlalchemy import event, select

from workflows.notify import envelope
from workflows.notify.delivery import deliver
from workflows.operations import cases
from workflows.store.schema import outbox


def start_cases(runtime, count: int) -> None:
    for _ in range(count):
        cases.start(runtime, "rapid-review", {"notification_date": date(2026, 12, 18), "agencies": ["cafcass"]})


def test_a_run_checks_out_one_database_connection(shipped_runtime, smtp, set_clock):
    set_clock("2026-12-18T10:00")
    start_cases(shipped_runtime, 5)
    checkouts = []

    def checked_out(*_) -> None:
        checkouts.append(1)

    event.listen(shipped_runtime.db, "checkout", checked_out)
    try:
        assert deliver(shipped_runtime, batch_size=2) == {"sent": 5}  # three batches
    finally:
        event.remove(shipped_runtime.db, "checkout", checked_out)
    assert len(checkouts) == 1


def test_each_batch_reads_the_definitions_of_its_messages_once(shipped_runtime, smtp, set_clock, monkeypatch):
    set_clock("2026-12-18T10:00")
    start_cases(shipped_runtime, 5)  # one definition for all five messages
    looked_up = []
    pinned = shipped_runtime.pinned

    def counting(connection, digest):
        looked_up.append(digest)
        return pinned(connection, digest)

    monkeypatch.setattr(shipped_runtime, "pinned", counting)
    assert deliver(shipped_runtime, batch_size=2) == {"sent": 5}
    assert len(looked_up) == 3  # one per batch, not one per message
    assert len(smtp.mailbox.received) == 10


def test_each_recipients_outcome_is_committed_before_the_next_email_goes(shipped_runtime, smtp, set_clock, monkeypatch):
    """What a crash may repeat is at most the email in flight: every earlier one is on record as sent."""
    set_clock("2026-12-18T10:00")
    start_cases(shipped_runtime, 3)
    send = envelope.send
    seen: list[tuple[str, dict]] = []

    async def checking(client, sender, recipient, message):
        key = message.split(b"X-Workflows-Key: ", 1)[1].split(b"\r\n", 1)[0].decode()
        with shipped_runtime.db.connect() as connection:  # another connection: only what was committed
            recorded = connection.execute(select(outbox.c.recipients).where(outbox.c.key == key)).scalar_one()
        seen.append((recipient, dict(recorded or {})))
        await send(client, sender, recipient, message)

    monkeypatch.setattr(envelope, "send", checking)
    assert deliver(shipped_runtime) == {"sent": 3}
    assert len(seen) == 6
    for (first, before_first), (second, before_second) in zip(seen[::2], seen[1::2], strict=True):
        assert second != first and before_first == {}
        assert before_second == {first: "sent"}
    with shipped_runtime.db.connect() as connection:
        rows = connection.execute(select(outbox.c.status, outbox.c.recipients)).all()
    assert all(status == "sent" and set(recipients.values()) == {"sent"} for status, recipients in rows)
