"""Delivery over a real SMTP server: right people, once, at a sensible time, faults survived."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from workflows import clock
from workflows.engine.commands import Complete
from workflows.notify.delivery import deliver
from workflows.notify.settings import SmtpSettings
from workflows.operations import cases, reports
from workflows.operations.sweeper import tick
from workflows.store.schema import outbox

AGENCIES = ["stoke-on-trent-city-council", "staffordshire-police"]
SECRET = {"child_name": "Zebedee Quillfeather"}


def later(**how_long: float) -> datetime:
    """The real time a while from now: back-offs and claims run on it, so a test lets it pass by saying so."""
    return clock.wall_now() + timedelta(**how_long)


def emails(runtime, role, agency=None, deputies=False):
    return [p.email for p in runtime.config.directory.holders(role, agency, deputies=deputies)]


def rapid_review(runtime):
    facts = {"notification_date": date(2026, 12, 18), "agencies": AGENCIES, **SECRET}
    return cases.start(runtime, "rapid-review", facts)[0]


def outbox_rows(runtime):
    with runtime.db.connect() as connection:
        return list(connection.execute(select(outbox).order_by(outbox.c.id)))


def test_a_task_reaches_the_role_holder_and_deputy_once_with_a_calendar_entry(shipped_runtime, smtp, set_clock):
    set_clock("2026-12-18T10:00")
    reference = rapid_review(shipped_runtime)
    assert deliver(shipped_runtime) == {"sent": 1}
    holders = emails(shipped_runtime, "business-manager")
    deputies = emails(shipped_runtime, "business-manager", deputies=True)
    assert holders and deputies
    assert sorted(r for got in smtp.mailbox.received for r in got.recipients) == sorted(holders + deputies)
    message = smtp.mailbox.to(holders[0])[0].message
    assert message["Subject"] == f"Action needed by Monday 21 December 2026: Request agency chronologies ({reference})"
    assert message["From"] == shipped_runtime.config.partnership.sender
    parts = {part.get_content_type(): part for part in message.walk()}
    assert {"text/plain", "text/html", "text/calendar"} <= set(parts)
    ics = parts["text/calendar"].get_payload(decode=True).decode()
    assert "DTSTART;VALUE=DATE:20261221" in ics and "SEQUENCE:0" in ics
    assert deliver(shipped_runtime) == {}  # nothing is sent twice
    assert len(smtp.mailbox.received) == len(holders + deputies)


def test_one_connection_serves_a_batch(shipped_runtime, smtp, set_clock):
    set_clock("2026-12-18T10:00")
    for _ in range(5):
        rapid_review(shipped_runtime)
    assert deliver(shipped_runtime) == {"sent": 5}
    assert smtp.mailbox.connections == 1


def test_message_id_is_derived_from_the_key(shipped_runtime, smtp, set_clock):
    from workflows.notify.compose import message_id

    set_clock("2026-12-18T10:00")
    rapid_review(shipped_runtime)
    deliver(shipped_runtime)
    (row,) = outbox_rows(shipped_runtime)
    received = smtp.mailbox.received[0]
    domain = shipped_runtime.config.partnership.sender.rpartition("@")[2]
    assert received.message["Message-ID"] == message_id(row.key, received.recipients[0], domain)


def test_no_sensitive_fact_appears_in_any_message(shipped_runtime, smtp, set_clock):
    set_clock("2026-12-18T10:00")
    reference = rapid_review(shipped_runtime)
    cases.run(shipped_runtime, reference, Complete("request-chronologies"))
    set_clock("2027-01-13T10:00")
    tick(shipped_runtime)
    deliver(shipped_runtime)
    kinds = {row.kind for row in outbox_rows(shipped_runtime)}
    assert {"task-assigned", "overdue", "escalation", "daily-digest"} <= kinds
    assert smtp.mailbox.received
    for received in smtp.mailbox.received:
        assert b"Zebedee" not in received.raw and b"Quillfeather" not in received.raw


def test_quiet_hours_hold_ordinary_messages_but_not_urgent_ones(shipped_runtime, smtp, set_clock):
    set_clock("2026-12-18T20:00")  # Friday evening
    rapid_review(shipped_runtime)
    jar = cases.trigger(
        shipped_runtime,
        "child-death",
        ["death_notification_id=CD-9", "death_datetime=2026-12-18T19:30", "sudden_unexplained=true"],
    )
    assert jar
    report = deliver(shipped_runtime)
    assert report["sent"] >= 1 and report["waiting for working hours"] >= 1
    subjects = {r.message["Subject"] for r in smtp.mailbox.received}
    assert subjects and all("needed by Saturday 19 December 2026 at 19:30" in s for s in subjects)
    set_clock("2026-12-21T09:05")  # Monday morning
    assert deliver(shipped_runtime)["sent"] >= 1
    assert [s for r in smtp.mailbox.received if "Request agency chronologies" in (s := r.message["Subject"])]


def test_server_down_messages_wait_then_go(shipped_runtime, smtp, set_clock):
    set_clock("2026-12-18T10:00")
    rapid_review(shipped_runtime)
    smtp.stop()
    assert deliver(shipped_runtime) == {"deferred": 1}
    (row,) = outbox_rows(shipped_runtime)
    assert (row.status, row.attempts) == ("pending", 1) and "cannot reach" in row.error
    smtp.start()
    assert deliver(shipped_runtime) == {}  # backing off: not yet
    set_clock("2026-12-18T10:02")
    assert deliver(shipped_runtime) == {}  # a back-off is real time: a rehearsal's clock does not shorten it
    assert deliver(shipped_runtime, wall=later(minutes=2)) == {"sent": 1}
    assert len(smtp.mailbox.received) == 2  # holder and deputy


def test_a_slow_server_is_waited_for_and_a_stalled_one_is_retried(shipped_runtime, smtp, set_clock, monkeypatch):
    set_clock("2026-12-18T10:00")
    rapid_review(shipped_runtime)
    smtp.mailbox.data_delay = 0.5
    monkeypatch.setenv("WORKFLOWS_SMTP_TIMEOUT", "0.2")
    assert deliver(shipped_runtime) == {"deferred": 1}
    monkeypatch.setenv("WORKFLOWS_SMTP_TIMEOUT", "5")
    assert deliver(shipped_runtime, wall=later(minutes=2)) == {"sent": 1}
    ids = [r.message["Message-ID"] for r in smtp.mailbox.received]
    assert len(set(ids)) == 2  # at most the message in flight came twice; none was lost


def test_refused_recipients_are_recorded_and_shown_as_undelivered(shipped_runtime, smtp, set_clock):
    set_clock("2026-12-18T10:00")
    reference = rapid_review(shipped_runtime)
    holders = emails(shipped_runtime, "business-manager")
    deputies = emails(shipped_runtime, "business-manager", deputies=True)
    smtp.mailbox.refuse.update(holders)
    assert deliver(shipped_runtime) == {"sent": 1}  # the deputy got it
    (row,) = outbox_rows(shipped_runtime)
    assert row.recipients == {**dict.fromkeys(holders, row.recipients[holders[0]]), **dict.fromkeys(deputies, "sent")}
    assert "550" in row.error
    smtp.mailbox.refuse.update(deputies)
    cases.run(shipped_runtime, reference, Complete("request-chronologies"))
    set_clock("2026-12-22T10:00")
    deliver(shipped_runtime)
    failed = [row for row in outbox_rows(shipped_runtime) if row.status == "failed"]
    assert failed == []  # agency leads are not refused
    set_clock("2027-01-08T10:00")
    smtp.mailbox.refuse.update(emails(shipped_runtime, "agency-safeguarding-lead", AGENCIES[0]))
    smtp.mailbox.refuse.update(emails(shipped_runtime, "agency-safeguarding-lead", AGENCIES[0], deputies=True))
    tick(shipped_runtime)
    deliver(shipped_runtime)
    items = {item.task: item for item in reports.overdue(shipped_runtime)}
    assert items[AGENCIES[0]].undelivered and not items[AGENCIES[1]].undelivered
    assert any(row.status == "failed" for row in outbox_rows(shipped_runtime))


def test_a_temporary_refusal_is_retried(shipped_runtime, smtp, set_clock):
    set_clock("2026-12-18T10:00")
    rapid_review(shipped_runtime)
    holders = emails(shipped_runtime, "business-manager")
    smtp.mailbox.busy.update(holders)
    assert deliver(shipped_runtime) == {"deferred": 1}
    smtp.mailbox.busy.clear()
    assert deliver(shipped_runtime, wall=later(minutes=5)) == {"sent": 1}
    received = [r for got in smtp.mailbox.received for r in got.recipients]
    assert sorted(received) == sorted(set(received))  # the deputy, served first time, was not sent it again


def test_smtp_settings_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("WORKFLOWS_SMTP_HOST", "relay.example")
    monkeypatch.setenv("WORKFLOWS_SMTP_PORT", "587")
    monkeypatch.setenv("WORKFLOWS_SMTP_STARTTLS", "true")
    monkeypatch.setenv("WORKFLOWS_SMTP_USER", "workflows")
    monkeypatch.setenv("WORKFLOWS_SMTP_PASSWORD", "from-the-environment")
    settings = SmtpSettings.from_environment()
    assert (settings.host, settings.port, settings.starttls, settings.tls) == ("relay.example", 587, True, False)
    assert (settings.user, settings.password) == ("workflows", "from-the-environment")


@pytest.mark.parametrize("kind", ["task-assigned", "reminder", "escalation"])
def test_moved_deadline_updates_the_same_calendar_entry(kind):
    from datetime import datetime

    from workflows.calendar.london import LONDON
    from workflows.notify.invite import deadline_invite, invite_uid

    uid = invite_uid("RR-2026-001", "panel-meeting", None, "example.org")
    assert uid == invite_uid("RR-2026-001", "panel-meeting", None, "example.org")
    first = deadline_invite(
        uid=uid,
        sequence=0,
        summary=kind,
        description="d",
        due_at=datetime(2027, 1, 7, tzinfo=LONDON),
        due_day=date(2027, 1, 7),
        stamp=datetime(2026, 12, 18, tzinfo=LONDON),
    )
    moved = deadline_invite(
        uid=uid,
        sequence=1,
        summary=kind,
        description="d",
        due_at=datetime(2027, 1, 14, tzinfo=LONDON),
        due_day=date(2027, 1, 14),
        stamp=datetime(2026, 12, 19, tzinfo=LONDON),
    )
    assert f"UID:{uid}" in first and f"UID:{uid}" in moved
    assert "SEQUENCE:0" in first and "SEQUENCE:1" in moved and "DTSTART;VALUE=DATE:20270114" in moved


@pytest.mark.parametrize(
    "answer",
    ["\x1b[31mred\x1b[0m | pipe", "\u202egnirts desrever", "![t](http://127.0.0.1:31999/p.png) ## x", "\x00\x07bell"],
)
def test_a_servers_answer_is_kept_as_one_line_of_text(shipped_runtime, smtp, set_clock, answer):
    """What a mail server answers is kept (and shown by outbox, overdue and the DSP views) as text: one line, no
    control character, on any database (PostgreSQL keeps no NUL)."""
    set_clock("2026-12-18T10:00")
    rapid_review(shipped_runtime)
    smtp.mailbox.refusal_text = answer
    smtp.mailbox.refuse.update(emails(shipped_runtime, "business-manager"))
    smtp.mailbox.refuse.update(emails(shipped_runtime, "business-manager", deputies=True))
    assert deliver(shipped_runtime) == {"failed": 1}
    (row,) = outbox_rows(shipped_runtime)
    for kept in [row.error, *row.recipients.values()]:
        assert kept.isprintable() and "\u202e" not in kept and "\x1b" not in kept, kept
    assert "550" in row.error
