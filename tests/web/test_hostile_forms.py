"""What a task page's form sends passes the same edge as the command line: a note or a reason with NUL (which
PostgreSQL cannot store) or another control character is 422 with a page saying what to do, never a 500, and
changes nothing; a text area's CRLF line ends are kept as newlines. Over real HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workflows import clock
from workflows.links.tokens import new_claims, sign
from workflows.operations import cases, reports

AGENCIES = ["stoke-on-trent-city-council", "staffordshire-police"]
NOT_IN_TEXT = [chr(code) for code in range(0x20) if chr(code) not in "\t\n\r"] + ["\x7f", "\x85", "\x9f"]
# Inside the text: the page trims the ends of a note (some controls are whitespace to Python), not its middle.
hostile_texts = st.tuples(
    st.text(alphabet="abc xyz", max_size=10), st.sampled_from(NOT_IN_TEXT), st.text(alphabet="abc xyz", max_size=10)
).map(lambda parts: f"a{parts[0]}{parts[1]}{parts[2]}z")


def holder(runtime, role) -> str:
    return runtime.config.directory.holders(role)[0].email


def link(reference: str, stage: str, email: str) -> str:
    return "/t/" + sign(new_claims(reference, stage, None, email, clock.wall_now()), b"test-secret-not-for-production")


def csrf_from(client, base: str, path: str) -> str:
    page = client.get(base + path)
    assert page.status_code == 200, page.text
    return re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)


def history_of(runtime, reference: str) -> list[tuple[str, str | None, str]]:
    return [(e["action"], e["actor"], e["detail"]) for e in reports.history(runtime, reference)]


def test_a_note_or_reason_with_a_control_character_is_422_and_changes_nothing(web, browser_client, set_clock):
    base, runtime = web
    set_clock("2026-12-18T10:00")
    facts = {"notification_date": date(2026, 12, 18), "agencies": AGENCIES}
    reference = cases.start(runtime, "rapid-review", facts)[0]
    path = link(reference, "request-chronologies", holder(runtime, "business-manager"))
    csrf = csrf_from(browser_client, base, path)
    audit_reference = cases.start(runtime, "section-11-audit", {})[0]
    stage = next(s["id"] for s in reports.status(runtime, audit_reference)["stages"] if s["state"] == "open")
    owner = holder(runtime, runtime.library.get("section-11-audit").stages[stage].owner)
    extension_path = link(audit_reference, stage, owner)
    extension_csrf = csrf_from(browser_client, base, extension_path)
    before = history_of(runtime, reference), history_of(runtime, audit_reference)

    @settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(text=hostile_texts)
    def refused(text: str) -> None:
        done = browser_client.post(f"{base}{path}/done", data={"csrf": csrf, "note": text})
        assert done.status_code == 422, done.text
        assert "Check what you entered" in done.text and "Nothing has been changed" in done.text
        asked = browser_client.post(
            f"{base}{extension_path}/request-extension",
            data={"csrf": extension_csrf, "amount": "5 working days", "reason": text},
        )
        assert asked.status_code == 422, asked.text
        assert (history_of(runtime, reference), history_of(runtime, audit_reference)) == before

    refused()
    done = browser_client.post(f"{base}{path}/done", data={"csrf": csrf, "note": "sent\r\nto both\tagencies"})
    assert done.status_code == 200, done.text  # the refused attempts did not use the link up
    (recorded,) = [detail for action, _, detail in history_of(runtime, reference) if action == "stage-done"]
    assert recorded.endswith("sent\nto both\tagencies")
