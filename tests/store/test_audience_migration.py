"""Migration 0008: messages queued before audiences were stored get the audience their columns meant, so delivery
reads every row one way; link uses already recorded keep counting, now per kind of action."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import inspect, select, text
from test_extension_request_migration import downgrade

from workflows.engine.parties import Audience, Party
from workflows.notify.delivery import deliver
from workflows.store.database import upgrade
from workflows.store.link_uses import record_link_use
from workflows.store.schema import link_uses, outbox

QUEUED = datetime(2026, 12, 1, 10, tzinfo=UTC)
OLD_ROWS = [
    # key, role, agency, assignee, copy_role, status
    ("old/assigned", "agency-safeguarding-lead", "staffordshire-police", "locum@police.example", None, "pending"),
    ("old/escalation", "business-manager", "staffordshire-police", None, "agency-safeguarding-lead", "pending"),
    ("old/closed", None, None, None, None, "pending"),
    ("old/sent", "business-manager", None, None, None, "sent"),
]


def add_old_rows(runtime) -> None:
    """Rows as version 0007 wrote them (no audience), through its columns only."""
    with runtime.db.begin() as connection:
        for key, role, agency, assignee, copy_role, status in OLD_ROWS:
            columns = {"role": role, "agency": agency, "assignee": assignee, "copy_role": copy_role}
            connection.execute(
                outbox.insert().values(
                    key=key,
                    kind="reminder",
                    details={},
                    created_at=QUEUED,
                    status=status,
                    attempts=0,
                    next_attempt_at=QUEUED,
                    urgent=True,
                    **columns,
                )
            )
        for token, action in (("t1", "request-extension"), ("t2", "done")):
            connection.execute(
                text("INSERT INTO link_uses (token_id, used_at, action) VALUES (:token, :at, :action)"),
                {"token": token, "action": action, "at": QUEUED.replace(tzinfo=None).isoformat(" ")},
            )


def test_old_messages_get_the_audience_their_columns_meant_and_link_uses_are_kept_per_kind(shipped_runtime, smtp):
    runtime = shipped_runtime
    downgrade(runtime.db, "0007")
    add_old_rows(runtime)

    upgrade(runtime.db)

    with runtime.db.connect() as connection:
        audiences = {row.key: row.audience for row in connection.execute(select(outbox.c.key, outbox.c.audience))}
        uses = {(row.token_id, row.kind, row.action) for row in connection.execute(select(link_uses))}
        assert {column["name"] for column in inspect(connection).get_columns("link_uses")} >= {"kind"}
    police = "staffordshire-police"
    assert Audience.from_json(audiences["old/assigned"]) == Audience((Party(person="locum@police.example"),))
    assert Audience.from_json(audiences["old/escalation"]) == Audience(
        (Party("business-manager", police),), (Party("agency-safeguarding-lead", police),)
    )
    assert Audience.from_json(audiences["old/closed"]) == Audience((Party(),))
    assert audiences["old/sent"] is None  # never sent again: nothing to resolve
    assert uses == {("t1", "ask-for-time", "request-extension"), ("t2", "finish", "done")}
    with runtime.db.begin() as connection:
        assert not record_link_use(connection, "t1", "ask-for-time", "request-extension", QUEUED)
        assert record_link_use(connection, "t1", "finish", "done", QUEUED)  # asked for time, then marks it done

    deliver(runtime)
    sent = {key: set() for key, *_ in OLD_ROWS}
    for received in smtp.mailbox.received:
        sent[received.message["X-Workflows-Key"]] |= set(received.recipients)
    assert sent["old/assigned"] == {"locum@police.example"}
    assert "ben.harrison@police.example" in sent["old/escalation"]  # the copied owner at the police
    assert {"karen.whitehurst@stoke-council.example", "daniel.shaw@stoke-council.example"} <= sent["old/escalation"]
    assert sent["old/closed"] == {runtime.config.partnership.business_unit_email}
    assert sent["old/sent"] == set()


def test_going_back_keeps_one_use_per_link(shipped_runtime):
    runtime = shipped_runtime
    with runtime.db.begin() as connection:
        record_link_use(connection, "t1", "ask-for-time", "request-extension", QUEUED)
        record_link_use(connection, "t1", "finish", "done", QUEUED)
    downgrade(runtime.db, "0007")
    with runtime.db.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM link_uses")).scalar_one() == 1
        assert "audience" not in {column["name"] for column in inspect(connection).get_columns("outbox")}
    upgrade(runtime.db)


def test_the_head_revision_start_up_checks_is_the_newest_migration():
    from alembic.script import ScriptDirectory

    from workflows.store.migrations import HEAD_REVISION

    migrations = Path(__file__).resolve().parents[2] / "src" / "workflows" / "store" / "migrations"
    assert ScriptDirectory(str(migrations)).get_current_head() == HEAD_REVISION
