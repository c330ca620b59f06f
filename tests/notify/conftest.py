"""A real SMTP server (aiosmtpd) on loopback for the whole session, with faults we can switch on."""

from __future__ import annotations

import asyncio
import email
import email.policy
import socket
import threading
from dataclasses import dataclass, field
from email.message import Message

import pytest
from aiosmtpd.controller import Controller


@dataclass
class Received:
    sender: str
    recipients: list[str]
    message: Message
    raw: bytes


@dataclass
class Mailbox:
    """What the server received, and the faults it plays."""

    received: list[Received] = field(default_factory=list)
    connections: int = 0
    refuse: set[str] = field(default_factory=set)  # answered 550 at RCPT
    busy: set[str] = field(default_factory=set)  # answered 451 at RCPT (temporary)
    data_delay: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def reset(self) -> None:
        with self.lock:
            self.received.clear()
            self.connections = 0
            self.refuse.clear()
            self.busy.clear()
            self.data_delay = 0.0

    def to(self, address: str) -> list[Received]:
        return [r for r in self.received if address in r.recipients]


class Handler:
    def __init__(self, mailbox: Mailbox) -> None:
        self.mailbox = mailbox

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        self.mailbox.connections += 1
        session.host_name = hostname
        return responses

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.mailbox.refuse:
            return "550 5.1.1 No such user here"
        if address in self.mailbox.busy:
            return "451 4.3.0 Mailbox busy, try later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.mailbox.data_delay:
            await asyncio.sleep(self.mailbox.data_delay)
        raw = envelope.original_content or envelope.content
        with self.mailbox.lock:
            self.mailbox.received.append(
                Received(
                    envelope.mail_from,
                    list(envelope.rcpt_tos),
                    email.message_from_bytes(raw, policy=email.policy.default),
                    raw,
                )
            )
        return "250 Message accepted"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class SmtpServer:
    def __init__(self) -> None:
        self.mailbox = Mailbox()
        self.port = free_port()
        self.controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(Handler(self.mailbox), hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller:
            self.controller.stop()
            self.controller = None


@pytest.fixture(scope="session")
def smtp_server():
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def smtp(smtp_server, monkeypatch):
    """The session's server, emptied, with WORKFLOWS_SMTP_* pointing at it; restarted if a test stopped it."""
    if smtp_server.controller is None:
        smtp_server.start()
    smtp_server.mailbox.reset()
    monkeypatch.setenv("WORKFLOWS_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("WORKFLOWS_SMTP_PORT", str(smtp_server.port))
    monkeypatch.setenv("WORKFLOWS_SMTP_TIMEOUT", "10")
    yield smtp_server
    if smtp_server.controller is None:
        smtp_server.start()
