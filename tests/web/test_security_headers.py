"""What protects a practitioner's link and the case behind it: the headers on every answer, a form token the
client cannot choose, and no form accepted from another site (checked with many generated requests, and once in
real Chromium from a real page on another origin)."""

from __future__ import annotations

import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

from tests.web.test_hostile_requests import ANY_TEXT, section_11_task, snapshot
from tests.web.test_links import csrf_of

MANY = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
CSP = {
    "default-src 'self'",
    "script-src 'none'",
    "style-src 'self'",
    "frame-ancestors 'none'",
    "form-action 'self'",
    "base-uri 'none'",
    "object-src 'none'",
}


def assert_protected(response, *, static: bool = False) -> None:
    headers = response.headers
    assert {part.strip() for part in headers["content-security-policy"].split(";")} >= CSP, headers
    assert "unsafe-inline" not in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "no-referrer"
    assert headers["x-frame-options"] == "DENY"
    assert headers["cache-control"] == ("public, max-age=3600" if static else "no-store")
    assert "set-cookie" not in headers  # the form token is bound to the link: no cookie at all


def test_every_answer_carries_the_security_headers(web, set_clock, browser_client):
    """Task page, done page, every refusal and error page, the stylesheet, the health check, any other path."""
    base, runtime = web
    set_clock("2026-12-18T10:00")
    _, path = section_11_task(runtime)
    page = browser_client.get(base + path)
    csrf = csrf_of(page)
    answers = {
        "task page": page,
        "stylesheet": browser_client.get(base + "/assets/app.css"),
        "missing asset": browser_client.get(base + "/assets/nothing.css"),
        "forged link": browser_client.get(base + path[:-2]),
        "no such page": browser_client.get(base + "/nowhere"),
        "wrong method": browser_client.delete(base + path),
        "forged form": browser_client.post(f"{base}{path}/done", data={"csrf": "chosen"}),
        "form again": browser_client.post(f"{base}{path}/request-extension", data={"csrf": csrf, "amount": "x"}),
        "too large": browser_client.post(f"{base}{path}/done", content=b"a" * 70_000),
        "health": browser_client.get(base + "/health"),
        "done": browser_client.post(f"{base}{path}/done", data={"csrf": csrf}),
        "used": browser_client.post(f"{base}{path}/done", data={"csrf": csrf}),
    }
    statuses = {name: answer.status_code for name, answer in answers.items()}
    assert statuses == {
        "task page": 200,
        "stylesheet": 200,
        "missing asset": 404,
        "forged link": 403,
        "no such page": 404,
        "wrong method": 405,
        "forged form": 403,
        "form again": 422,
        "too large": 413,
        "health": 200,
        "done": 200,
        "used": 409,
    }
    for name, answer in answers.items():
        assert_protected(answer, static=name == "stylesheet")
    assert answers["stylesheet"].headers["content-type"].startswith("text/css")
    assert "govuk-button" in answers["stylesheet"].text and "GDS Transport" not in answers["stylesheet"].text

    @MANY
    @given(path=ANY_TEXT, method=st.sampled_from(["GET", "POST", "HEAD", "PUT"]))
    def any_path(path: str, method: str) -> None:
        answer = browser_client.request(method, f"{base}/{quote(path, safe='/')}")
        assert_protected(answer, static=answer.request.url.path.startswith("/assets/") and answer.status_code == 200)

    any_path()


def test_a_form_token_the_client_chooses_is_refused_even_with_a_matching_cookie(web, set_clock, browser_client):
    """The old defect: a cross-site POST with an attacker-chosen cookie and the same value in the form was taken."""
    base, runtime = web
    set_clock("2026-12-18T10:00")
    reference, path = section_11_task(runtime)
    before = snapshot(runtime, reference)

    @MANY
    @given(chosen=ANY_TEXT.filter(lambda text: text.isascii() and ";" not in text and text.strip() == text))
    @example(chosen="attacker-chosen-value")
    def attempt(chosen: str) -> None:
        response = browser_client.post(
            f"{base}{path}/done",
            data={"csrf": chosen, "note": "forged"},
            headers={"cookie": f"wf_csrf={quote(chosen)}"},
        )
        assert response.status_code == 403 and "Nothing has been changed" in response.text
        assert snapshot(runtime, reference) == before

    attempt()


