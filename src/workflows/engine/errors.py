"""Why a command was not taken. Nothing was changed; the message is for the person who sent it.

Two kinds, so each interface can answer in its own terms (an exit status, an HTTP status, a failed run)
without reading the text: the case cannot take the command now (`CommandRefused`), or what was given is
not something the case knows (`InvalidInput`). Messages speak of the case, never of an interface's
options or fields' spelling (no "--task"): the interface adds that if it wants to.
"""

from __future__ import annotations


class EngineError(Exception):
    """The base of every refusal from the core (engine and operations): catch it to catch them all."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
        self.case_reference: str | None = None  # the case, once the shell knows which one it was

    def __str__(self) -> str:
        return f"{self.case_reference}: {self.message}" if self.case_reference else self.message

    def about(self, reference: str) -> EngineError:
        """The same refusal, naming its case (the engine's own messages may not)."""
        self.case_reference = reference
        return self


class CommandRefused(EngineError):
    """The case cannot take this command in its state: a stage not open or already done, a paused or closed
    case, a person without the role the command needs, a request decided already."""

    def __init__(self, reason: str, *, stage: str | None = None, task: str | None = None) -> None:
        super().__init__(reason)
        self.reason, self.stage, self.task = reason, stage, task


class InvalidInput(EngineError):
    """Something given does not fit: an unknown stage, task or option, a missing fact, an amount that is not
    a duration. `field` names what was wrong (stage, task, option, reason, amount, facts, request...)."""

    def __init__(self, message: str, *, field: str) -> None:
        super().__init__(message)
        self.field = field
