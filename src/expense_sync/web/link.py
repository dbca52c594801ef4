"""The link pages a customer opens from ``linkUrl`` / ``redirect`` to authorize a platform.

Access is by the token in the URL (an HMAC of the id), not by API key: the customer
has no key. A page asks only for the platform's link fields from its manifest.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from starlette.concurrency import run_in_threadpool

from expense_sync.api.dependencies import RuntimeDep, UowDep
from expense_sync.api.presenters import LinkUrlsDep
from expense_sync.api.runtime import Runtime
from expense_sync.connectors.base import ConnectorError
from expense_sync.connectors.catalog import PARTNER_EXPENSE_MANIFEST
from expense_sync.domain.errors import InvalidRequest
from expense_sync.services import linking
from expense_sync.services.connections import manifest_of
from expense_sync.storage.uow import UnitOfWork

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
Token = Annotated[str, Query(max_length=100)]


@router.get("/link/{companyId}", response_class=HTMLResponse)
def company_page(
    request: Request,
    companyId: uuid.UUID,
    token: Token,
    uow: UowDep,
    runtime: RuntimeDep,
    urls: LinkUrlsDep,
) -> Response:
    company = linking.company_by_token(uow.session, runtime.secrets, companyId, token)
    connections = [
        {"row": c, "manifest": manifest_of(c), "url": urls.connection(company.id, c.id)}
        for c in company.connections
        if manifest_of(c) is not PARTNER_EXPENSE_MANIFEST
    ]
    return templates.TemplateResponse(
        request,
        "company.html",
        {
            "company": company,
            "connections": connections,
            "platforms": linking.linkable_platforms(),
            "start_url": f"/link/{company.id}/start?token={token}",
        },
    )


@router.post("/link/{companyId}/start")
def start(
    request: Request,
    companyId: uuid.UUID,
    token: Token,
    platformKey: Annotated[str, Form(max_length=100)],
    uow: UowDep,
    runtime: RuntimeDep,
    urls: LinkUrlsDep,
) -> Response:
    company = linking.company_by_token(uow.session, runtime.secrets, companyId, token)
    connection = linking.start_connection(uow.session, company, platformKey)
    uow.commit()
    return RedirectResponse(urls.connection(company.id, connection.id), 303)


@router.get("/link/{companyId}/{connectionId}", response_class=HTMLResponse)
def connection_page(
    request: Request,
    companyId: uuid.UUID,
    connectionId: uuid.UUID,
    token: Token,
    uow: UowDep,
    runtime: RuntimeDep,
) -> Response:
    row = linking.connection_by_token(uow.session, runtime.secrets, companyId, connectionId, token)
    return _render(request, row, {}, None, 200)


@router.post("/link/{companyId}/{connectionId}", response_class=HTMLResponse)
async def complete(
    request: Request,
    companyId: uuid.UUID,
    connectionId: uuid.UUID,
    token: Token,
    uow: UowDep,
    runtime: RuntimeDep,
) -> Response:
    form = await request.form()
    answers = {key: value for key, value in form.items() if isinstance(value, str)}
    return await run_in_threadpool(
        _complete, request, companyId, connectionId, token, answers, uow, runtime
    )


def _complete(
    request: Request,
    companyId: uuid.UUID,
    connectionId: uuid.UUID,
    token: str,
    answers: dict[str, str],
    uow: UnitOfWork,
    runtime: Runtime,
) -> Response:
    row = linking.connection_by_token(uow.session, runtime.secrets, companyId, connectionId, token)
    try:
        linking.complete_link(uow.session, runtime.settings, row, answers)
    except (InvalidRequest, ConnectorError) as error:
        uow.session.rollback()
        row = linking.connection_by_token(
            uow.session, runtime.secrets, companyId, connectionId, token
        )
        return _render(request, row, answers, error.message, 400)
    uow.commit()
    return _render(request, row, answers, None, 200)


def _render(
    request: Request, row: Any, answers: dict[str, str], error: str | None, status: int
) -> Response:
    return templates.TemplateResponse(
        request,
        "connection.html",
        {"row": row, "manifest": manifest_of(row), "answers": answers, "error": error},
        status_code=status,
    )
