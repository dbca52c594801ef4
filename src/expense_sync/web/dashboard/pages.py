"""The Sync Health dashboard's pages (``/health``), server-rendered with Jinja2.

Each page reads the read model (``services.sync_search``, ``sync_health``,
``sync_overview``) for the signed-in client only; the actions (retry failed items,
refresh data) call the same services the API does. Bad input never gives an error
page: an unknown or malformed id says "no sync found", a bad date or page is ignored
with a note.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from expense_sync.api.dependencies import RuntimeDep, UowDep
from expense_sync.api.runtime import Runtime
from expense_sync.connectors.catalog import listed_manifests
from expense_sync.domain.errors import Conflict, NotFound, Unprocessable
from expense_sync.domain.syncs import IN_PROGRESS, SUCCESS
from expense_sync.services import manage_data
from expense_sync.services.clients import find_api_key
from expense_sync.services.dashboard_users import find_user
from expense_sync.services.sync_health import company_health, filter_push_items, sync_details
from expense_sync.services.sync_overview import overview, period
from expense_sync.services.sync_retries import retry_failed_items
from expense_sync.services.sync_search import SORTS, SyncFilter, search_syncs, status_choices
from expense_sync.storage.query_sql import PageRequest
from expense_sync.storage.uow import UnitOfWork
from expense_sync.web.dashboard import charts
from expense_sync.web.dashboard.session import (
    PATH,
    DashboardSession,
    check_csrf,
    check_sign_in_token,
    current_session,
    end_session,
    remember_sign_in_token,
    renew,
    safe_next,
    sign_in_token,
    start_session,
)

router = APIRouter(prefix=PATH, include_in_schema=False)
templates = Jinja2Templates(directory=str(Path(__file__).parent.parent / "templates"))
STATIC = Path(__file__).parent.parent / "static"
PAGE_SIZE = 25
PERIODS = (7, 30, 90)
# Pages hold a client's data and buttons that act: never cached, never framed (no
# clickjacking of "Retry"), and no script or style from anywhere but this site.
PRIVATE = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; script-src 'none'; "
    "frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
}
SIGN_IN_REASONS = {
    "expired": "Your session expired. Sign in again to continue where you were.",
    "invalid": "Your session could not be verified. Sign in again.",
    "revoked": "The API key of your session was deleted. Sign in with a current key.",
    "signed-out": "You are signed out.",
}
NOTICES = {
    "retry-started": "Retry started: this new sync posts the failed items again.",
    "refresh-started": "Data refresh queued: the company's books are being read again.",
}
FormText = Annotated[str, Form(max_length=500)]


def signed_in(request: Request, runtime: RuntimeDep, uow: UowDep) -> DashboardSession:
    return current_session(request, runtime, uow.session)


SessionDep = Annotated[DashboardSession, Depends(signed_in)]


def badge(code: int) -> str:
    """The CSS class of a status code; the badge also shows its text and a symbol."""
    if code in SUCCESS:
        return "ok"
    if code in IN_PROGRESS:
        return "running"
    return "failed"


OK_STATES = {"Completed", "Attached", "Linked", "Complete"}
WAITING_STATES = {"Pending", "Pushing", "PendingAuth", "Queued", "Fetching", "Initial"}


def item_badge(status: str) -> str:
    """The CSS class of an item's, a connection's or a data type's status."""
    if status in OK_STATES:
        return "ok"
    if status in WAITING_STATES:
        return "running"
    return "failed"


def duration(value: timedelta | None) -> str:
    if value is None:
        return "-"
    seconds = value.total_seconds()
    if seconds < 60:
        return f"{seconds:.1f} s"
    return f"{int(seconds // 60)} min {int(seconds % 60)} s"


def when(value: datetime | None) -> str:
    return "-" if value is None else value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


templates.env.globals.update(badge=badge, item_badge=item_badge)
templates.env.filters.update(duration=duration, when=when)


