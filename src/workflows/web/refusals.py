"""The core's refusals as the task pages answer them: an HTTP status, and words that say what to do next.

One translation for every page: no case (404), the case cannot take it now (409), what was entered does not fit
(422).
"""

from __future__ import annotations

from dataclasses import dataclass

from workflows.operations.errors import CaseNotFound, CommandRefused, InvalidInput, OperationError

# How the form's fields are named on the page, for "check the ..." (the engine names them for itself).
_FIELD_LABELS = {
    "amount": "how much more time",
    "reason": "why",
    "option": "the decision",
    "note": "the note",
    "task": "the task",
    "stage": "the task",
}


def field_label(field: str) -> str:
    """A form field as the page names it, for "correct ..."."""
    return _FIELD_LABELS.get(field, field)


@dataclass(frozen=True, slots=True)
class RefusalPage:
    status: int
    title: str
    message: str
    next_step: str

    def context(self) -> dict[str, str]:
        return {"title": self.title, "message": self.message, "next_step": self.next_step}


def refusal_page(error: OperationError) -> RefusalPage:
    if isinstance(error, CaseNotFound):
        return RefusalPage(
            404,
            "This case no longer exists",
            f"There is no case {error.reference}.",
            "Ask the partnership business unit: the case may have been removed or the link cut short.",
        )
    if isinstance(error, InvalidInput):
        field = field_label(error.field)
        return RefusalPage(
            422,
            "Check what you entered",
            error.message,
            f"Go back, correct {field} and send the form again.",
        )
    if isinstance(error, CommandRefused):
        return RefusalPage(
            409,
            "That could not be recorded",
            str(error),
            "The case has moved on since this page was opened. Open the link in your latest email to see where "
            "it stands, or ask the partnership business unit.",
        )
    return RefusalPage(409, "That could not be recorded", str(error), "Ask the partnership business unit.")
