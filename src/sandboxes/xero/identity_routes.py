"""HTTP side of the identity service: authorize (consent page), token, revocation, connections."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from sandboxes.xero.accounting import sandbox_of
from sandboxes.xero.identity import (
    authorize_problem,
    client_of,
    consent_page,
    oauth_error,
    redirect_with,
    unauthorized,
)
from sandboxes.xero.state import Tenant

AUTHORIZE_FIELDS = (
    "client_id",
    "redirect_uri",
    "response_type",
    "scope",
    "state",
    "code_challenge",
    "code_challenge_method",
)


async def authorize(request: Request) -> Response:
    """GET shows the consent page (or approves at once with ``sandbox_approve=1`` or the
    config's ``auto_approve``); POST is the page's form."""
    sandbox = sandbox_of(request)
    source = dict(await request.form()) if request.method == "POST" else dict(request.query_params)
    fields = {k: str(source[k]) for k in AUTHORIZE_FIELDS if k in source}
    problem = authorize_problem(fields, sandbox.config)
    if problem is not None:
        return problem
    approve = (
        request.method == "POST"
        or sandbox.config.auto_approve
        or source.get("sandbox_approve") == "1"
    )
    if not approve:
        return consent_page(fields, list(sandbox.tenants.values()))
    state = fields.get("state", "")
    if source.get("decision") == "deny":
        return redirect_with(fields["redirect_uri"], error="access_denied", state=state)
    chosen = str(source.get("tenant") or "new")
    tenant: Tenant | None
    if chosen == "new":
        tenant = sandbox.add_tenant(name=str(source.get("tenant_name") or "") or None)
    else:
        tenant = sandbox.tenant(chosen)
        if tenant is None:
            return redirect_with(fields["redirect_uri"], error="invalid_request", state=state)
    code = sandbox.identity.issue_code(
        fields["client_id"], fields["redirect_uri"], fields.get("code_challenge"), [tenant]
    )
    return redirect_with(fields["redirect_uri"], code=code, state=state)


async def token(request: Request) -> Response:
    sandbox = sandbox_of(request)
    form = {k: str(v) for k, v in (await request.form()).items()}
    client_id = client_of(request, form, sandbox.config)
    if client_id is None:
        return oauth_error("invalid_client", 400)
    grant_type = form.get("grant_type")
    if grant_type == "authorization_code":
        answer = sandbox.identity.exchange_code({**form, "client_id": client_id})
    elif grant_type == "refresh_token":
        answer = sandbox.identity.refresh(form.get("refresh_token", ""), client_id)
    else:
        return oauth_error("unsupported_grant_type")
    if isinstance(answer, str):
        return oauth_error(answer)
    return JSONResponse(answer, headers={"Cache-Control": "no-store"})


async def revocation(request: Request) -> Response:
    sandbox = sandbox_of(request)
    form = {k: str(v) for k, v in (await request.form()).items()}
    if client_of(request, form, sandbox.config) is None:
        return oauth_error("invalid_client", 400)
    sandbox.identity.revoke(form.get("token", ""))
    return Response(status_code=200)


async def connections(request: Request) -> Response:
    sandbox = sandbox_of(request)
    grant, reason = sandbox.identity.grant_for(request.headers.get("authorization"))
    if grant is None:
        return unauthorized(reason)
    if request.method == "DELETE":
        wanted = request.path_params["id"].lower()
        kept = [c for c in grant.connections if c.connection_id != wanted]
        if len(kept) == len(grant.connections):
            return Response(status_code=404)
        grant.connections[:] = kept
        return Response(status_code=204)
    listed = []
    for connection in grant.connections:
        tenant = sandbox.tenant(connection.tenant_id)
        # The spec says date-time (RFC 3339), so with its offset (Xero's example has none).
        stamp = connection.created.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        listed.append(
            {
                "id": connection.connection_id,
                "authEventId": connection.auth_event_id,
                "tenantId": connection.tenant_id,
                "tenantType": "ORGANISATION",
                "tenantName": tenant.name if tenant else "",
                "createdDateUtc": stamp,
                "updatedDateUtc": stamp,
            }
        )
    return JSONResponse(listed)
