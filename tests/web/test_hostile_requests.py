"""Whatever a request holds, the task pages answer with a page that says what happened and what to do: never a
500, never a stack trace, and the case unchanged whenever the answer is a refusal.

One test per kind of hostility, each trying many generated requests against the real server (on SQLite and on
PostgreSQL, which refuses NUL in text): the link token in the path, the form token, the form's fields (control
characters, NUL, huge and numeric text), methods and content types, raw bytes on the wire. And the last resort:
a real internal fault (a table gone) answers the plain 500 page and logs nothing of the case.
"""

from __future__ import annotations

import logging
import re
import socket
from urllib.parse import quote, urlsplit

import httpx
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from tests.web.test_links import csrf_of, history_of, holder, link
from workflows.operations import cases, reports

HOSTILE = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
TRACEBACK = re.compile(r"Traceback|File \"|line \d+, in |Internal Server Error|Exception", re.IGNORECASE)

# Any text at all: every plane, controls (NUL among them) and invisible characters; no lone surrogates (they cannot
# be sent as UTF-8).
ANY_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=80)
_REPEATED = st.sampled_from(["9", "a", "\x00", "é", "\u202e"])
HUGE_TEXT = st.builds(lambda char, n: char * n, _REPEATED, st.integers(0, 9999))
FIELD = st.one_of(ANY_TEXT, HUGE_TEXT, st.sampled_from(["", "5 working days", "24 hours", "resolved", "\x00"]))


@pytest.fixture
def server_errors():
    """What the server and the app log at ERROR or above while a test runs (an unhandled error would show here)."""
    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    handler = Keep(logging.ERROR)
    loggers = [logging.getLogger(name) for name in ("uvicorn.error", "uvicorn", "workflows.web")]
    for logger in loggers:
        logger.addHandler(handler)
    yield records
    for logger in loggers:
        logger.removeHandler(handler)


def assert_answered_well(response: httpx.Response) -> None:
    """No 500, no stack trace; a page that says what happened and what to do next."""
    assert response.status_code < 500, (response.status_code, response.text[:2000])
    assert not TRACEBACK.search(response.text), response.text[:2000]
    if response.status_code >= 400 and response.request.method != "HEAD":
        assert response.headers["content-type"].startswith("text/html"), response.headers
        assert re.search(r'<h1 class="govuk-heading-l">[^<]+</h1>', response.text) or "govuk-error-summary" in (
            response.text
        )
        next_step = r"Open the link|Go back|correct|Use the|ask the partnership business unit|Ask the"
        assert re.search(next_step, response.text), response.text
        assert "Nothing has been changed" in response.text


def section_11_task(runtime) -> tuple[str, str]:
    """A case whose open task allows an extension: (reference, the owner's link path)."""
    reference = cases.start(runtime, "section-11-audit", {})[0]
    stage = next(s["id"] for s in reports.status(runtime, reference)["stages"] if s["state"] == "open")
    owner = holder(runtime, runtime.library.get("section-11-audit").stages[stage].owner)
    return reference, link(reference, stage, owner)


def snapshot(runtime, reference) -> tuple:
    return history_of(runtime, reference), reports.status(runtime, reference)["stages"]


def test_hostile_link_tokens_are_refused_as_forged_links(web, set_clock, browser_client, server_errors):
    """Any text in the token's place (non-ASCII, controls, slashes, a real token altered): 403/404/405, a page."""
    base, runtime = web
    set_clock("2026-12-18T10:00")
    reference, path = section_11_task(runtime)
    good = path.removeprefix("/t/")
    before = snapshot(runtime, reference)

    @HOSTILE
    @given(
        token=st.one_of(
            ANY_TEXT,
            st.builds(lambda cut, extra: good[:cut] + extra, st.integers(0, len(good)), ANY_TEXT),
            st.builds(lambda extra: good + extra, ANY_TEXT.filter(bool)),
        ),
        method=st.sampled_from(["GET", "POST"]),
    )
    @example(token=good[:-1] + "é", method="GET")
    @example(token="é." + good.split(".")[1], method="GET")
    @example(token=good.split(".")[0] + ".ü", method="POST")
    def attempt(token: str, method: str) -> None:
        if token == good:
            return
        url = f"{base}/t/{quote(token, safe='')}" + ("/done" if method == "POST" else "")
        response = browser_client.request(method, url, data={"csrf": "x"} if method == "POST" else None)
        assert_answered_well(response)
        assert response.status_code in (400, 403, 404, 405, 410), (token, response.status_code)

    attempt()
    assert snapshot(runtime, reference) == before
    assert not server_errors, [record.getMessage() for record in server_errors]


