"""The link each recipient's message carries: a signed action link bound to them and the task, or, when no
link secret is configured, a plain link to the case."""

from __future__ import annotations

from urllib.parse import quote

from workflows import clock
from workflows.config.loader import Config
from workflows.engine.vocabulary import MessageKind
from workflows.links.tokens import link_secret, new_claims, sign
from workflows.notify.compose import Queued


def link_for(config: Config, queued: Queued, recipient: str) -> str | None:
    if not queued.reference:
        return None
    base = config.partnership.web_base_url.rstrip("/")
    secret = link_secret()
    if secret is None or not queued.stage:
        target = f"{base}/cases/{quote(queued.reference)}"
        return f"{target}/{quote(queued.stage)}" if queued.stage else target
    request = queued.details.get("request") if queued.kind == MessageKind.EXTENSION_REQUESTED else None
    claims = new_claims(
        queued.reference,
        queued.stage,
        queued.task,
        recipient,
        clock.wall_now(),  # a link expires in real time, whatever a rehearsal's clock says
        purpose="extension" if request is not None else "task",
        request=request,
    )
    return f"{base}/t/{sign(claims, secret)}"
