"""Bounded waits for the task pages' server: a client that sends its request too slowly is cut off, so that slow
connections (one byte every few seconds, or none) cannot hold the server's sockets until the open-file limit.

uvicorn bounds only the wait between requests on a kept-alive connection (`timeout_keep_alive`); a connection's
first request, a request's headers and its body may each take for ever. Here a request's headers must arrive
within HEADERS_TIMEOUT of its first byte (or of the connection, for the first request), and its body within
BODY_TIMEOUT of its headers. A deadline is not moved by bytes that trickle in.
"""

from __future__ import annotations

import asyncio
import logging

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

HEADERS_TIMEOUT = 10.0
BODY_TIMEOUT = 30.0
LIMITS = {"headers": HEADERS_TIMEOUT, "body": BODY_TIMEOUT}

log = logging.getLogger(__name__)


class BoundedWaitsProtocol(H11Protocol):
    """uvicorn's HTTP/1.1 protocol with a deadline for each request's headers and for its body."""

    waiting_for: str | None = None
    deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._expect("headers")

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        self._follow()

    def connection_lost(self, exc: Exception | None) -> None:
        self._clear()
        super().connection_lost(exc)

    def _follow(self) -> None:
        """Which part of a request is awaited now, from h11's view of the client's side."""
        theirs = self.conn.their_state
        if theirs is h11.SEND_BODY:
            self._expect("body")
        elif theirs is h11.IDLE and self.conn.trailing_data[0]:
            self._expect("headers")  # a request has begun and its headers are not all here
        elif theirs is not h11.IDLE:
            self._clear()  # the request is all here (or the connection is closing): the application has it
        # IDLE with nothing buffered: between requests, uvicorn's keep-alive timeout governs.

    def _expect(self, part: str) -> None:
        if self.waiting_for == part:
            return  # trickling bytes do not move the deadline
        self._clear()
        self.waiting_for = part
        self.deadline = self.loop.call_later(LIMITS[part], self._too_slow)

    def _clear(self) -> None:
        if self.deadline is not None:
            self.deadline.cancel()
        self.deadline = None
        self.waiting_for = None

    def _too_slow(self) -> None:
        part, self.waiting_for, self.deadline = self.waiting_for, None, None
        if not self.transport.is_closing():
            log.info("closed a connection whose request %s did not arrive in time", part)
            self.transport.close()
