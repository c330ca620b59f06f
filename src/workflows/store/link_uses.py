"""Each action link is used once for each kind of action: a row per use, keyed by the link's token id and the kind."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection
from sqlalchemy.exc import IntegrityError

from workflows.store.schema import link_uses


def record_link_use(connection: Connection, token_id: str, kind: str, action: str, now: datetime) -> bool:
    """Record the link's one use for this kind of action inside the caller's transaction; False if it was used for
    it already (the rest of the caller's transaction is left as it was)."""
    try:
        with connection.begin_nested():
            connection.execute(link_uses.insert().values(token_id=token_id, kind=kind, used_at=now, action=action))
    except IntegrityError:
        return False
    return True
