"""The link pages a customer opens from ``linkUrl`` / ``redirect`` to authorize a platform.

Access is by the token in the URL (an HMAC of the id), not by API key: the customer
has no key. A page asks only for the platform's link fields from its manifest, speaks
to a person (no field names, no server paths), and is never cached or sent as a referrer.
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
from expense_sync.connectors.base import AuthKind, ConnectorError
from expense_sync.connectors.catalog import PARTNER_EXPENSE_MANIFEST
from expense_sync.domain.connections import ConnectionStatus
from expense_sync.domain.errors import Conflict, InvalidRequest, NotFound
from expense_sync.services import linking, oauth_links
from expense_sync.services.connections import manifest_of
from expense_sync.storage.models import Connection
from expense_sync.storage.uow import UnitOfWork

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
Token = Annotated[str, Query()]
PRIVATE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
STATUS_TEXT = {
    ConnectionStatus.PENDING_AUTH: "Not finished",
    ConnectionStatus.LINKED: "Connected",
    ConnectionStatus.UNLINKED: "Disconnected",
    ConnectionStatus.DEAUTHORIZED: "Access withdrawn",
}


def _page(request: Request, template: str, context: dict[str, Any], status: int = 200) -> Response:
    return templates.TemplateResponse(
        request, template, context, status_code=status, headers=PRIVATE
    )


def _invalid_link(request: Request) -> Response:
    return _page(request, "invalid.html", {}, 404)


@router.get(oauth_links.CALLBACK_PATH, response_class=HTMLResponse)
def oauth_callback(
    request: Request,
    uow: UowDep,
    runtime: RuntimeDep,
    urls: LinkUrlsDep,
    state: Annotated[str, Query(max_length=500)] = "",
    code: Annotated[str, Query(max_length=2000)] = "",
    error: Annotated[str, Query(max_length=200)] = "",
    error_description: Annotated[str, Query(max_length=1000)] = "",
    realm_id: Annotated[str, Query(alias="realmId", max_length=100)] = "",
) -> Response:
    """Where the platform sends the customer back after its consent page. Declared
    before the connection routes, whose path it would otherwise match. QuickBooks adds
    the company it granted (``realmId``), which its connector keeps."""
    try:
        consent = oauth_links.claim_state(uow.session, runtime.settings, state)
    except oauth_links.StateRefused as refused:
        uow.session.rollback()
        if refused.connection is None:
            return _page(request, "invalid.html", {"message": refused.message}, 400)
        token = runtime.secrets.link_token(str(refused.connection.id))
        if refused.connection.status == ConnectionStatus.LINKED:  # a reload after success
            return _render(request, refused.connection, {}, None, 200, token)
        return _render(request, refused.connection, {}, refused.message, 400, token)
    uow.commit()  # the state is spent, whatever happens next
    connection = consent.connection
    token = runtime.secrets.link_token(str(connection.id))
    if error or not code:
        words = error_description or error or "no authorization code came back"
        message = f"{manifest_of(connection).name} did not grant access ({words}). "
        return _render(
            request, connection, {}, message + "Choose Connect to try again.", 400, token
        )
    try:
        oauth_links.finish_consent(uow.session, runtime.settings, consent, code, realm_id=realm_id)
    except (InvalidRequest, Conflict, ConnectorError) as failure:
        uow.session.rollback()
        refreshed = uow.session.get(Connection, connection.id)
        assert refreshed is not None
        return _render(request, refreshed, {}, _for_people(refreshed, failure), 400, token)
    uow.commit()
    return RedirectResponse(
        urls.connection(connection.company_id, connection.id), 303, headers=PRIVATE
    )


@router.get("/link/{companyId}", response_class=HTMLResponse)
def company_page(
    request: Request,
    companyId: uuid.UUID,
    uow: UowDep,
    runtime: RuntimeDep,
    urls: LinkUrlsDep,
    token: Token = "",
) -> Response:
    try:
        company = linking.company_by_token(uow.session, runtime.secrets, companyId, token)
    except NotFound:
        return _invalid_link(request)
    shown = [c for c in company.connections if manifest_of(c) is not PARTNER_EXPENSE_MANIFEST]
    in_use = {c.platform_key for c in shown if c.status != ConnectionStatus.UNLINKED}
    connections = [
        {
            "row": c,
            "manifest": manifest_of(c),
            "url": urls.connection(company.id, c.id),
            "status": STATUS_TEXT[ConnectionStatus(c.status)],
        }
        for c in shown
    ]
    return _page(
        request,
        "company.html",
        {
            "company": company,
            "connections": connections,
            "platforms": [p for p in linking.linkable_platforms() if p.key not in in_use],
            "start_url": f"/link/{company.id}/start?token={token}",
        },
    )


@router.post("/link/{companyId}/start")
def start(
    request: Request,
    companyId: uuid.UUID,
    platformKey: Annotated[str, Form(max_length=100)],
    uow: UowDep,
    runtime: RuntimeDep,
    urls: LinkUrlsDep,
    token: Token = "",
) -> Response:
    try:
        company = linking.company_by_token(uow.session, runtime.secrets, companyId, token)
    except NotFound:
        return _invalid_link(request)
    try:
        connection = linking.start_connection(uow.session, company, platformKey)
    except InvalidRequest:
        return _invalid_link(request)
    uow.commit()
    return RedirectResponse(urls.connection(company.id, connection.id), 303, headers=PRIVATE)


@router.post("/link/{companyId}/{connectionId}/consent")
def consent(
    request: Request,
    companyId: uuid.UUID,
    connectionId: uuid.UUID,
    uow: UowDep,
    runtime: RuntimeDep,
    urls: LinkUrlsDep,
    token: Token = "",
) -> Response:
    """Send the customer to the platform's consent page (OAuth platforms)."""
    try:
        row = linking.connection_by_token(
            uow.session, runtime.secrets, companyId, connectionId, token
        )
    except NotFound:
        return _invalid_link(request)
    if row.status == ConnectionStatus.LINKED:
        return _render(request, row, {}, None, 200)
    try:
        target = oauth_links.start_consent(uow.session, runtime.settings, row, urls.base_url)
    except InvalidRequest as error:
        uow.session.rollback()
        return _render(request, row, {}, error.message, 503)
    uow.commit()
    return RedirectResponse(target, 303, headers=PRIVATE)


