"""The list of cases (`workflows cases`), read in one connection. What it holds, and why it holds no facts, is
store/case_listing.py's."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine

from workflows.store.case_listing import CaseSummary, case_summaries
from workflows.store.case_listing import processes_with_cases as stored_processes


def list_cases(db: Engine, now: datetime, *, process: str | None = None, state: str | None = None) -> list[CaseSummary]:
    """Cases newest first, optionally of one process or in one state."""
    with db.connect() as connection:
        return case_summaries(connection, now, process=process, state=state)


def processes_with_cases(db: Engine) -> set[str]:
    """Every process some case was started with, including processes since removed from the library."""
    with db.connect() as connection:
        return stored_processes(connection)
