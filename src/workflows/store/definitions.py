"""The definitions table: the text of every process definition a case has started with, by its hash.

A case keeps the definition it started with (its pinned definition), however the library changes later.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, select

from workflows.definitions.model import Process
from workflows.store.schema import definitions
from workflows.store.upsert import insert_ignoring_duplicates


def save_definition(connection: Connection, digest: str, process: Process, text: str, now: datetime) -> None:
    """Keep a definition's text under its hash (once: a hash already saved is left as it is)."""
    row = {"hash": digest, "process_id": process.id, "version": process.version, "text": text, "first_used_at": now}
    insert_ignoring_duplicates(connection, definitions, [row], ["hash"])


def definition_text(connection: Connection, digest: str) -> str:
    return connection.execute(select(definitions.c.text).where(definitions.c.hash == digest)).scalar_one()
