"""Around every request to the task pages: security headers on every answer, a cap on what a request may send,
and the last resort for anything unforeseen.

The last resort answers a plain page (500: something went wrong, nothing was recorded, try again or ask the
business unit) and logs the error's type and where it was raised, with an incident number the page shows too.
It never logs the error's message: a database error's text can carry what was being stored (facts of a case).
"""

from __future__ import annotations

import logging
import secrets
import traceback
from collections.abc import Callable
from pathlib import Path

from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("workflows.web")

MAX_BODY_BYTES = 64 * 1024  # the largest form (an extension's amount and reason) is a few KB
DRAIN_BYTES = 1024 * 1024  # read (and drop) this much of an oversized body before answering; beyond, just answer
STATIC_PREFIX = "/assets/"

# No script at all, styles only from our own stylesheet, nothing framed, forms only to ourselves, no <base>.
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'none'",
        "style-src 'self'",
        "img-src 'self'",
        "font-src 'self'",
        "connect-src 'none'",
        "object-src 'none'",
        "frame-ancestors 'none'",
        "form-action 'self'",
        "base-uri 'none'",
    )
)
SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),  # the link token is in the URL: it must never leave in a Referer
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), payment=()"),
)
_REPLACED = {name for name, _ in SECURITY_HEADERS} | {b"cache-control", b"strict-transport-security"}

# Renders the page for a status: (status, title, message, next step, incident number or None) -> a response.
ProblemPage = Callable[[int, str, str, str, str | None], Response]


class BodyTooLarge(HTTPException):
    def __init__(self) -> None:
        super().__init__(413, "The form sent more than this page accepts.")


def where(error: BaseException) -> str:
    """Where an error was raised, as file:line in function (the innermost frames), without its message."""
    frames = traceback.extract_tb(error.__traceback__)[-4:]
    return " < ".join(f"{Path(frame.filename).name}:{frame.lineno} in {frame.name}" for frame in reversed(frames))


class Guard:
    """Pure ASGI middleware (so it sees errors no handler took, before the server would print them)."""

    def __init__(self, app: ASGIApp, problem_page: ProblemPage) -> None:
        self.app, self.problem_page = app, problem_page

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False
        static = scope.get("path", "").startswith(STATIC_PREFIX)
        https = scope.get("scheme") == "https"

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() not in _REPLACED]
                headers += SECURITY_HEADERS
                cacheable = static and message["status"] in (200, 304)  # a stylesheet, not an error page
                headers.append((b"cache-control", b"public, max-age=3600" if cacheable else b"no-store"))
                if https:
                    headers.append((b"strict-transport-security", b"max-age=31536000"))
                message = {**message, "headers": headers}
            await send(message)

        declared = _content_length(scope)
        if declared is not None and declared > MAX_BODY_BYTES:
            await _drain(receive, DRAIN_BYTES)  # so the client, still sending, reads the answer (no reset)
            await self._problem(scope, receive, send_with_headers, 413)
            return

        received = 0

        async def receive_capped() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > MAX_BODY_BYTES:
                    raise BodyTooLarge()
            return message

        try:
            await self.app(scope, receive_capped, send_with_headers)
        except Exception as error:
            incident = secrets.token_hex(4).upper()
            log.error("task pages: internal error %s (incident %s) at %s", type(error).__name__, incident, where(error))
            if not started:
                await self._problem(scope, receive, send_with_headers, 500, incident)

    async def _problem(self, scope: Scope, receive: Receive, send: Send, status: int, incident: str | None = None):
        try:
            page = self._page(status, incident)
        except Exception as error:
            log.error("task pages: the problem page failed: %s at %s", type(error).__name__, where(error))
            page = _plain_problem_page(500, "Sorry, something went wrong", "Nothing was recorded.", "Try again.", None)
        await page(scope, receive, send)

    def _page(self, status: int, incident: str | None) -> Response:
        if status == 413:
            return self.problem_page(
                413,
                "What you entered is too long",
                "The form sent more than this page accepts.",
                "Go back, shorten what you wrote and send the form again.",
                None,
            )
        return self.problem_page(
            500,
            "Sorry, something went wrong",
            "Something went wrong on our side. Nothing was recorded.",
            "Try again in a few minutes. If it happens again, ask the partnership business unit.",
            incident,
        )


def _plain_problem_page(status: int, title: str, message: str, next_step: str, incident: str | None) -> Response:
    """The last resort's own last resort: if the page's template cannot be drawn either."""
    quoted = f"<p>If you ask the business unit, quote this reference: {incident}.</p>" if incident else ""
    body = f"<!DOCTYPE html><html lang=en><title>{title}</title><h1>{title}</h1><p>{message}</p><p>{next_step}</p>"
    return Response(body + quoted, status, media_type="text/html")


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _drain(receive: Receive, limit: int) -> None:
    drained = 0
    while drained <= limit:
        message = await receive()
        if message["type"] != "http.request":
            return
        drained += len(message.get("body", b""))
        if not message.get("more_body", False):
            return
