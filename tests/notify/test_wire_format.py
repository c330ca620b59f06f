"""The message delivery writes straight to bytes (notify/wire.py) reads back, with the standard library's parser, as the
one the email package used to build: the same headers (a subject outside ASCII included), the same parts and the same
bodies, for every kind, whatever the text (letters outside ASCII, long lines, lines starting "." or "From ", any line
end). And it keeps to the wire's rules: 7-bit ASCII, CRLF line ends, no line over 998 characters (nor over 76 in a
body), no defects.
"""

from __future__ import annotations

import asyncio
import dataclasses
import email
import email.policy
from datetime import datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime
from pathlib import Path

import aiosmtplib
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workflows.calendar.london import LONDON, to_london
from workflows.config.loader import load_config
from workflows.definitions.library import load_sound_library
from workflows.notify import envelope
from workflows.notify.compose import (
    DEADLINE_KINDS,
    Queued,
    Unsendable,
    build_email,
    context_for,
    header_problem,
    message_id,
)
from workflows.notify.invite import deadline_invite, invite_uid
from workflows.notify.templates import KINDS, Rendered, Templates

REPO = Path(__file__).resolve().parents[2]
SENDER = "safeguarding-partnership@stoke-council.example"
RECIPIENT = "lead@agency.example"
STAMP = datetime(2026, 12, 18, 10, 0, tzinfo=LONDON)
DUE = datetime(2026, 12, 21, 23, 59, tzinfo=LONDON)
HEADERS = ["From", "To", "Subject", "Message-ID", "Date", "Auto-Submitted", "X-Workflows-Key", "MIME-Version"]
# What the email package built before, flattened as delivery sent it.
OLD_WIRE_POLICY = SMTP.clone(max_line_length=998)


def email_package_build(queued: Queued, rendered: Rendered, *, sender: str, recipient: str, stamp: datetime) -> bytes:
    """The message as `build_email` built it with the email package before it wrote bytes itself: the reference."""
    problem = header_problem(queued, recipient, rendered.subject)
    if problem:
        raise Unsendable(problem)
    domain = sender.rpartition("@")[2]
    message = EmailMessage()
    message["From"] = sender
    message["To"] = recipient
    message["Subject"] = rendered.subject
    message["Message-ID"] = message_id(queued.key, recipient, domain)
    message["Date"] = format_datetime(stamp)
    message["Auto-Submitted"] = "auto-generated"
    message["X-Workflows-Key"] = queued.key
    message.set_content(rendered.text)
    message.add_alternative(rendered.html, subtype="html")
    if queued.kind in DEADLINE_KINDS and queued.due_at is not None and queued.reference and queued.stage:
        stage = queued.process.stages.get(queued.stage) if queued.process else None
        hour_based = bool(stage and stage.due.is_elapsed_time)
        ics = deadline_invite(
            uid=invite_uid(queued.reference, queued.stage, queued.task, domain),
            sequence=int(queued.details.get("due_version", 0)),
            summary=f"Due: {rendered.subject}",
            description=f"{queued.reference}: see the message for the link",
            due_at=queued.due_at,
            due_day=None if hour_based else to_london(queued.due_at).date(),
            stamp=stamp,
        )
        message.add_attachment(
            ics.encode(), maintype="text", subtype="calendar", filename="deadline.ics", params={"method": "PUBLISH"}
        )
    return message.as_bytes(policy=OLD_WIRE_POLICY)


def read_back(raw: bytes) -> dict:
    """What a reader gets from a message: its headers, and each part's type, parameters (but the boundary, which is
    random), disposition, file name and decoded text."""
    message = email.message_from_bytes(raw, policy=email.policy.default)
    parts = []
    for part in message.walk():
        parameters = [(name, value) for name, value in part.get_params() or [] if name != "boundary"]
        # Line ends as a reader takes them: the email package's base64 bodies decoded to LF, its others to CRLF.
        content = None if part.is_multipart() else part.get_content().replace("\r\n", "\n")
        parts.append(
            (part.get_content_type(), parameters, part.get_content_disposition(), part.get_filename(), content)
        )
    return {
        "header names": sorted(message.keys()),
        "headers": {name: str(message[name]) for name in HEADERS},
        "parts": parts,
    }


