"""The Sync Health dashboard (``/health``): where a support person finds a sync, sees
why it failed and retries it. ``install`` adds its pages and the handlers that send a
visitor without a session to sign in, and refuse a form without its CSRF token."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from expense_sync.web.dashboard import pages
from expense_sync.web.dashboard.session import (
    PATH,
    CsrfRefused,
    SignInRequired,
    end_session,
    safe_next,
    sign_in_url,
)

__all__ = ["install"]


def install(app: FastAPI) -> None:
    app.include_router(pages.router)
    # The pages live under /health (the address); /dashboard, where people
    # guess, leads there instead of answering a JSON 404.
    app.add_api_route("/dashboard", _to_health, include_in_schema=False)
    app.add_exception_handler(SignInRequired, _sign_in_first)
    app.add_exception_handler(CsrfRefused, _refuse_form)


async def _to_health() -> Response:
    return RedirectResponse(PATH, 308)


async def _sign_in_first(request: Request, error: Exception) -> Response:
    assert isinstance(error, SignInRequired)
    # A form posted with no session comes back to the page it was on, not the action.
    next_url = error.next_url if request.method == "GET" else request.headers.get("referer", "")
    response = RedirectResponse(
        sign_in_url(safe_next(_local(next_url)), error.reason), 303, headers=pages.PRIVATE
    )
    if error.forget:
        end_session(response)
    return response


def _local(url: str) -> str:
    """The path and query of a URL of this site (a Referer is absolute)."""
    if "://" in url:
        rest = url.split("://", 1)[1]
        return "/" + rest.split("/", 1)[1] if "/" in rest else "/"
    return url


async def _refuse_form(request: Request, error: Exception) -> Response:
    body = pages.templates.get_template("dashboard/refused.html").render(request=request)
    return HTMLResponse(body, status_code=403, headers=pages.PRIVATE)
