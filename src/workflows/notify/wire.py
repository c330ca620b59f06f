"""A MIME message written straight to the bytes that go on the wire, without the email package's object model.

Building an `EmailMessage` (its header objects, `set_content`, the generator) cost about 3 ms a message, most of
delivery's time; writing the same structure costs about 0.1 ms. What keeps it correct:

- every body is quoted-printable or base64, so the message is 7-bit ASCII whatever the text, no body line is longer
  than 76 characters, and no body can contain a boundary (each holds "=_", which neither encoding ever writes);
- a header that is not plain printable ASCII fitting on one line (a subject in Welsh, an over-long one) is folded by
  the email package itself, as before: RFC 2047 encoded words, lines of at most 998 characters.
"""

from __future__ import annotations

import base64
import binascii
import itertools
import secrets
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from email.policy import SMTP as SMTP_POLICY

CRLF = b"\r\n"
# Headers folded only past RFC 5322's 998-character limit: at 78 a long X-Workflows-Key or Message-ID would be folded
# onto a continuation line, and mail filters read it back with a leading space.
WIRE_POLICY = SMTP_POLICY.clone(max_line_length=998)
MAX_LINE = 998
QP_LINE = 76  # RFC 2045: an encoded line is at most 76 characters


@dataclass(frozen=True, slots=True)
class WireEmail:
    """A whole message as it goes on the wire (CRLF line ends, 7-bit ASCII)."""

    data: bytes

    def as_bytes(self) -> bytes:
        return self.data

    def as_string(self) -> str:
        return self.data.decode("ascii")


@dataclass(frozen=True, slots=True)
class Part:
    """One MIME entity: its header lines (each ending CRLF) and its encoded body (ending CRLF)."""

    headers: bytes
    body: bytes


def header(name: str, value: str) -> bytes:
    """One header line. Plain printable ASCII that fits is written as it is (what the email package writes for it
    too); anything else is folded by the email package. An encoded word in the value ("=?") goes that way as well:
    the email package reads it as one, and so would a mail client."""
    if (
        value
        and value.isascii()
        and value.isprintable()
        and "=?" not in value
        and len(name) + 2 + len(value) <= MAX_LINE
    ):
        return f"{name}: {value}".encode("ascii") + CRLF
    return WIRE_POLICY.header_factory(name, value).fold(policy=WIRE_POLICY).encode("ascii")


def _lines(text: str) -> list[bytes]:
    """The text's lines in UTF-8, any line end (CRLF, LF or a lone CR) taken as one, as `set_content` reads them."""
    return text.encode("utf-8").splitlines()


def _within_76(line: bytes) -> Iterator[bytes]:
    """A quoted-printable line in pieces of at most 76 characters, soft line breaks between, never inside an "=XX"."""
    while len(line) > QP_LINE:
        cut = QP_LINE - 1
        escape = line.rfind(b"=", cut - 2, cut)  # an escape starting here would straddle the cut
        if escape != -1:
            cut = escape
        yield line[:cut] + b"="
        line = line[cut:]
    yield line


def _quoted_printable(data: bytes) -> bytes:
    """`data` (CRLF line ends) quoted-printable. `b2a_qp` can end a line with an encoded space or tab ("=20") one
    character past RFC 2045's 76: such a line is broken once more."""
    body = binascii.b2a_qp(data, istext=True)
    lines = body.split(CRLF)
    if max(map(len, lines)) <= QP_LINE:
        return body
    return CRLF.join(piece for line in lines for piece in _within_76(line))


def text_part(text: str, subtype: str) -> Part:
    """A text/<subtype> part in UTF-8, quoted-printable, with CRLF line ends and ending with one, as `set_content`
    ends it."""
    body = _quoted_printable(CRLF.join(_lines(text)) + CRLF)
    return Part(
        f'Content-Type: text/{subtype}; charset="utf-8"\r\nContent-Transfer-Encoding: quoted-printable\r\n'.encode(),
        body,
    )


def attachment(data: bytes, content_type: str, filename: str) -> Part:
    """An attachment, base64 in lines of 76 characters. `content_type` and `filename` are the caller's constants."""
    headers = (
        f"Content-Type: {content_type}\r\nContent-Transfer-Encoding: base64\r\n"
        f'Content-Disposition: attachment; filename="{filename}"\r\n'
    )
    return Part(headers.encode("ascii"), base64.encodebytes(data).replace(b"\n", CRLF))


# A boundary: "=_", this process's random prefix, a count. Unique within the process, and so within a message (a
# multipart's boundary is never that of the one inside it), without reading the system's random source each time.
_BOUNDARY_PREFIX = f"=_{secrets.token_hex(8)}."
_boundary_numbers = itertools.count()


def new_boundary() -> str:
    """Holding "=_", which no quoted-printable or base64 body can contain."""
    return f"{_BOUNDARY_PREFIX}{next(_boundary_numbers)}"


def multipart(subtype: str, parts: Sequence[Part]) -> Part:
    """A multipart/<subtype> entity of `parts`, laid out as the email package's generator lays it out."""
    boundary = new_boundary()
    delimiter = f"--{boundary}\r\n".encode("ascii")
    body = b"".join(delimiter + part.headers + CRLF + part.body + CRLF for part in parts)
    return Part(
        f'Content-Type: multipart/{subtype}; boundary="{boundary}"\r\n'.encode("ascii"),
        body + f"--{boundary}--\r\n".encode("ascii"),
    )


def message(headers: Sequence[bytes], content: Part) -> WireEmail:
    """The message: its header lines, then its content's, then its content."""
    return WireEmail(b"".join(headers) + b"MIME-Version: 1.0\r\n" + content.headers + CRLF + content.body)
