"""The small pages a practitioner lands on from an email: GOV.UK-like HTML, no JavaScript, forms POST."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from pathlib import Path

from fastapi import FastAPI, Form, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from workflows import clock
from workflows.links.tokens import LinkError, link_secret, verify
from workflows.operations.errors import OperationError
from workflows.operations.runtime import Runtime
from workflows.web.actions import act, describe
from workflows.web.refusals import refusal_page

CSRF_COOKIE = "wf_csrf"
templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))


def create_app(runtime_factory: Callable[[], Runtime] = Runtime.open) -> FastAPI:
    app = FastAPI(title="Safeguarding partnership tasks", docs_url=None, redoc_url=None, openapi_url=None)
    runtime = runtime_factory()

    def page(request: Request, name: str, status: int = 200, **context: object) -> HTMLResponse:
        context.setdefault("partnership", runtime.config.partnership.name)
        context.setdefault("business_unit", runtime.config.partnership.business_unit_email)
        return templates.TemplateResponse(request, name, context, status_code=status)

    def refused(request: Request, error: LinkError | OperationError) -> HTMLResponse:
        """The page for anything not done: what happened, what to do, and that nothing changed."""
        if isinstance(error, LinkError):
            return page(request, "problem.html", error.status, title=error.title, message=error.message)
        answer = refusal_page(error)
        return page(request, "problem.html", answer.status, **answer.context())

    def claims_for(token: str):
        secret = link_secret()
        if secret is None:
            raise LinkError(503, "Links are switched off", "The service has no link secret configured.")
        return verify(token, secret, clock.now())

    @app.get("/t/{token}", response_class=HTMLResponse)
    def task_page(request: Request, token: str) -> HTMLResponse:
        try:
            claims = claims_for(token)
            view = describe(runtime, claims)
        except (LinkError, OperationError) as error:
            return refused(request, error)
        csrf = request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(24)
        response = page(request, "task.html", view=view, token=token, csrf=csrf, purpose=claims.purpose)
        response.set_cookie(CSRF_COOKIE, csrf, httponly=True, samesite="strict", path="/t/")
        return response

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
        cookie = request.cookies.get(CSRF_COOKIE, "")
        if not csrf or not secrets.compare_digest(csrf, cookie):
            return refused(
                request,
                LinkError(
                    403, "Please try again", "Open the link from your email again and use the form on that page."
                ),
            )
        try:
            claims = claims_for(token)
            done = act(
                runtime,
                claims,
                action,
                note=note.strip() or None,
                option=option or None,
                amount=amount or None,
                reason=reason or None,
            )
        except (LinkError, OperationError) as error:
            return refused(request, error)
        return page(request, "done.html", message=done, reference=claims.reference)

    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    return app