def _page(
    request: Request,
    runtime: Runtime,
    signed: DashboardSession | None,
    template: str,
    context: dict[str, Any],
    status: int = 200,
) -> Response:
    response = templates.TemplateResponse(
        request,
        f"dashboard/{template}",
        {"session": signed, "path": request.url.path, **context},
        status_code=status,
        headers=PRIVATE,
    )
    if signed is not None:
        renew(runtime, response, signed)
    return response


@router.get("/static/dashboard.css")
def stylesheet() -> FileResponse:
    return FileResponse(STATIC / "dashboard.css", headers={"Cache-Control": "max-age=3600"})


# -- signing in and out -------------------------------------------------------------------


@router.get("/sign-in", response_class=HTMLResponse)
def sign_in_page(
    request: Request, runtime: RuntimeDep, next: str = "", reason: str = ""
) -> Response:
    return _sign_in_form(request, runtime, next, SIGN_IN_REASONS.get(reason), 200)


def _sign_in_form(
    request: Request, runtime: Runtime, next_url: str, message: str | None, status: int
) -> Response:
    token = sign_in_token(runtime, request)
    context = {"next": safe_next(next_url), "message": message, "csrf": token}
    response = _page(request, runtime, None, "sign_in.html", context, status)
    remember_sign_in_token(runtime, response, token)
    return response


@router.post("/sign-in")
def sign_in(
    request: Request,
    runtime: RuntimeDep,
    uow: UowDep,
    api_key: FormText = "",
    email: FormText = "",
    password: FormText = "",
    next: FormText = "",
    csrf_token: FormText = "",
) -> Response:
    check_sign_in_token(runtime, request, csrf_token)
    if email.strip():
        user = find_user(uow.session, email, password)
        if user is None:
            message = "That email and password do not match a dashboard user."
            return _sign_in_form(request, runtime, next, message, 401)
        client_id, signed_in_as = user.client_id, f"u:{user.id}"
    else:
        key = find_api_key(uow.session, api_key.strip()) if api_key.strip() else None
        if key is None:
            message = (
                "That API key is not valid. Paste a key that `expense-sync api-keys create` made."
            )
            return _sign_in_form(request, runtime, next, message, 401)
        client_id, signed_in_as = key.client_id, f"k:{key.id}"
    response = RedirectResponse(safe_next(next), 303, headers=PRIVATE)
    start_session(runtime, response, client_id, signed_in_as)
    return response


@router.post("/sign-out")
def sign_out(signed: SessionDep, csrf_token: FormText = "") -> Response:
    check_csrf(signed, csrf_token)
    response = RedirectResponse(f"{PATH}/sign-in?reason=signed-out", 303, headers=PRIVATE)
    end_session(response)
    return response


# -- overview -----------------------------------------------------------------------------


@router.get("", response_class=HTMLResponse)
def overview_page(
    request: Request, runtime: RuntimeDep, uow: UowDep, signed: SessionDep, days: str = "30"
) -> Response:
    chosen = int(days) if days.isdigit() and int(days) in PERIODS else 30
    since, until = period(chosen)
    summed = overview(uow.session, signed.client_id, since, until)
    return _page(
        request, runtime, signed, "overview.html",
        {
            "overview": summed, "days": chosen, "periods": PERIODS,
            "chart": charts.day_chart(summed.days),
            "by_code": charts.bars(summed.failures_by_code),
            "by_platform": charts.bars(summed.failures_by_platform),
            "last_day": (until - timedelta(1)).date(),
            "history": f"{PATH}/syncs?since={since.date()}&until={(until - timedelta(1)).date()}",
        },
    )  # fmt: skip


# -- sync history -------------------------------------------------------------------------