@router.get("/link/{companyId}/{connectionId}", response_class=HTMLResponse)
def connection_page(
    request: Request,
    companyId: uuid.UUID,
    connectionId: uuid.UUID,
    uow: UowDep,
    runtime: RuntimeDep,
    token: Token = "",
) -> Response:
    try:
        row = linking.connection_by_token(
            uow.session, runtime.secrets, companyId, connectionId, token
        )
    except NotFound:
        return _invalid_link(request)
    return _render(request, row, {}, None, 200)


@router.post("/link/{companyId}/{connectionId}", response_class=HTMLResponse)
async def complete(
    request: Request,
    companyId: uuid.UUID,
    connectionId: uuid.UUID,
    uow: UowDep,
    runtime: RuntimeDep,
    token: Token = "",
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
    try:
        row = linking.connection_by_token(
            uow.session, runtime.secrets, companyId, connectionId, token
        )
    except NotFound:
        return _invalid_link(request)
    if row.status == ConnectionStatus.LINKED:
        return _render(request, row, {}, None, 200)  # already done: nothing to re-submit
    try:
        linking.complete_link(uow.session, runtime.settings, row, answers)
    except (InvalidRequest, Conflict, ConnectorError) as error:
        uow.session.rollback()
        row = linking.connection_by_token(
            uow.session, runtime.secrets, companyId, connectionId, token
        )
        if isinstance(error, Conflict):  # its message names another company: not for here
            message = (
                "These books are already linked elsewhere; ask the company that sent "
                "you this link to unlink them first, or choose other books."
            )
            return _render(request, row, answers, message, 409)
        return _render(request, row, answers, _for_people(row, error), 400)
    uow.commit()
    return _render(request, row, answers, None, 200)


def _for_people(row: Connection, error: InvalidRequest | Conflict | ConnectorError) -> str:
    """Name the field by its label, not its API name."""
    manifest = manifest_of(row)
    message = error.message
    for field in manifest.link_fields:
        message = message.replace(field.name, f"“{field.label}”")
    return message


def _render(
    request: Request,
    row: Connection,
    answers: dict[str, str],
    error: str | None,
    status: int,
    link_token: str | None = None,
) -> Response:
    info = row.connection_info or {}
    manifest = manifest_of(row)
    token = link_token or request.query_params.get("token", "")
    return _page(
        request,
        "connection.html",
        {
            "row": row,
            "manifest": manifest,
            "company": row.company,
            "answers": answers,
            # OAuth platforms: one button that goes to the platform's consent page.
            "consent_url": (
                f"/link/{row.company_id}/{row.id}/consent?token={token}"
                if manifest.auth_kind == AuthKind.OAUTH2
                else None
            ),
            "error": error,
            "linked": row.status == ConnectionStatus.LINKED,
            # Show the customer what they linked, never where it lives on our server.
            "linked_to": (
                Path(str(info["ledgerPath"])).name
                if "ledgerPath" in info
                else info.get("organisationName")
            ),
        },
        status,
    )