FETCH_SITES = st.sampled_from([None, "same-origin", "same-site", "cross-site", "none", "", "SAME-ORIGIN"])
ORIGINS = st.one_of(
    st.sampled_from([None, "null", "http://evil.example", "http://127.0.0.1", "https://127.0.0.1", "http://localhost"]),
    ANY_TEXT.filter(lambda text: text.isascii() and text.isprintable() and text.strip() == text),
)


def test_a_post_is_taken_only_from_the_services_own_pages(web, set_clock, browser_client):
    """Sec-Fetch-Site decides when sent (only same-origin); Origin must be ours unless it is `null` beside
    Sec-Fetch-Site: same-origin (what no-referrer makes browsers send); neither header: a non-browser client."""
    base, runtime = web
    set_clock("2026-12-18T10:00")
    reference, path = section_11_task(runtime)
    csrf = csrf_of(browser_client.get(base + path))
    before = snapshot(runtime, reference)

    @MANY
    @given(fetch_site=FETCH_SITES, origin=st.one_of(ORIGINS, st.just(base)))
    @example(fetch_site="cross-site", origin=base)
    @example(fetch_site=None, origin="null")
    @example(fetch_site="same-origin", origin="null")
    @example(fetch_site="same-origin", origin="http://evil.example")
    @example(fetch_site=None, origin=None)
    @example(fetch_site=None, origin=base)
    def attempt(fetch_site: str | None, origin: str | None) -> None:
        sent = (("sec-fetch-site", fetch_site), ("origin", origin))
        headers = {name: value for name, value in sent if value is not None}
        # An amount that does not read: a request let through gets the form again (422) and changes nothing either.
        response = browser_client.post(
            f"{base}{path}/request-extension", data={"csrf": csrf, "amount": "soon", "reason": "x"}, headers=headers
        )
        same_origin_fetch = fetch_site is None or fetch_site.lower() == "same-origin"
        origin_ours = origin is None or origin == base or (origin == "null" and fetch_site is not None)
        expected = 422 if same_origin_fetch and origin_ours else 403
        assert response.status_code == expected, (fetch_site, origin, response.text[:500])
        assert snapshot(runtime, reference) == before

    attempt()


class _AttackerPage(BaseHTTPRequestHandler):
    form = b""

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("content-type", "text/html")
        self.end_headers()
        self.wfile.write(self.form)

    def log_message(self, *args) -> None:
        pass


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_form_on_another_site_is_refused_in_real_chromium(web, set_clock, browser_client, chromium_at):
    """A page on another origin posts the link's form (even with the right token) from the person's browser: 403."""
    base, runtime = web
    set_clock("2026-12-18T10:00")
    reference, path = section_11_task(runtime)
    csrf = csrf_of(browser_client.get(base + path))
    before = snapshot(runtime, reference)
    _AttackerPage.form = (
        f'<!DOCTYPE html><html lang="en"><title>Prize</title><form method="post" action="{base}{path}/done">'
        f'<input type="hidden" name="csrf" value="{csrf}"><button id="go">Claim</button></form></html>'
    ).encode()
    attacker = ThreadingHTTPServer(("localhost", 0), _AttackerPage)
    threading.Thread(target=attacker.serve_forever, daemon=True).start()
    try:
        browser = chromium_at(1000, 800)
        browser.get(f"http://localhost:{attacker.server_address[1]}/")
        browser.find_element(By.ID, "go").click()
        heading = WebDriverWait(browser, 10).until(expected_conditions.presence_of_element_located((By.TAG_NAME, "h1")))
        assert heading.text == "This form was not sent from our page"
        assert "Nothing has been changed" in browser.page_source
    finally:
        attacker.shutdown()
    assert snapshot(runtime, reference) == before


def test_the_link_token_leaves_in_no_referer_and_pages_say_so_themselves(web, set_clock, browser_client):
    base, runtime = web
    set_clock("2026-12-18T10:00")
    _, path = section_11_task(runtime)
    page = browser_client.get(base + path)
    assert page.headers["referrer-policy"] == "no-referrer"
    assert '<meta name="referrer" content="no-referrer">' in page.text
    # Nothing on the page is fetched from elsewhere, and nothing inline: the CSP holds without exceptions.
    assert not re.search(r"<script|style=|<style|https?://(?!127\.0\.0\.1)", page.text)
