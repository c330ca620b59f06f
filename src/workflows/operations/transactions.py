"""Run a unit of work in one transaction, retrying when PostgreSQL picks it as a deadlock victim.

A sweeper locks a timer then its case; a command locks a case then its timers. PostgreSQL breaks the rare
cycle by aborting one side, which simply runs again.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DBAPIError

Result = TypeVar("Result")

RETRYABLE_SQLSTATES = {"40P01", "40001"}  # deadlock detected, serialization failure
ATTEMPTS = 5


def _retryable(error: DBAPIError) -> bool:
    return getattr(error.orig, "sqlstate", None) in RETRYABLE_SQLSTATES


def in_transaction(db: Engine, work: Callable[[Connection], Result]) -> Result:
    for attempt in range(1, ATTEMPTS + 1):
        try:
            with db.begin() as connection:
                return work(connection)
        except DBAPIError as error:
            if attempt == ATTEMPTS or not _retryable(error):
                raise
            time.sleep(0.01 * attempt)
    raise AssertionError("unreachable")