@dataclass(frozen=True)
class HistoryForm:
    """The history page's query string as typed, and what was understood of it."""

    q: str
    statuses: list[int]
    platform: str
    since: str
    until: str
    sort: str
    page: int
    problems: list[str]

    def filter(self) -> SyncFilter:
        since, until = _date(self.since), _date(self.until)
        return SyncFilter(
            search=self.q,
            status_codes=tuple(self.statuses),
            platform=self.platform,
            since=None if since is None else datetime.combine(since, datetime.min.time(), UTC),
            until=None
            if until is None
            else datetime.combine(until + timedelta(1), datetime.min.time(), UTC),
        )

    def link(self, **changes: Any) -> str:
        params: dict[str, Any] = {
            "q": self.q, "platform": self.platform, "since": self.since, "until": self.until,
            "sort": self.sort, "page": self.page,
        } | changes  # fmt: skip
        pairs = [(k, v) for k, v in params.items() if v not in ("", None, 1, "start")]
        pairs += [("status", code) for code in self.statuses]
        return f"{PATH}/syncs?{urlencode(pairs)}"


def _date(text: str) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def _history_form(request: Request) -> HistoryForm:
    params = request.query_params
    problems = []
    statuses = []
    for raw in params.getlist("status"):
        if raw.isdigit() and int(raw) in dict(status_choices()):
            statuses.append(int(raw))
        elif raw:
            problems.append(f"“{raw[:20]}” is not a sync status code; it was ignored.")
    for name in ("since", "until"):
        text = params.get(name, "")
        if text and _date(text) is None:
            problems.append(f"“{text[:20]}” is not a date (use YYYY-MM-DD); it was ignored.")
    sort = params.get("sort", "start")
    page = params.get("page", "1")
    return HistoryForm(
        q=params.get("q", "")[:200],
        statuses=statuses,
        platform=params.get("platform", "")[:4],
        since=params.get("since", "") if _date(params.get("since", "")) else "",
        until=params.get("until", "") if _date(params.get("until", "")) else "",
        sort=sort if sort in SORTS else "start",
        page=int(page) if page.isdigit() and 0 < int(page) < 100_000 else 1,
        problems=problems,
    )


