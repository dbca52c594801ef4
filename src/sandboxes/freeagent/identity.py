"""FreeAgent's OAuth 2.0 (dev.freeagent.com/docs/oauth; the collection's ``auth``:
authorization code at ``/v2/approve_app``, tokens at ``/v2/token_endpoint``, client
credentials in a Basic header or the body, PKCE with S256).

Each approval opens a new seeded company (a FreeAgent user approves for their own
company), so every link in a test has books of its own. Access tokens last an hour; a
refresh answers a new access token and keeps the refresh token (FreeAgent does not
rotate it). Revocation (the user removed the app) refuses every token and refresh.
"""

from __future__ import annotations

import base64
import hashlib
import html
import secrets
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from sandboxes.freeagent.config import SandboxConfig


@dataclass
class Grant:
    company_id: str
    refresh_token: str
    revoked: bool = False


@dataclass
class Code:
    company_id: str
    redirect_uri: str
    challenge: str | None
    expires: float


class Identity:
    def __init__(self, config: SandboxConfig) -> None:
        self.config = config
        self._lock = threading.Lock()
        self._codes: dict[str, Code] = {}
        self._access: dict[str, tuple[Grant, float]] = {}
        self._refresh: dict[str, Grant] = {}

    def issue_code(self, company_id: str, redirect_uri: str, challenge: str | None) -> str:
        code = secrets.token_urlsafe(24)
        with self._lock:
            self._codes[code] = Code(company_id, redirect_uri, challenge, time.time() + 600)
        return code

    def _tokens(self, grant: Grant) -> dict[str, object]:
        access = secrets.token_urlsafe(32)
        lifetime = self.config.access_token_seconds
        self._access[access] = (grant, time.time() + lifetime)
        return {
            "access_token": access,
            "token_type": "bearer",
            "expires_in": lifetime,
            "refresh_token": grant.refresh_token,
            "refresh_token_expires_in": 20 * 365 * 86400,
        }

    def exchange(self, code: str, redirect_uri: str, verifier: str | None) -> dict[str, object]:
        with self._lock:
            found = self._codes.pop(code, None)
            if found is None or found.expires < time.time():
                raise GrantError("invalid_grant", "The authorization code is invalid or used.")
            if found.redirect_uri != redirect_uri:
                raise GrantError("invalid_grant", "The redirect_uri does not match.")
            if found.challenge is not None:
                digest = hashlib.sha256((verifier or "").encode()).digest()
                if base64.urlsafe_b64encode(digest).rstrip(b"=").decode() != found.challenge:
                    raise GrantError("invalid_grant", "The code_verifier does not match.")
            grant = Grant(found.company_id, secrets.token_urlsafe(32))
            self._refresh[grant.refresh_token] = grant
            return self._tokens(grant)

    def refresh(self, refresh_token: str) -> dict[str, object]:
        with self._lock:
            grant = self._refresh.get(refresh_token)
            if grant is None or grant.revoked:
                raise GrantError("invalid_grant", "The refresh token is invalid or revoked.")
            return self._tokens(grant)

    def company_for(self, authorization: str | None) -> tuple[str | None, str]:
        """The company a bearer token reaches, or None and why not."""
        if not authorization or not authorization.lower().startswith("bearer "):
            return None, "No access token"
        with self._lock:
            found = self._access.get(authorization[7:].strip())
        if found is None:
            return None, "Access token not recognised"
        grant, expires = found
        if grant.revoked:
            return None, "Access token has been revoked"
        if expires < time.time():
            return None, "Access token expired"
        return grant.company_id, ""

    def expire_access_tokens(self) -> int:
        with self._lock:
            for token, (grant, _) in list(self._access.items()):
                self._access[token] = (grant, 0.0)
            return len(self._access)

    def revoke_all(self) -> None:
        with self._lock:
            for grant in self._refresh.values():
                grant.revoked = True


class GrantError(Exception):
    def __init__(self, error: str, description: str) -> None:
        super().__init__(description)
        self.error = error
        self.description = description


def _client(request: Request, form: dict[str, str]) -> tuple[str, str]:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("basic "):
        try:
            decoded = base64.b64decode(header[6:]).decode()
        except ValueError:
            return "", ""
        client_id, _, secret = decoded.partition(":")
        return client_id, secret
    return form.get("client_id", ""), form.get("client_secret", "")


async def token_endpoint(request: Request) -> Response:
    sandbox = request.app.state.sandbox
    form = {k: str(v) for k, v in (await request.form()).items()}
    client_id, secret = _client(request, form)
    config = sandbox.config
    if (client_id, secret) != (config.client_id, config.client_secret):
        return JSONResponse(
            {"error": "invalid_client", "error_description": "HTTP Basic: Access denied."}, 401
        )
    try:
        if form.get("grant_type") == "authorization_code":
            answer = sandbox.identity.exchange(
                form.get("code", ""), form.get("redirect_uri", ""), form.get("code_verifier")
            )
        elif form.get("grant_type") == "refresh_token":
            answer = sandbox.identity.refresh(form.get("refresh_token", ""))
        else:
            raise GrantError("unsupported_grant_type", "Use authorization_code or refresh_token.")
    except GrantError as error:
        return JSONResponse({"error": error.error, "error_description": error.description}, 400)
    return JSONResponse(answer, headers={"Cache-Control": "no-store"})


async def approve_app(request: Request) -> Response:
    """GET shows the approval page (or approves at once with ``auto_approve``); POST is
    the page's form. Approving opens a new seeded company."""
    sandbox = request.app.state.sandbox
    source = dict(await request.form()) if request.method == "POST" else dict(request.query_params)
    fields = {k: str(v) for k, v in source.items()}
    config = sandbox.config
    redirect_uri = fields.get("redirect_uri", "")
    if fields.get("client_id") != config.client_id:
        return HTMLResponse("<h1>Unknown client_id</h1>", 400)
    if not redirect_uri or (config.redirect_uris and redirect_uri not in config.redirect_uris):
        return HTMLResponse("<h1>The redirect_uri is not registered for this app</h1>", 400)
    if fields.get("response_type") != "code":
        return _back(redirect_uri, error="unsupported_response_type", state=fields.get("state"))
    if request.method == "GET" and not config.auto_approve:
        hidden = "".join(
            f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
            for k, v in fields.items()
        )
        return HTMLResponse(
            "<h1>FreeAgent sandbox: approve access to your company?</h1>"
            f'<form method="post">{hidden}<input name="company_name" value="Demo Company Ltd">'
            '<button name="decision" value="approve">Approve</button>'
            '<button name="decision" value="deny">Deny</button></form>'
        )
    if fields.get("decision") == "deny":
        return _back(redirect_uri, error="access_denied", state=fields.get("state"))
    company_id = sandbox.add_company(fields.get("company_name") or None)
    challenge = fields.get("code_challenge")
    if challenge and fields.get("code_challenge_method", "plain") != "S256":
        return _back(redirect_uri, error="invalid_request", state=fields.get("state"))
    code = sandbox.identity.issue_code(company_id, redirect_uri, challenge)
    return _back(redirect_uri, code=code, state=fields.get("state"))


def _back(redirect_uri: str, **params: str | None) -> Response:
    query = urlencode({k: v for k, v in params.items() if v is not None})
    joiner = "&" if "?" in redirect_uri else "?"
    return RedirectResponse(f"{redirect_uri}{joiner}{query}", status_code=302)
