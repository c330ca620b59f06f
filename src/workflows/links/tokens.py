"""Signed action links: HMAC-SHA256 over a small payload, bound to one person and one task, expiring.

The secret comes from WORKFLOWS_LINK_SECRET and never sits in the repository.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

SECRET_VARIABLE = "WORKFLOWS_LINK_SECRET"
DEFAULT_LIFETIME = timedelta(days=30)


class LinkError(Exception):
    """A link that cannot be used; `status` is the HTTP status its page answers with."""

    def __init__(self, status: int, title: str, message: str) -> None:
        super().__init__(message)
        self.status, self.title, self.message = status, title, message


def link_secret() -> bytes | None:
    value = os.environ.get(SECRET_VARIABLE)
    return value.encode() if value else None


@dataclass(frozen=True, slots=True)
class LinkClaims:
    reference: str
    stage: str
    task: str | None
    email: str
    expires: int  # Unix time
    purpose: str = "task"  # "task", or "extension" for an approver deciding a request
    request: int | None = None  # the extension request an approver's link decides
    nonce: str = ""

    @property
    def token_id(self) -> str:
        return hashlib.sha256(json.dumps(asdict(self), sort_keys=True).encode()).hexdigest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _signature(secret: bytes, body: str) -> str:
    return _b64(hmac.new(secret, body.encode(), hashlib.sha256).digest())


def sign(claims: LinkClaims, secret: bytes) -> str:
    if not claims.nonce:
        claims = LinkClaims(**{**asdict(claims), "nonce": secrets.token_hex(6)})
    body = _b64(json.dumps(asdict(claims), separators=(",", ":")).encode())
    return f"{body}.{_signature(secret, body)}"


def verify(token: str, secret: bytes, now: datetime) -> LinkClaims:
    body, _, signature = token.partition(".")
    # A signed link is ASCII only: anything else was changed on the way (compare_digest refuses non-ASCII text).
    if not token.isascii() or not body or not signature or not hmac.compare_digest(signature, _signature(secret, body)):
        raise LinkError(403, "This link is not valid", "The link has been changed or was not issued by us.")
    try:
        claims = LinkClaims(**json.loads(_unb64(body)))
    except (ValueError, TypeError):
        raise LinkError(403, "This link is not valid", "The link has been changed or was not issued by us.") from None
    if claims.expires < now.timestamp():
        raise LinkError(410, "This link has expired", "Ask the partnership business unit for a new link.")
    return claims


def new_claims(
    reference: str,
    stage: str,
    task: str | None,
    email: str,
    now: datetime,
    *,
    lifetime: timedelta = DEFAULT_LIFETIME,
    purpose: str = "task",
    request: int | None = None,
) -> LinkClaims:
    return LinkClaims(reference, stage, task, email.lower(), int((now + lifetime).timestamp()), purpose, request)
