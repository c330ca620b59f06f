"""Every DSP artifact keeps hostile text as text (issue 21, class 1): titles from definitions and the directory,
references an older version stored, reasons people gave and servers' replies, put through the overdue table and
summary, the failed-messages list and the case timeline (on a real database), render with no heading, list, link or
image added, and every table keeps its columns."""

from __future__ import annotations

from datetime import UTC, datetime

from hostile_text import AUTOLINK, folded, hostile, render, seen
from hypothesis import HealthCheck, given, settings
from sqlalchemy import update

from workflows.dashboard.overdue import OverdueRow, overdue_summary, overdue_table
from workflows.dashboard.views import case_timeline
from workflows.engine.commands import Complete
from workflows.operations import cases, extensions
from workflows.operations.reports import Undelivered
from workflows.store.cases import load_case
from workflows.store.schema import outbox

NOW = datetime(2027, 1, 13, 10, tzinfo=UTC)
LINKS_AND_PICTURES = {"a", "img", "script"}
BLOCKS = {"h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "blockquote", "pre", "hr"}


def row(reference: str, stage: str, agency: str, owner: str, process: str, escalated_to: str | None) -> OverdueRow:
    return OverdueRow(
        reference=reference,
        process=process,
        stage=stage,
        agency=agency,
        owner=owner,
        due_at=NOW,
        hour_deadline=False,
        working_days_overdue=3,
        at_risk=False,
        escalated_to=escalated_to,
        undelivered=1,
    )


def assert_only_our_structure(markdown: str, headings: int, lists: int) -> None:
    rendered = render(markdown)
    assert not set(rendered.tags) & LINKS_AND_PICTURES, markdown
    assert sum(rendered.tags.count(tag) for tag in ("h1", "h2", "h3", "h4", "h5", "h6")) == headings, markdown
    assert rendered.tags.count("ul") + rendered.tags.count("ol") == lists, markdown
    assert not {"blockquote", "pre", "hr"} & set(rendered.tags), markdown
    assert not AUTOLINK.search("".join(rendered.text)), markdown


@settings(max_examples=150)
@given(hostile, hostile, hostile, hostile, hostile, hostile)
def test_the_overdue_table_and_summary_add_nothing_to_what_they_show(reference, stage, agency, owner, process, why):
    rows = [row(reference, stage, agency, owner, process, owner), row("RR-2026-001", why, agency, why, why, None)]
    failed = [Undelivered(reference, "overdue", stage, agency, why, NOW), Undelivered(None, why, None, None, why, NOW)]
    table = overdue_table(rows, NOW, failed=failed)
    assert_only_our_structure(table, headings=0, lists=2)  # the undelivered items, the failed messages
    rendered = render(table)
    assert len({len(cells) for cells in rendered.cells}) == 1
    assert folded(why) in seen("".join(rendered.text))
    summary = overdue_summary(rows, NOW)
    assert_only_our_structure(summary, headings=2, lists=0)
    assert {len(cells) for cells in render(summary).cells} == {4}


def as_reason(text: str) -> str:
    """What a reason may hold (tabs and line ends, no other control character) of `text`; never only spaces."""
    kept = "".join(c for c in text if c in "\t\n" or not (ord(c) < 32 or 0x7F <= ord(c) <= 0x9F))
    return kept if kept.strip() else f"x{kept}"


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(reason=hostile, reply=hostile)
def test_a_case_timeline_shows_reasons_and_server_replies_as_text(shipped_runtime, set_clock, reason, reply):
    """A reason given for more time, and a mail server's reply, reach the case timeline as text (the tester's
    reason drew a picture from a foreign host, a fake heading and a sign-in link)."""
    runtime = shipped_runtime
    set_clock("2027-01-11T10:00")
    reference = cases.start(runtime, "section-11-audit", {})[0]
    cases.run(runtime, reference, Complete("launch"))
    lead, approver = "ben.harrison@police.example", "karen.whitehurst@stoke-council.example"
    asked = extensions.request(
        runtime, reference, "self-assessment", "1 working day", as_reason(reason), lead, "staffordshire-police"
    )
    extensions.approve(runtime, reference, asked.number, approver)
    with runtime.db.connect() as connection:
        case_id = load_case(connection, reference).id
    reply = reply.replace("\x00", "")  # no database stores NUL (delivery keeps a server's reply as one line)
    with runtime.db.begin() as connection:
        connection.execute(update(outbox).where(outbox.c.case_id == case_id).values(status="failed", error=reply))
    timeline = case_timeline(runtime, reference)
    rendered = render(timeline)
    assert not set(rendered.tags) & LINKS_AND_PICTURES, timeline
    assert rendered.tags.count("h1") == 1 and rendered.tags.count("h2") == 2, timeline  # extensions; messages
    assert rendered.tags.count("ul") == 1 and not {"ol", "blockquote", "pre", "hr"} & set(rendered.tags)
    assert {len(cells) for cells in rendered.cells} == {6}
    assert not AUTOLINK.search("".join(rendered.text))
    shown = seen("".join(rendered.text))
    assert folded(as_reason(reason)) in shown and folded(reply) in shown
