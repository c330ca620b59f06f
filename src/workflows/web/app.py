"""The small pages a practitioner lands on from an email: GOV.UK Frontend's styles and markup, no JavaScript,
forms POST.

Every answer is a page that says what happened and what to do next: a refusal is 4xx (refusals.py), what was
entered and does not fit is the form again with its error (422), anything unforeseen a plain 500 page (guard.py).
No page shows a fact of the case or a stack trace. Forms carry a token bound to the link (csrf.py): no cookies.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from pathlib import Path

from fastapi import FastAPI, Form, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException
from starlette.responses import Response

from workflows import clock
from workflows.links.tokens import LinkClaims, LinkError, link_secret, verify
from workflows.operations.errors import InvalidInput, OperationError
from workflows.operations.inputs import read_text
from workflows.operations.runtime import Runtime
from workflows.web.actions import TaskView, act, describe
from workflows.web.csrf import cross_site, form_token, form_token_valid, origin_of
from workflows.web.guard import Guard
from workflows.web.refusals import field_label, refusal_page

log = logging.getLogger("workflows.web")
HERE = Path(__file__).parent
# The pages' stylesheet, compiled from the installed govuk-frontend package by `make assets` (npm ci + sass).
STYLESHEETS = HERE / "frontend" / "build"
templates = Jinja2Templates(directory=str(HERE / "templates"))

# The longest each field may be, in characters: the form's maxlength, checked again here.
FIELD_LIMITS = {"note": 2000, "reason": 1000, "amount": 60, "option": 200}
_ECHO_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

# What the server answers for a request it cannot route or read, as a page: (title, message, next step).
_HTTP_PAGES = {
    400: (
        "The form could not be read",
        "What was sent is not a form this page sends.",
        "Open the link from your email again and use the form on that page.",
    ),
    404: (
        "Page not found",
        "There is no page at this address. The link may have been cut short when it was copied.",
        "Open the link from your email again. If it still does not work, ask the partnership business unit.",
    ),
    405: (
        "This page cannot do that",
        "The page was asked for in a way it does not answer.",
        "Open the link from your email and use the buttons on the page.",
    ),
    413: (
        "What you entered is too long",
        "The form sent more than this page accepts.",
        "Go back, shorten what you wrote and send the form again.",
    ),
}
# What to do next, for a link refusal whose words do not say it already.
_LINK_NEXT_STEPS = {
    403: "Open the link from your email again, copying all of it. If it still does not work, ask the partnership "
    "business unit for a new link.",
    409: "There is nothing more to do with this link. If something looks wrong, ask the partnership business unit.",
    503: "Try again later. If it still does not work, ask the partnership business unit.",
}
# A rehearsal clock (WORKFLOWS_NOW) that cannot be read: a clear page, not an error on every page.
_NO_CLOCK = LinkError(
    503,
    "This service cannot tell the time",
    "Its rehearsal clock (WORKFLOWS_NOW) is not a date and time, so nothing can be shown or recorded. Ask the "
    "partnership business unit.",
)
_FORGED_FORM = LinkError(403, "Please try again", "Open the link from your email again and use the form on that page.")
_CROSS_SITE = LinkError(
    403,
    "This form was not sent from our page",
    "Another website tried to send a form in your name. Open the link from your email and use the form on that page.",
)


def _field_problem(entered: dict[str, str]) -> InvalidInput | None:
    for field, limit in FIELD_LIMITS.items():
        if len(entered[field]) > limit:
            return InvalidInput(f"{field_label(field).capitalize()} must be {limit} characters or fewer", field=field)
    return None


def _fields_on_page(view: TaskView, purpose: str) -> set[str]:
    """The fields the task page shows, so an error names one the person can see and correct."""
    if purpose == "extension" or view.status != "open":
        return set()
    fields = ({"note", "option"} if view.options else {"note"}) if view.can_finish else set()
    return fields | {"amount", "reason"} if view.can_ask_for_time else fields


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def create_app(runtime_factory: Callable[[], Runtime] = Runtime.open) -> FastAPI:
    # No redirect to a slash-ended twin: an address that is not a page is refused, never bounced elsewhere.
    app = FastAPI(
        title="Safeguarding partnership tasks", docs_url=None, redoc_url=None, openapi_url=None, redirect_slashes=False
    )
    runtime = runtime_factory()

    def render(name: str, status: int = 200, **context: object) -> HTMLResponse:
        context.setdefault("partnership", runtime.config.partnership.name)
        context.setdefault("business_unit", runtime.config.partnership.business_unit_email)
        context.setdefault("limits", FIELD_LIMITS)
        return HTMLResponse(templates.get_template(name).render(context), status_code=status)

    def problem(status: int, title: str, message: str, next_step: str, incident: str | None = None) -> Response:
        outcome = "Nothing was recorded." if status >= 500 else "Nothing has been changed."
        context = {"title": title, "message": message, "next_step": next_step, "incident": incident}
        return render("problem.html", status, outcome=outcome, **context)

    def refused(error: LinkError | OperationError) -> HTMLResponse:
        """The page for anything not done: what happened, what to do, and that nothing changed."""
        if isinstance(error, LinkError):
            said = error.message.lower()
            next_step = "" if "ask " in said or "use the" in said else _LINK_NEXT_STEPS.get(error.status, "")
            return render("problem.html", error.status, title=error.title, message=error.message, next_step=next_step)
        answer = refusal_page(error)
        return render("problem.html", answer.status, **answer.context())

    def secret() -> bytes:
        value = link_secret()
        if value is None:
            raise LinkError(503, "Links are switched off", "The service has no link secret configured.")
        return value

    def own_origins(request: Request) -> tuple[str | None, str | None]:
        return origin_of(str(request.base_url)), origin_of(runtime.config.partnership.web_base_url)

    def form_again(token: str, claims: LinkClaims, error: InvalidInput, entered: dict[str, str]) -> HTMLResponse:
        """The task page again, with what was entered and what is wrong with it (GOV.UK's error pattern)."""
        try:
            view = describe(runtime, claims)
        except (LinkError, OperationError) as other:
            return refused(other)
        if error.field not in _fields_on_page(view, claims.purpose):
            return refused(error)
        return render(
            "task.html",
            422,
            view=view,
            token=token,
            csrf=form_token(token, secret()),
            purpose=claims.purpose,
            errors={error.field: _sentence(error.message)},
            error_label=field_label(error.field),
            entered={field: _ECHO_CONTROLS.sub("", value) for field, value in entered.items()},
        )

    @app.get("/t/{token}", response_class=HTMLResponse)
    def task_page(token: str) -> HTMLResponse:
        try:
            key = secret()
            claims = verify(token, key, clock.wall_now())  # a link expires in real time
            view = describe(runtime, claims)
        except clock.ClockError:
            return refused(_NO_CLOCK)
        except (LinkError, OperationError) as error:
            return refused(error)
        return render("task.html", view=view, token=token, csrf=form_token(token, key), purpose=claims.purpose)

    @app.post("/t/{token}/{action}", response_class=HTMLResponse)
    def task_action(
        request: Request,
        token: str,
        action: str,
        csrf: str = Form(""),
        note: str = Form(""),
        option: str = Form(""),
        amount: str = Form(""),
        reason: str = Form(""),
    ) -> HTMLResponse:
        if cross_site(request.headers, own_origins(request)):
            return refused(_CROSS_SITE)
        entered = {"note": note, "option": option, "amount": amount, "reason": reason}
        try:
            key = secret()
            if not form_token_valid(token, key, csrf):
                raise _FORGED_FORM
            claims = verify(token, key, clock.wall_now())  # a link expires in real time
        except (LinkError, OperationError) as error:
            return refused(error)
        try:
            too_long = _field_problem(entered)
            if too_long:
                raise too_long
            if action == "decide" and not option:
                raise InvalidInput("Select the decision", field="option")
            done = act(
                runtime,
                claims,
                action,
                note=read_text(note.strip() or None, "note"),
                option=option or None,
                amount=amount or None,
                reason=read_text(reason or None, "reason"),
            )
        except InvalidInput as error:
            return form_again(token, claims, error, entered)
        except clock.ClockError:
            return refused(_NO_CLOCK)
        except (LinkError, OperationError) as error:
            return refused(error)
        return render("done.html", message=done, reference=claims.reference)

    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.exception_handler(HTTPException)
    async def http_problem(request: Request, error: HTTPException) -> Response:
        title, message, next_step = _HTTP_PAGES.get(error.status_code, _HTTP_PAGES[400])
        response = problem(error.status_code, title, message, next_step)
        for name, value in (error.headers or {}).items():  # e.g. Allow on 405
            response.headers[name] = value
        return response

    @app.exception_handler(RequestValidationError)
    async def unreadable_form(request: Request, error: RequestValidationError) -> Response:
        return problem(400, *_HTTP_PAGES[400])

    if (STYLESHEETS / "app.css").is_file():
        app.mount("/assets", StaticFiles(directory=STYLESHEETS), name="assets")
    else:
        log.warning(
            "task pages: no stylesheet at %s (run `make assets`: npm ci and the GOV.UK Frontend build); "
            "the pages work, unstyled",
            STYLESHEETS / "app.css",
        )
    app.add_middleware(Guard, problem_page=problem)
    return app
