"""One message to one recipient over an open SMTP connection: MAIL, RCPT, DATA, as aiosmtplib's `sendmail` sends them.

`sendmail` parses each address four times with the standard library's `parseaddr` (pure Python: a fifth of delivery's
time). Delivery sends only to addresses it has checked to be one bare ASCII address (`recipient_problem`), so the
envelope is written as it is. The errors raised are `sendmail`'s own, so delivery reads the server's answers as before.
"""

from __future__ import annotations

import contextlib

import aiosmtplib
from aiosmtplib import (
    SMTPHeloError,
    SMTPRecipientRefused,
    SMTPRecipientsRefused,
    SMTPResponseException,
    SMTPSenderRefused,
)

from workflows.notify.compose import recipient_problem

_COMPLETED = 250
_WILL_FORWARD = 251


def _path(address: str) -> bytes:
    """`<address>` for MAIL FROM or RCPT TO; ValueError (as `sendmail` raises) for anything but one bare address."""
    problem = recipient_problem(address)
    if problem:
        raise ValueError(problem)
    return b"<" + address.encode("ascii") + b">"


async def _greet(client: aiosmtplib.SMTP) -> None:
    """EHLO (HELO to a server that knows no ESMTP) once a connection, or again after STARTTLS, as `sendmail` does."""
    if client.is_ehlo_or_helo_needed:
        try:
            await client.ehlo()
        except SMTPHeloError:
            if not client.is_connected:
                raise
            await client.helo()


async def send(client: aiosmtplib.SMTP, sender: str, recipient: str, message: bytes) -> None:
    """Send `message` (CRLF line ends) to `recipient`. A refusal leaves the connection ready for the next message."""
    sender_path, recipient_path = _path(sender), _path(recipient)
    await _greet(client)
    options = [f"SIZE={len(message)}".encode("ascii")] if client.supports_extension("size") else []
    try:
        response = await client.execute_command(b"MAIL", b"FROM:" + sender_path, *options)
        if response.code != _COMPLETED:
            raise SMTPSenderRefused(response.code, response.message, sender)
        response = await client.execute_command(b"RCPT", b"TO:" + recipient_path)
        if response.code not in (_COMPLETED, _WILL_FORWARD):
            raise SMTPRecipientsRefused([SMTPRecipientRefused(response.code, response.message, recipient)])
        await client.data(message)
    except (SMTPResponseException, SMTPRecipientsRefused):
        with contextlib.suppress(ConnectionError, SMTPResponseException):
            await client.rset()  # the envelope is reset for the next message
        raise
