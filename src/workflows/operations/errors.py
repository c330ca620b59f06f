"""An operation refused: unknown reference, stage already done, bad option, bad fact. Nothing was changed.

The refusals are one family from the engine up, so an interface translates each kind once, whichever layer
found it: `CaseNotFound` (no such case), `CommandRefused` (the case cannot take the command now) and
`InvalidInput` (what was given does not fit). `OperationError` is their common base.
"""

from __future__ import annotations

from workflows.engine.errors import CommandRefused, EngineError, InvalidInput

# The base every interface catches; the engine's own, so an engine refusal keeps its type through the shell.
OperationError = EngineError

__all__ = [
    "CaseNotFound",
    "CommandRefused",
    "InvalidInput",
    "OperationError",
    "database_failed",
    "database_problem",
]


class CaseNotFound(OperationError):
    """No case has this reference in the database the command opened."""

    def __init__(self, reference: str) -> None:
        # Shown as typed when printable; escaped otherwise, so that the refusal stays one line.
        super().__init__(f"no case with reference {reference if reference.isprintable() else ascii(reference)}")
        self.reference = reference


def database_problem(error: Exception) -> str:
    """One line about a database failure: the driver's first line only, as SQLAlchemy's own text would echo the
    statement's parameters, facts included."""
    cause = getattr(error, "orig", None) or error
    text = str(cause).strip()
    return text.splitlines()[0] if text else type(cause).__name__


def database_failed(error: BaseException) -> bool:
    """The database itself failed (gone, unreachable, full, corrupt, its tables missing, locked past the wait),
    as against one row it refused (a constraint, a value it cannot hold). A sweep stops on the first, whatever
    timer it was at: every other would fail alike. On the second, only that timer stays due."""
    from sqlalchemy.exc import DataError, DBAPIError, IntegrityError

    return isinstance(error, DBAPIError) and not isinstance(error, IntegrityError | DataError)