@router.get("/syncs", response_class=HTMLResponse)
def history_page(
    request: Request, runtime: RuntimeDep, uow: UowDep, signed: SessionDep
) -> Response:
    form = _history_form(request)
    wanted = PageRequest(page=form.page, page_size=PAGE_SIZE, order_by=SORTS[form.sort])
    found = search_syncs(uow.session, signed.client_id, wanted, form.filter())
    pages = max((found.total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    return _page(
        request, runtime, signed, "syncs.html",
        {
            "form": form, "found": found, "pages": pages, "statuses": status_choices(),
            "platforms": [m for m in listed_manifests() if m.connector_available],
            "sorts": SORTS,
        },
    )  # fmt: skip


# -- one sync -----------------------------------------------------------------------------

TABS = {"transactions": "Transactions", "config": "Config", "push-items": "Push items"}


@router.get("/syncs/{sync_id}", response_class=HTMLResponse)
def sync_page(
    request: Request,
    sync_id: str,
    runtime: RuntimeDep,
    uow: UowDep,
    signed: SessionDep,
    tab: str = "transactions",
    q: str = "",
    status: str = "",
    notice: str = "",
) -> Response:
    return _sync(request, runtime, uow, signed, sync_id, tab, q, status, NOTICES.get(notice), 200)


def _sync(
    request: Request,
    runtime: Runtime,
    uow: UnitOfWork,
    signed: DashboardSession,
    sync_id: str,
    tab: str,
    q: str,
    status: str,
    message: str | None,
    code: int,
) -> Response:
    details = sync_details(uow.session, signed.client_id, sync_id)
    if details is None:
        return _no_sync(request, runtime, signed, sync_id)
    tab = tab if tab in TABS else "transactions"
    return _page(
        request, runtime, signed, "sync.html",
        {
            "d": details, "tab": tab, "tabs": TABS, "message": message,
            "items": filter_push_items(details.push_items, q, status), "q": q[:200],
            "status": status, "item_statuses": sorted({i.status for i in details.push_items}),
            "config_json": json.dumps(details.configuration, indent=2, sort_keys=True),
        },
        code,
    )  # fmt: skip


def _no_sync(request: Request, runtime: Runtime, signed: DashboardSession, asked: str) -> Response:
    return _page(request, runtime, signed, "no_sync.html", {"asked": asked[:100]}, 404)


@router.get("/syncs/{sync_id}/config.json")
def download_config(sync_id: str, runtime: RuntimeDep, uow: UowDep, signed: SessionDep) -> Response:
    details = sync_details(uow.session, signed.client_id, sync_id)
    if details is None:
        return Response("No sync found.", 404, media_type="text/plain", headers=PRIVATE)
    body = json.dumps(
        {"syncId": str(details.sync.id), "companyId": str(details.sync.company_id),
         **(details.configuration or {})},
        indent=2, sort_keys=True,
    )  # fmt: skip
    name = f"sync-{details.sync.id}-config.json"
    headers = PRIVATE | {"Content-Disposition": f'attachment; filename="{name}"'}
    return Response(body, media_type="application/json", headers=headers)


@router.post("/syncs/{sync_id}/retry")
def retry(
    request: Request,
    sync_id: str,
    runtime: RuntimeDep,
    uow: UowDep,
    signed: SessionDep,
    csrf_token: FormText = "",
) -> Response:
    check_csrf(signed, csrf_token)
    try:
        wanted = uuid.UUID(sync_id)
        created = retry_failed_items(
            uow.session, signed.client_id, wanted, uow.after_commit, runtime.executor.sync
        )
    except (ValueError, NotFound):
        return _no_sync(request, runtime, signed, sync_id)
    except (Conflict, Unprocessable) as refused:
        uow.session.rollback()
        return _sync(
            request, runtime, uow, signed, sync_id, "transactions", "", "", refused.message, 409
        )
    uow.commit()
    return RedirectResponse(f"{PATH}/syncs/{created.id}?notice=retry-started", 303, headers=PRIVATE)


# -- a company ----------------------------------------------------------------------------


@router.get("/companies/{company_id}", response_class=HTMLResponse)
def company_page(
    request: Request,
    company_id: str,
    runtime: RuntimeDep,
    uow: UowDep,
    signed: SessionDep,
    notice: str = "",
) -> Response:
    return _company(request, runtime, uow, signed, company_id, NOTICES.get(notice), 200)


def _company(
    request: Request,
    runtime: Runtime,
    uow: UnitOfWork,
    signed: DashboardSession,
    company_id: str,
    message: str | None,
    code: int,
) -> Response:
    company = company_health(uow.session, signed.client_id, company_id)
    if company is None:
        return _page(request, runtime, signed, "no_company.html", {"asked": company_id[:100]}, 404)
    return _page(request, runtime, signed, "company.html", {"c": company, "message": message}, code)


@router.post("/companies/{company_id}/refresh")
def refresh(
    request: Request,
    company_id: str,
    runtime: RuntimeDep,
    uow: UowDep,
    signed: SessionDep,
    csrf_token: FormText = "",
) -> Response:
    check_csrf(signed, csrf_token)
    company = company_health(uow.session, signed.client_id, company_id)
    if company is None:
        return _page(request, runtime, signed, "no_company.html", {"asked": company_id[:100]}, 404)
    try:
        manage_data.queue_all(
            uow.session, signed.client_id, company.id, uow.after_commit, runtime.executor.pull
        )
    except Unprocessable as refused:
        uow.session.rollback()
        return _company(request, runtime, uow, signed, company_id, refused.message, 409)
    uow.commit()
    return RedirectResponse(
        f"{PATH}/companies/{company.id}?notice=refresh-started", 303, headers=PRIVATE
    )