def test_any_form_token_but_the_links_own_is_refused(web, set_clock, browser_client, server_errors):
    """The form token is the link's own (an HMAC under the server's secret): anything else, ASCII or not, is 403."""
    base, runtime = web
    set_clock("2026-12-18T10:00")
    reference, path = section_11_task(runtime)
    real = csrf_of(browser_client.get(base + path))
    before = snapshot(runtime, reference)

    @HOSTILE
    @given(csrf=st.one_of(ANY_TEXT, st.builds(lambda cut, extra: real[:cut] + extra, st.integers(0, 64), ANY_TEXT)))
    @example(csrf="ünïcödé")
    @example(csrf=real.upper())
    @example(csrf=path.split(".")[-1])  # the link's own signature
    def attempt(csrf: str) -> None:
        if csrf == real:
            return
        response = browser_client.post(f"{base}{path}/done", data={"csrf": csrf, "note": "from elsewhere"})
        assert_answered_well(response)
        assert response.status_code == 403
        assert snapshot(runtime, reference) == before

    attempt()
    assert not server_errors, [record.getMessage() for record in server_errors]


def test_hostile_form_fields_get_the_form_again_or_a_refusal_never_a_500(web, set_clock, browser_client, server_errors):
    """Valid link and form token, anything in the fields: NUL (PostgreSQL cannot store it), control characters,
    5,000-digit amounts, fields far longer than the form allows. Each answer is done (200), the form again with
    its error (422), or a refusal; whatever is refused leaves the case as it was."""
    base, runtime = web
    set_clock("2026-12-18T10:00")
    reference, path = section_11_task(runtime)
    csrf = csrf_of(browser_client.get(base + path))

    @HOSTILE
    @given(
        action=st.one_of(st.sampled_from(["request-extension", "done", "decide", "acknowledge", "approve"]), ANY_TEXT),
        note=FIELD,
        option=FIELD,
        amount=FIELD,
        reason=FIELD,
    )
    @example(action="request-extension", note="", option="", amount="9" * 5000, reason="Staff absence")
    @example(action="request-extension", note="", option="", amount="9" * 5000 + " working days", reason="Absence")
    @example(action="request-extension", note="", option="", amount="5 working days", reason="Staff\x00absence")
    @example(action="done", note="Sent\x00 to agencies", option="", amount="", reason="")
    def attempt(action: str, note: str, option: str, amount: str, reason: str) -> None:
        before = snapshot(runtime, reference)
        fields = {"csrf": csrf, "note": note, "option": option, "amount": amount, "reason": reason}
        response = browser_client.post(f"{base}{path}/{quote(action, safe='')}", data=fields)
        assert_answered_well(response)
        if response.status_code != 200:
            assert snapshot(runtime, reference) == before, (action, response.status_code)
        if response.status_code == 422 and "govuk-error-summary" in response.text:
            assert '<form method="post"' in response.text and "Check what you entered" in response.text

    attempt()
    assert not server_errors, [record.getMessage() for record in server_errors]


def test_a_5000_digit_amount_gets_the_form_again_with_a_message(web, set_clock, browser_client):
    base, runtime = web
    set_clock("2026-12-18T10:00")
    reference, path = section_11_task(runtime)
    before = snapshot(runtime, reference)
    csrf = csrf_of(browser_client.get(base + path))
    response = browser_client.post(
        f"{base}{path}/request-extension", data={"csrf": csrf, "amount": "9" * 5000, "reason": "Staff absence"}
    )
    assert response.status_code == 422
    assert 'class="govuk-error-summary"' in response.text and 'href="#amount"' in response.text
    assert 'id="amount-error"' in response.text and "Staff absence" in response.text  # what was typed is kept
    assert snapshot(runtime, reference) == before


CONTENT_TYPES = st.sampled_from(
    [
        "application/json",
        "text/plain",
        "application/xml",
        "multipart/form-data",
        "multipart/form-data; boundary=xyz",
        "application/x-www-form-urlencoded",
        "application/x-www-form-urlencoded; charset=utf-16",
        "image/png",
        "",
    ]
)
BODIES = st.one_of(
    st.binary(max_size=2000),
    st.builds(lambda n: b"note=" + b"A" * n, st.integers(0, 200_000)),
    st.sampled_from([b'{"csrf": "x"}', b"--xyz\r\nContent-Disposition: form-data; name=note\r\n\r\nhi\r\n--xyz--\r\n"]),
    st.builds(lambda junk: b"csrf=%ZZ&note=%" + junk, st.binary(max_size=50)),
)


