"""SMTP settings, from the environment only (a password never sits in a file in the repository)."""

from __future__ import annotations

import os
from dataclasses import dataclass

_TRUE = {"1", "true", "yes", "on"}


@dataclass(frozen=True, slots=True)
class SmtpSettings:
    host: str = "127.0.0.1"
    port: int = 25
    starttls: bool = False
    tls: bool = False
    user: str | None = None
    password: str | None = None
    timeout: float = 30.0
    # How long a message is tried again after its first temporary failure (a relay down over a long weekend)
    # before it is given up on; `workflows outbox retry` queues those given up on again.
    retry_hours: float = 72.0

    @classmethod
    def from_environment(cls) -> SmtpSettings:
        env = os.environ
        return cls(
            host=env.get("WORKFLOWS_SMTP_HOST", "127.0.0.1"),
            port=int(env.get("WORKFLOWS_SMTP_PORT", "25")),
            starttls=env.get("WORKFLOWS_SMTP_STARTTLS", "").lower() in _TRUE,
            tls=env.get("WORKFLOWS_SMTP_TLS", "").lower() in _TRUE,
            user=env.get("WORKFLOWS_SMTP_USER") or None,
            password=env.get("WORKFLOWS_SMTP_PASSWORD") or None,
            timeout=float(env.get("WORKFLOWS_SMTP_TIMEOUT", "30")),
            retry_hours=float(env.get("WORKFLOWS_SMTP_RETRY_HOURS", "72")),
        )
