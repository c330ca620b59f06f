"""The link a message carries to the case. (Signed, per-person action links arrive with `workflows web`.)"""

from __future__ import annotations

from urllib.parse import quote

from workflows.config.loader import Config
from workflows.notify.compose import Queued


def link_for(config: Config, queued: Queued, recipient: str) -> str | None:
    if not queued.reference:
        return None
    base = config.partnership.web_base_url.rstrip("/")
    target = f"{base}/cases/{quote(queued.reference)}"
    return f"{target}/{quote(queued.stage)}" if queued.stage else target