def test_wrong_methods_content_types_and_bodies_are_refused_with_a_page(web, set_clock, browser_client, server_errors):
    base, runtime = web
    set_clock("2026-12-18T10:00")
    reference, path = section_11_task(runtime)
    csrf = csrf_of(browser_client.get(base + path))
    before = snapshot(runtime, reference)

    @HOSTILE
    @given(
        method=st.sampled_from(["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"]),
        target=st.sampled_from([path, f"{path}/done", f"{path}/request-extension", "/t/", "/", "/assets/../app.py"]),
        content_type=CONTENT_TYPES,
        body=BODIES,
        with_csrf=st.booleans(),
    )
    @example(method="PUT", target=f"{path}/done", content_type="", body=b"", with_csrf=False)
    @example(method="POST", target=f"{path}/done", content_type="text/plain", body=b"csrf=x", with_csrf=False)
    @example(method="POST", target=f"{path}/done", content_type="multipart/form-data", body=b"--", with_csrf=True)
    def attempt(method: str, target: str, content_type: str, body: bytes, with_csrf: bool) -> None:
        if with_csrf and content_type.startswith("application/x-www-form-urlencoded"):
            body = f"csrf={csrf}&".encode() + body
        headers = {"content-type": content_type} if content_type else {}
        nonlocal before
        response = browser_client.request(method, base + target, content=body or None, headers=headers)
        assert_answered_well(response)
        if response.status_code == 200 and method == "POST":
            before = snapshot(runtime, reference)  # a well-formed action was taken: later refusals keep this state
        else:
            assert snapshot(runtime, reference) == before

    attempt()
    assert not server_errors, [record.getMessage() for record in server_errors]


def test_raw_bytes_in_the_request_line_never_get_a_500(web, server_errors):
    """Bytes no client library would send (invalid UTF-8, broken %-escapes) straight onto the socket."""
    host, port = urlsplit(web[0]).hostname, urlsplit(web[0]).port

    @HOSTILE
    @given(
        path=st.binary(min_size=1, max_size=300).map(lambda b: bytes(c for c in b if c > 0x20 and c != 0x7F)),
        method=st.sampled_from([b"GET", b"POST", b"HEAD"]),
    )
    @example(path=b"\xff\xfe%ff%00", method=b"GET")
    @example(path=b"%c3%28.%e2%82", method=b"POST")
    def attempt(path: bytes, method: bytes) -> None:
        headers = b"Host: 127.0.0.1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        request = method + b" /t/" + path + b" HTTP/1.1\r\n" + headers
        with socket.create_connection((host, port), timeout=10) as connection:
            connection.sendall(request)
            answer = b""
            while chunk := connection.recv(65536):
                answer += chunk
        status_line = answer.split(b"\r\n", 1)[0]
        assert re.match(rb"HTTP/1\.1 [1-4]\d\d ", status_line), answer[:500]
        assert b"Traceback" not in answer

    attempt()
    assert not server_errors, [record.getMessage() for record in server_errors]


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_a_genuine_internal_fault_answers_the_plain_500_page_and_logs_nothing_of_the_case(
    web, set_clock, browser_client, server_errors
):
    """A real fault (the cases table gone under the server): the last resort's page, with what to do and an
    incident number; the log names the error's type and where, never its text (which carries the case)."""
    base, runtime = web
    set_clock("2026-12-18T10:00")
    secret_fact = "Zebedee Quillfeather"
    reference, path = section_11_task(runtime)
    csrf = csrf_of(browser_client.get(base + path))
    with runtime.db.begin() as connection:
        connection.execute(text("DROP TABLE link_uses"))
    response = browser_client.post(f"{base}{path}/done", data={"csrf": csrf, "note": secret_fact})
    assert response.status_code == 500
    assert "Sorry, something went wrong" in response.text and "Nothing was recorded" in response.text
    assert "ask the partnership business unit" in response.text
    assert not TRACEBACK.search(response.text), response.text
    assert response.headers["content-security-policy"].startswith("default-src 'self'")
    incident = re.search(r"quote this reference: <strong>([0-9A-F]{8})</strong>", response.text)[1]
    (logged,) = [record.getMessage() for record in server_errors]
    assert incident in logged and "OperationalError" in logged
    assert secret_fact not in logged and reference not in logged and "link_uses" not in logged
