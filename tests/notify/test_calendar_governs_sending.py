"""The process's calendar governs its sending hours and the partnership's default calendar its digest, whatever
the calendars are called (issue class: quiet hours looked up a calendar literally named `partnership`)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from workflows import clock
from workflows.calendar import LONDON
from workflows.notify.delivery import deliver
from workflows.notify.quiet_hours import calendars_open
from workflows.operations import cases
from workflows.operations.digest import queue_daily_digest
from workflows.operations.runtime import Runtime
from workflows.store import outbox as box
from workflows.store.schema import outbox

STAFF_DAY = date(2027, 1, 13)  # a Wednesday the "stoke" calendar is closed

CALENDAR_YAML = """
default_calendar: stoke
day_ends_at: "23:59:59"
working_hours: {start: "09:00", end: "17:30"}
at_risk_within: 2 working days
calendars:
  stoke:
    working_hours: {start: "08:00", end: "16:00"}
    closures:
      2027-01-13: Staff development day
  lancaster: {}
"""


@pytest.fixture
def runtime(tmp_path, config_dir, demo_text, db_url):
    """The demo process on no named calendar (so the default, `stoke`), and a copy of it on `lancaster`."""
    (config_dir / "calendar.yaml").write_text(CALENDAR_YAML.lstrip())
    partnership = config_dir / "partnership.yaml"
    partnership.write_text(partnership.read_text() + "digest_roles: [business-manager]\n")
    processes = tmp_path / "processes"
    processes.mkdir()
    (processes / "demo.yaml").write_text(demo_text.replace("calendar: partnership\n", ""))
    lancaster = demo_text.replace("calendar: partnership", "calendar: lancaster").replace("id: demo", "id: other")
    (processes / "other.yaml").write_text(lancaster.replace('reference: "DM-', 'reference: "OT-'))
    opened = Runtime.open(config_dir, processes, db_url, create=True)
    yield opened
    opened.db.dispose()


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=LONDON)


def test_messages_wait_for_their_own_calendars_hours_and_the_digest_skips_its_closure_day(runtime, set_clock, smtp):
    set_clock("2027-01-12T10:00")
    demo, _ = cases.start(runtime, "demo", {"notified_on": date(2027, 1, 12)})
    other, _ = cases.start(runtime, "other", {"notified_on": date(2027, 1, 12)})
    with runtime.db.begin() as connection:  # both queued, waiting
        ready = clock.wall_now() - timedelta(minutes=1)  # due on the real clock, whatever the cases' clock says
        connection.execute(outbox.update().values(status="pending", next_attempt_at=ready))
    # Wednesday 13 January, 10:00: a stoke closure day; lancaster (bank holidays only, 09:00-17:30) is open.
    report = deliver(runtime, now=at("2027-01-13T10:00"))
    assert report["sent"] == 1 and report["waiting for working hours"] == 1
    assert queue_daily_digest(runtime, at("2027-01-13T10:00")) == 0  # the digest follows stoke: closed today
    assert [m.message["Subject"] for m in smtp.mailbox.received if other in m.message["Subject"]]
    assert not [m for m in smtp.mailbox.received if demo in m.message["Subject"]]
    # Thursday 14 January: stoke opens at 08:00, before lancaster's 09:00.
    assert deliver(runtime, now=at("2027-01-14T08:30"))["sent"] == 1
    assert queue_daily_digest(runtime, at("2027-01-14T08:30")) == 1
    assert deliver(runtime, now=at("2027-01-14T16:30"))["waiting for working hours"] == 1  # stoke closed at 16:00
    with runtime.db.connect() as connection:
        digest_calendar = connection.execute(select(outbox.c.calendar).where(outbox.c.kind == "daily-digest"))
        assert set(digest_calendar.scalars()) == {"stoke"}


moments = st.datetimes(min_value=datetime(2027, 1, 1), max_value=datetime(2027, 12, 31, 23, 59))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(moment=moments)
def test_exactly_the_messages_whose_calendar_is_in_working_hours_may_go(runtime, moment):
    """Property: for any moment, the outbox releases an ordinary message iff its calendar (the default one
    when it names none) is on a working day within its own working hours; an urgent one always."""
    now = moment.replace(tzinfo=LONDON)
    config = runtime.config
    rows = [
        {"calendar": calendar, "urgent": urgent}
        for calendar in (None, "stoke", "lancaster", "england-and-wales")
        for urgent in (False, True)
    ]

    def hours_open(name: str) -> bool:
        local = now.astimezone(LONDON)
        hours = config.working_hours(name)
        return config.calendar(name).is_working_day(local.date()) and hours.start <= local.time() < hours.end

    expected = {index for index, row in enumerate(rows) if row["urgent"] or hours_open(row["calendar"] or "stoke")}
    wall = clock.wall_now()  # due times and claims are real times; working hours are the cases' clock's
    assert {name for name in config.calendar_names() if hours_open(name)} == calendars_open(config, now)
    with runtime.db.connect() as connection, connection.begin() as transaction:
        for index, row in enumerate(rows):
            connection.execute(
                outbox.insert().values(
                    key=f"k{index}",
                    kind="reminder",
                    details={},
                    created_at=now,
                    status="pending",
                    attempts=0,
                    next_attempt_at=wall - timedelta(minutes=1),
                    **row,
                )
            )
        sending_hours = box.SendingHours(frozenset(calendars_open(config, now)), config.default_calendar)
        claimed = box.claim_batch(connection, wall, 100, ("test", wall + timedelta(minutes=5)), sending_hours)
        assert {int(row.key[1:]) for row in claimed} == expected
        assert box.waiting_for_hours(connection, wall, sending_hours) == len(rows) - len(expected)
        transaction.rollback()


def test_the_default_calendar_is_a_setting_checked_like_any_calendar_name(tmp_path, config_dir):
    from workflows.config.loader import load_config
    from workflows.yamlsource import YamlSourceError

    misspelt = CALENDAR_YAML.replace("default_calendar: stoke", "default_calendar: stok")
    (config_dir / "calendar.yaml").write_text(misspelt)
    with pytest.raises(YamlSourceError) as raised:
        load_config(config_dir)
    assert "unknown calendar 'stok'" in str(raised.value.problems[0])
    assert time(8, 0) == load_config_with(config_dir).working_hours("stoke").start


def load_config_with(config_dir):
    from workflows.config.loader import load_config

    (config_dir / "calendar.yaml").write_text(CALENDAR_YAML.lstrip())
    return load_config(config_dir)