def assert_fit_for_the_wire(raw: bytes) -> None:
    assert raw.isascii()
    assert raw.count(b"\n") == raw.count(b"\r\n") and raw.count(b"\r") == raw.count(b"\r\n"), "CRLF line ends only"
    assert raw.endswith(b"\r\n")
    assert max(len(line) for line in raw.split(b"\r\n")) <= 998
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert all(not part.defects for part in message.walk()), [part.defects for part in message.walk()]
    for part in message.walk():
        if not part.is_multipart():  # quoted-printable and base64 lines: at most 76 characters (RFC 2045)
            assert part["Content-Transfer-Encoding"] in ("quoted-printable", "base64")
            assert max(len(line) for line in part.get_payload().splitlines()) <= 76


def queued_message(kind: str, *, key: str = "RR-2026-001/request-chronologies/task-assigned-1/v0", **changes) -> Queued:
    fields = {
        "id": 1,
        "key": key,
        "kind": kind,
        "reference": "RR-2026-001",
        "process": None,
        "stage": "request-chronologies",
        "task": None,
        "role": "business-manager",
        "agency": None,
        "copy_role": None,
        "due_at": DUE,
        "details": {"due_version": 2, "number": 1},
    }
    return Queued(**{**fields, **changes})


def _addressing() -> dict:
    return {"sender": SENDER, "recipient": RECIPIENT, "stamp": STAMP}


def both(queued: Queued, rendered: Rendered, recipient: str = RECIPIENT) -> tuple[bytes, bytes]:
    """The message built now, and as the email package built it."""
    new = build_email(queued, rendered, sender=SENDER, recipient=recipient, stamp=STAMP).as_bytes()
    old = email_package_build(queued, rendered, sender=SENDER, recipient=recipient, stamp=STAMP)
    return new, old


# -- text that has broken hand-written MIME before: letters outside ASCII, long lines, dots, "From ", stray line ends --

LETTERS = st.characters(exclude_categories=("Cs",))  # anything UTF-8 can carry
LINE_STARTS = st.sampled_from(["", ".", "..", ". ", "From ", ">From ", "=", "=?utf-8?q?x?=", " ", "\t", "--", "--=_"])
LINE_ENDS = st.sampled_from(["", " ", "\t", "=", ".", " \t"])
SHORT_LINE = st.tuples(LINE_STARTS, st.text(LETTERS, max_size=100), LINE_ENDS).map("".join)
LONG_LINE = st.tuples(st.text(LETTERS, min_size=1, max_size=5), st.integers(70, 1500)).map(lambda t: t[0] * t[1])
BREAKS = st.sampled_from(["\n", "\r\n", "\r"])
BODIES = st.lists(st.tuples(st.one_of(SHORT_LINE, LONG_LINE), BREAKS), max_size=12).map(
    lambda lines: "".join(line + end for line, end in lines)
)
# A subject as the templates give it (whitespace collapsed), that `header_problem` lets through (printable).
SUBJECTS = (
    st.text(st.one_of(LETTERS, st.sampled_from(" =?.")), min_size=1, max_size=400)
    .map(lambda text: " ".join(text.split()))
    .filter(lambda text: text and text.isprintable())
)
KEYS = st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1, max_size=400)


@settings(max_examples=300, deadline=None)
@given(
    kind=st.sampled_from(KINDS),
    subject=SUBJECTS,
    text=BODIES,
    html=BODIES,
    key=KEYS,
    due=st.sampled_from([DUE, None]),
)
def test_every_kind_reads_back_as_the_email_package_built_it(kind, subject, text, html, key, due):
    queued = queued_message(kind, key=key, due_at=due)
    new, old = both(queued, Rendered(subject=subject, text=text, html=html))
    assert_fit_for_the_wire(new)
    assert read_back(new) == read_back(old)
    got = email.message_from_bytes(new, policy=email.policy.default)
    if "=?" not in subject:  # an encoded word in a subject is read as one, as the email package always read it
        assert str(got["Subject"]) == subject
    assert str(got["To"]) == RECIPIENT
    assert str(got["X-Workflows-Key"]) == key
    plain, html_part = got.get_body(("plain",)), got.get_body(("html",))
    assert plain is not None and html_part is not None
    assert plain.get_content().replace("\r\n", "\n") == _as_set_content_reads(text)
    assert html_part.get_content().replace("\r\n", "\n") == _as_set_content_reads(html)
    calendars = [part for part in got.walk() if part.get_content_type() == "text/calendar"]
    assert len(calendars) == (1 if kind in DEADLINE_KINDS and due is not None else 0)


