"""A relay down for days (a long weekend): messages are tried with back-off, on the real clock, for the retry
period (WORKFLOWS_SMTP_RETRY_HOURS, by default 72 hours), then given up on; `workflows outbox retry` queues them
again when the relay is back, each to whoever it had not reached, leaving out what no longer asks anything of
anyone. The DSPs' start page counts what failed and what waits."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta

from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select, update

from workflows import clock
from workflows.cli.main import cli
from workflows.engine.commands import Complete
from workflows.engine.state import CaseStatus, ItemStatus
from workflows.engine.vocabulary import MessageKind
from workflows.notify.delivery import deliver
from workflows.notify.outcomes import backoff
from workflows.notify.retry import ASKS_TO_ACT, DIGEST_GONE_BY, NO_LONGER_OPEN, not_wanted
from workflows.notify.settings import SmtpSettings
from workflows.operations import cases
from workflows.store.outbox import FailedMessage, delivery_counts
from workflows.store.schema import outbox

AGENCIES = ["stoke-on-trent-city-council", "staffordshire-police"]


def rows(runtime):
    with runtime.db.connect() as connection:
        return list(connection.execute(select(outbox).order_by(outbox.c.id)))


def start_two(runtime) -> tuple[str, str]:
    facts = {"notification_date": date(2026, 12, 18), "agencies": AGENCIES}
    return cases.start(runtime, "rapid-review", facts)[0], cases.start(runtime, "rapid-review", facts)[0]


def relay_down_for(
    runtime, smtp, hours: float, settings: SmtpSettings, since: datetime | None = None
) -> tuple[int, datetime]:
    """Deliver as the main job would (each time the back-off has passed) over `hours` of real time from `since`
    (by default now) with the relay down; how many tries that was, and the real time at the end."""
    smtp.stop()
    wall, tries = since or clock.wall_now(), 0
    end = wall + timedelta(hours=hours)
    while wall <= end:
        tries += 1
        deliver(runtime, settings, wall=wall)
        waiting = [row.next_attempt_at for row in rows(runtime) if row.status == "pending"]
        if not waiting:
            break
        wall = max(wall + timedelta(seconds=1), min(waiting))
    return tries, wall


def test_a_relay_down_over_a_long_weekend_is_tried_for_the_retry_period_then_given_up(shipped_runtime, smtp, set_clock):
    set_clock("2026-12-18T10:00")
    start_two(shipped_runtime)
    settings = SmtpSettings.from_environment()
    assert settings.retry_hours == 72  # the default: a Friday evening to a Monday evening
    tries, wall = relay_down_for(shipped_runtime, smtp, 71, settings)
    assert all(row.status == "pending" for row in rows(shipped_runtime)), "given up within the retry period"
    assert tries > 10  # the old limit gave up after 10 tries, about 4 hours
    with shipped_runtime.db.connect() as connection:
        counted = delivery_counts(connection, wall - timedelta(days=7))
    assert (counted.failed, counted.waiting, counted.failing) == (0, 2, 2)
    tries_more, wall = relay_down_for(shipped_runtime, smtp, 2, settings, wall)
    given_up = rows(shipped_runtime)
    assert [row.status for row in given_up] == ["failed", "failed"]
    assert all("gave up after" in row.error and "over 72 hours" in row.error for row in given_up), given_up[0].error
    assert all(row.failed_at is not None for row in given_up)
    with shipped_runtime.db.connect() as connection:
        counted = delivery_counts(connection, wall - timedelta(days=7))
    assert (counted.failed, counted.waiting, counted.failing) == (2, 0, 0)
    # The back-off never waits more than an hour: the relay's return is noticed within the hour.
    assert backoff(tries + tries_more) == timedelta(hours=1)


def test_the_retry_period_is_the_partnerships_to_set(shipped_runtime, smtp, set_clock, monkeypatch):
    set_clock("2026-12-18T10:00")
    start_two(shipped_runtime)
    monkeypatch.setenv("WORKFLOWS_SMTP_RETRY_HOURS", "1")
    settings = SmtpSettings.from_environment()
    _, wall = relay_down_for(shipped_runtime, smtp, 0.9, settings)
    assert {row.status for row in rows(shipped_runtime)} == {"pending"}
    relay_down_for(shipped_runtime, smtp, 0.5, settings, wall)
    assert {row.status for row in rows(shipped_runtime)} == {"failed"}


def retry(runtime, *args: str):
    env = {"WORKFLOWS_DB_URL": str(runtime.db.url.render_as_string(hide_password=False))}
    return CliRunner().invoke(cli, ["outbox", "retry", *args], env=env, catch_exceptions=False)


def test_outbox_retry_sends_again_what_was_given_up_on_to_whoever_it_had_not_reached(
    shipped_runtime, smtp, set_clock, monkeypatch
):
    monkeypatch.setenv("WORKFLOWS_CONFIG", str(shipped_runtime.config.folder))
    set_clock("2026-12-18T10:00")
    start_two(shipped_runtime)
    settings = SmtpSettings.from_environment()
    holders = [p.email for p in shipped_runtime.config.directory.holders("business-manager", None)]
    smtp.mailbox.refuse.update(holders)  # the holders refused for good, the deputies reached
    deliver(shipped_runtime, settings)
    smtp.mailbox.refuse.clear()
    relay_down_for(shipped_runtime, smtp, 0, settings)  # nothing pending: nothing tried
    with shipped_runtime.db.begin() as connection:  # and as if a weekend's outage ended them all failed
        connection.execute(update(outbox).values(status="failed", failed_at=clock.wall_now(), error="gave up"))
    smtp.start()
    reached_before = Counter(r for got in smtp.mailbox.received for r in got.recipients)
    result = retry(shipped_runtime)
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0] == "queued again: 2"
    assert deliver(shipped_runtime, settings) == {"sent": 2}
    reached = Counter(r for got in smtp.mailbox.received for r in got.recipients) - reached_before
    assert sorted(reached) == sorted(holders) and set(reached.values()) == {2}  # each holder, once per case
    assert retry(shipped_runtime).output == "queued again: 0\n"


def test_outbox_retry_leaves_what_asks_for_action_on_an_item_now_done_and_what_failed_before_the_day(
    shipped_runtime, smtp, set_clock, monkeypatch
):
    monkeypatch.setenv("WORKFLOWS_CONFIG", str(shipped_runtime.config.folder))
    set_clock("2026-12-18T10:00")
    done, still_open = start_two(shipped_runtime)
    cases.run(shipped_runtime, done, Complete("request-chronologies"))  # opens the agencies' tasks: more messages
    old, recent = clock.wall_now() - timedelta(days=10), clock.wall_now() - timedelta(hours=1)
    long_ago = f"{still_open}/request-chronologies/task-assigned-1/v0"
    with shipped_runtime.db.begin() as connection:
        connection.execute(update(outbox).values(status="failed", failed_at=recent, error="gave up"))
        connection.execute(update(outbox).where(outbox.c.key == long_ago).values(failed_at=old))
    stale = {row.key for row in rows(shipped_runtime) if row.key.startswith(f"{done}/request-chronologies/")}
    assert stale and long_ago in {row.key for row in rows(shipped_runtime)}
    wanted = {row.key for row in rows(shipped_runtime)} - stale - {long_ago}
    assert wanted
    since = (clock.wall_now() - timedelta(days=2)).date().isoformat()
    result = retry(shipped_runtime, "--failed-since", since)
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[:2] == [
        f"queued again: {len(wanted)}",
        f"left failed: {len(stale)} ({NO_LONGER_OPEN})",
    ]
    after = {row.key: row for row in rows(shipped_runtime)}
    assert {key for key, row in after.items() if row.status == "pending"} == wanted
    assert all(after[key].attempts == 0 and after[key].failed_at is None for key in wanted)
    assert after[long_ago].status == "failed"  # given up on before the day asked for
    bad = retry(shipped_runtime, "--failed-since", "last week")
    assert bad.exit_code == 2 and "--failed-since" in bad.output


# -- the rule, over every kind of message and every state of what it is about --

kinds = st.sampled_from(list(MessageKind))
item_states = st.none() | st.sampled_from(list(ItemStatus))
case_states = st.none() | st.sampled_from(list(CaseStatus))
days = st.dates(date(2026, 1, 1), date(2027, 12, 31))


@given(kind=kinds, item=item_states, case=case_states, day=days, today=days)
def test_a_message_is_sent_again_unless_it_asks_for_action_no_longer_wanted(kind, item, case, day, today):
    key = f"digest/{day.isoformat()}/dsp" if kind == MessageKind.DAILY_DIGEST else f"RR-1/s/{kind}-1/v0"
    message = FailedMessage(1, key, kind.value, item and item.value, case and case.value)
    reason = not_wanted(message, today.isoformat())
    # Written out again, independently: what a business unit would want sent after an outage.
    if kind == MessageKind.DAILY_DIGEST:
        expected = DIGEST_GONE_BY if day < today else None
    elif kind in ASKS_TO_ACT and (case in (CaseStatus.CLOSED, CaseStatus.CANCELLED) or item not in (None, "open")):
        expected = NO_LONGER_OPEN
    else:
        expected = None
    assert reason == expected
