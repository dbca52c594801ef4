"""HTTP side of Intuit's OAuth 2.0: consent page, token endpoint, revocation.

- ``GET /connect/oauth2`` (appcenter.intuit.com): ``client_id``, ``redirect_uri``,
  ``response_type=code``, ``scope``, ``state``; the consent page lets the user pick a
  company; the callback gets ``code``, ``state`` and ``realmId``. ``sandbox_approve=1``
  (or ``auto_approve``) skips the page; ``sandbox_company`` = a realm id, ``us``/``uk``
  (the seeded ones) or ``new-us``/``new-uk`` (a fresh company) picks it (default ``us``).
- ``POST /oauth2/v1/tokens/bearer`` (oauth.platform.intuit.com): basic auth; grant types
  ``authorization_code`` and ``refresh_token``; refusals are ``{"error": "invalid_grant"}``
  (400) or ``{"error": "invalid_client"}`` (401).
- ``POST /v2/oauth2/tokens/revoke`` (developer.api.intuit.com): basic auth, JSON
  ``{"token": ...}``; 200 when revoked, 400 for an unknown token.
"""

from __future__ import annotations

import json
from html import escape
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from sandboxes.quickbooks.api import sandbox_of
from sandboxes.quickbooks.identity import client_of
from sandboxes.quickbooks.sandbox import Sandbox
from sandboxes.quickbooks.state import Company

AUTHORIZE_FIELDS = ("client_id", "redirect_uri", "response_type", "scope", "state")


def _redirect(redirect_uri: str, **params: str) -> RedirectResponse:
    joiner = "&" if "?" in redirect_uri else "?"
    return RedirectResponse(redirect_uri + joiner + urlencode(params), status_code=302)


def _chosen(sandbox: Sandbox, choice: str) -> Company | None:
    if choice in ("us", "uk"):
        return sandbox.seeded(choice)
    if choice in ("new-us", "new-uk"):
        return sandbox.add_company(choice[4:])
    return sandbox.company(choice)


def _consent_page(fields: dict[str, str], companies: list[Company]) -> HTMLResponse:
    hidden = "".join(
        f'<input type="hidden" name="{escape(k)}" value="{escape(v)}">' for k, v in fields.items()
    )
    choices = "".join(
        f'<label><input type="radio" name="sandbox_company" value="{escape(c.realm_id)}"> '
        f"{escape(c.name)} ({escape(c.country)}, realm {escape(c.realm_id)})</label><br>"
        for c in companies
    )
    html = (
        "<!doctype html><html><head><title>QuickBooks sandbox: connect</title></head><body>"
        "<h1>QuickBooks Online sandbox</h1><p>An app asks to connect to a company.</p>"
        f'<form method="post" action="/connect/oauth2">{hidden}'
        '<label><input type="radio" name="sandbox_company" value="new-us" checked> '
        "A new US company</label><br>"
        '<label><input type="radio" name="sandbox_company" value="new-uk"> '
        "A new UK company</label><br>"
        f"{choices}"
        '<button name="decision" value="allow">Connect</button> '
        '<button name="decision" value="deny">Cancel</button></form></body></html>'
    )
    return HTMLResponse(html)


async def authorize(request: Request) -> Response:
    sandbox = sandbox_of(request)
    source = dict(await request.form()) if request.method == "POST" else dict(request.query_params)
    fields = {k: str(source[k]) for k in AUTHORIZE_FIELDS if k in source}
    config = sandbox.config
    if fields.get("client_id") != config.client_id:
        return HTMLResponse("<p>Error: invalid_client (unknown client_id)</p>", 400)
    redirect_uri = fields.get("redirect_uri", "")
    if not redirect_uri or (config.redirect_uris and redirect_uri not in config.redirect_uris):
        return HTMLResponse("<p>Error: redirect_uri is not registered for this app</p>", 400)
    state = fields.get("state", "")
    if fields.get("response_type") != "code":
        return _redirect(redirect_uri, error="unsupported_response_type", state=state)
    if "com.intuit.quickbooks.accounting" not in fields.get("scope", "").split():
        return _redirect(redirect_uri, error="invalid_scope", state=state)
    approve = (
        request.method == "POST" or config.auto_approve or source.get("sandbox_approve") == "1"
    )
    if not approve:
        return _consent_page(fields, list(sandbox.companies.values()))
    if source.get("decision") == "deny":
        return _redirect(redirect_uri, error="access_denied", state=state)
    company = _chosen(sandbox, str(source.get("sandbox_company") or "us"))
    if company is None:
        return _redirect(redirect_uri, error="invalid_request", state=state)
    code = sandbox.identity.issue_code(config.client_id, redirect_uri, company.realm_id)
    return _redirect(redirect_uri, code=code, state=state, realmId=company.realm_id)


async def token(request: Request) -> Response:
    sandbox = sandbox_of(request)
    client_id = client_of(request, sandbox.config)
    if client_id is None:
        return JSONResponse({"error": "invalid_client"}, status_code=401)
    form = {k: str(v) for k, v in (await request.form()).items()}
    grant_type = form.get("grant_type")
    if grant_type == "authorization_code":
        answer = sandbox.identity.exchange_code(
            form.get("code", ""), form.get("redirect_uri", ""), client_id
        )
    elif grant_type == "refresh_token":
        answer = sandbox.identity.refresh(form.get("refresh_token", ""), client_id)
    else:
        return JSONResponse({"error": "unsupported_grant_type"}, status_code=400)
    if isinstance(answer, str):
        return JSONResponse({"error": answer}, status_code=400)
    return JSONResponse(answer, headers={"Cache-Control": "no-store"})


async def revoke(request: Request) -> Response:
    sandbox = sandbox_of(request)
    if client_of(request, sandbox.config) is None:
        return JSONResponse({"error": "invalid_client"}, status_code=401)
    try:
        body = json.loads(await request.body() or b"{}")
        token_value = str(body.get("token", ""))
    except (ValueError, AttributeError):
        return JSONResponse({"error": "invalid_request"}, status_code=400)
    if not sandbox.identity.revoke(token_value):
        return JSONResponse({"error": "invalid_request"}, status_code=400)
    return Response(status_code=200)


def routes() -> list[Route]:
    return [
        Route("/connect/oauth2", authorize, methods=["GET", "POST"]),
        Route("/oauth2/v1/tokens/bearer", token, methods=["POST"]),
        Route("/v2/oauth2/tokens/revoke", revoke, methods=["POST"]),
    ]