def _as_set_content_reads(text: str) -> str:
    """Any line end read as one, and a last one added: how the email package has always taken a text body."""
    return "".join(line.decode() + "\n" for line in text.encode().splitlines()) or "\n"


@pytest.fixture(scope="module")
def shipped():
    """The shipped config and process library, without a database: rendering reads neither cases nor facts."""
    config = load_config(REPO / "config")
    return config, load_sound_library([REPO / "processes"], config)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("copied", [False, True])
def test_every_kind_rendered_from_the_shipped_templates_reads_back_as_before(shipped, kind, copied):
    config, library = shipped
    queued = queued_message(
        kind,
        process=library.get("rapid-review"),
        copy_role="business-manager" if kind == "escalation" else None,
        details={"due_version": 1, "number": 2, "items": []},
    )
    context = context_for(queued, config, RECIPIENT, copied, "http://127.0.0.1:8000/t/abc.def")
    rendered = Templates().render(kind, context)
    new, old = both(queued, rendered)
    assert_fit_for_the_wire(new)
    assert read_back(new) == read_back(old)
    structure = [part.get_content_type() for part in email.message_from_bytes(new, policy=email.policy.default).walk()]
    alternative = ["multipart/alternative", "text/plain", "text/html"]
    if kind in DEADLINE_KINDS:
        assert structure == ["multipart/mixed", *alternative, "text/calendar"]
    else:
        assert structure == alternative


def test_a_welsh_subject_is_encoded_as_rfc_2047_and_reads_back_whole():
    subject = "Angen gweithredu erbyn dydd Llun 21 Rhagfyr: Cronolegau\u2019r asiantaethau (RR-2026-001) ŵ ŷ"
    new, old = both(queued_message("reminder"), Rendered(subject=subject, text="Diolch\n", html="<p>Diolch</p>\n"))
    assert b"=?utf-8?" in new and subject.encode() not in new
    assert read_back(new) == read_back(old)
    assert str(email.message_from_bytes(new, policy=email.policy.default)["Subject"]) == subject


def test_a_message_that_cannot_be_built_is_refused_as_before():
    rendered = Rendered(subject="Reminder", text="t\n", html="<p>t</p>\n")
    for queued, recipient in [
        (queued_message("reminder", key="RR-1/x\r\nBcc: x@example.org"), RECIPIENT),
        (queued_message("reminder", reference="RR-1\nX: y"), RECIPIENT),
        (queued_message("reminder"), "Bea <bea@example.org>"),
    ]:
        with pytest.raises(Unsendable):
            build_email(queued, rendered, sender=SENDER, recipient=recipient, stamp=STAMP)
    with pytest.raises(Unsendable):
        build_email(queued_message("reminder"), dataclasses.replace(rendered, subject="a\x07b"), **_addressing())


def test_tricky_lines_survive_a_real_smtp_server(smtp):
    """Over SMTP a line holding only "." ends the message unless it is escaped: sent as delivery sends it (its own
    envelope), the server gets every line back."""
    text = ".\n..\n.leading dot\nFrom the business unit\n" + "é" * 600 + "\n" + "x" * 1200 + "\n \n\t\nend.\n"
    rendered = Rendered(subject="Réunion: . From (RR-2026-001)", text=text, html=f"<pre>{text}</pre>\n")
    wire = build_email(queued_message("reminder"), rendered, **_addressing()).as_bytes()

    async def send() -> None:
        client = aiosmtplib.SMTP(hostname="127.0.0.1", port=smtp.port, start_tls=False)
        await client.connect()
        await envelope.send(client, SENDER, RECIPIENT, wire)
        await client.quit()

    asyncio.run(send())
    (received,) = smtp.mailbox.received
    assert received.raw.replace(b"\r\n", b"\n") == wire.replace(b"\r\n", b"\n")
    assert read_back(received.raw) == read_back(wire)
    assert received.message.get_body(("plain",)).get_content().replace("\r\n", "\n") == text
