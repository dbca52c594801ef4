"""Xero's identity service: consent page, token endpoint, revocation, connections.

Flows as Xero documents them ("OAuth 2.0 authorization code", "PKCE"): the consent page
redirects to ``redirect_uri`` with ``code`` and ``state``; the code is exchanged once, within
5 minutes, with the same ``redirect_uri`` and, when a ``code_challenge`` was sent, the
``code_verifier`` whose S256 hash matches. Refresh tokens rotate: a used one answers again
only within the grace, with the tokens it was already rotated to.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html import escape
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from sandboxes.xero.config import SandboxConfig
from sandboxes.xero.state import Tenant

CODE_SECONDS = 300


@dataclass
class Connection:
    connection_id: str
    tenant_id: str
    auth_event_id: str
    created: datetime


@dataclass
class Grant:
    """What one consent gave: its connections, and whether it was revoked."""

    grant_id: str
    client_id: str
    connections: list[Connection]
    revoked: bool = False


@dataclass
class _Code:
    grant: Grant
    redirect_uri: str
    challenge: str | None
    expires: float


@dataclass
class _Refresh:
    grant: Grant
    expires: float
    used_at: float | None = None
    rotated_to: dict[str, Any] | None = None


@dataclass
class _Access:
    grant: Grant
    expires: float


@dataclass
class Identity:
    config: SandboxConfig
    _codes: dict[str, _Code] = field(default_factory=dict)
    _refresh: dict[str, _Refresh] = field(default_factory=dict)
    _access: dict[str, _Access] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    # -- authorisation -------------------------------------------------------------------

    def issue_code(
        self, client_id: str, redirect_uri: str, challenge: str | None, tenants: list[Tenant]
    ) -> str:
        event = str(uuid.uuid4())
        now = datetime.now(UTC)
        connections = [Connection(str(uuid.uuid4()), t.tenant_id, event, now) for t in tenants]
        code = secrets.token_urlsafe(24)
        with self._lock:
            self._codes[code] = _Code(
                Grant(str(uuid.uuid4()), client_id, connections),
                redirect_uri,
                challenge,
                time.monotonic() + CODE_SECONDS,
            )
        return code

    def _tokens(self, grant: Grant) -> dict[str, Any]:
        access = secrets.token_urlsafe(32)
        refresh = secrets.token_urlsafe(32)
        now = time.monotonic()
        self._access[access] = _Access(grant, now + self.config.access_token_seconds)
        self._refresh[refresh] = _Refresh(grant, now + self.config.refresh_token_seconds)
        return {
            "id_token": secrets.token_urlsafe(16),
            "access_token": access,
            "expires_in": self.config.access_token_seconds,
            "token_type": "Bearer",
            "refresh_token": refresh,
            "scope": "openid profile email accounting.transactions accounting.settings "
            "accounting.contacts accounting.attachments offline_access",
        }

    def exchange_code(self, form: dict[str, str]) -> dict[str, Any] | str:
        with self._lock:
            pending = self._codes.pop(form.get("code", ""), None)
            if pending is None or pending.expires < time.monotonic():
                return "invalid_grant"
            if pending.grant.client_id != form.get("client_id", pending.grant.client_id):
                return "invalid_grant"
            if form.get("redirect_uri") != pending.redirect_uri:
                return "invalid_grant"
            if pending.challenge is not None:
                verifier = form.get("code_verifier", "")
                digest = hashlib.sha256(verifier.encode()).digest()
                if base64.urlsafe_b64encode(digest).rstrip(b"=").decode() != pending.challenge:
                    return "invalid_grant"
            return self._tokens(pending.grant)

    def refresh(self, token: str, client_id: str) -> dict[str, Any] | str:
        with self._lock:
            now = time.monotonic()
            held = self._refresh.get(token)
            if held is None or held.grant.revoked or held.expires < now:
                return "invalid_grant"
            if held.grant.client_id != client_id:
                return "invalid_grant"
            if held.used_at is not None:
                within_grace = now - held.used_at <= self.config.refresh_grace_seconds
                successor = held.rotated_to and self._refresh.get(held.rotated_to["refresh_token"])
                if within_grace and successor and successor.used_at is None:
                    return held.rotated_to or "invalid_grant"
                return "invalid_grant"
            held.used_at = now
            held.rotated_to = self._tokens(held.grant)
            return held.rotated_to

    def revoke(self, token: str) -> None:
        """Xero's revocation ends the grant: its refresh and access tokens stop working."""
        with self._lock:
            held = self._refresh.get(token) or self._access.get(token)
            if held is not None:
                held.grant.revoked = True

    # -- what the API checks --------------------------------------------------------------

    def grant_for(self, authorization: str | None) -> tuple[Grant | None, str]:
        """The grant a bearer token stands for, or None and Xero's reason."""
        if not authorization or not authorization.lower().startswith("bearer "):
            return None, "AuthenticationUnsuccessful"
        with self._lock:
            held = self._access.get(authorization[7:].strip())
        if held is None or held.grant.revoked:
            return None, "AuthenticationUnsuccessful"
        if held.expires < time.monotonic():
            return None, "TokenExpired: token expired"
        return held.grant, ""

    def expire_access_tokens(self) -> int:
        """Control API: every access token issued so far is now expired."""
        with self._lock:
            for held in self._access.values():
                held.expires = 0.0
            return len(self._access)

    def revoke_all(self) -> None:
        """Control API: every grant revoked, as if each user disconnected the app."""
        with self._lock:
            for held in self._refresh.values():
                held.grant.revoked = True


# -- HTTP ---------------------------------------------------------------------------------


def oauth_error(error: str, status: int = 400) -> JSONResponse:
    return JSONResponse({"error": error}, status_code=status)


def unauthorized(detail: str) -> JSONResponse:
    """Xero's 401: a problem document, plus the ``WWW-Authenticate`` a client keys on."""
    return JSONResponse(
        {
            "Type": None,
            "Title": "Unauthorized",
            "Status": 401,
            "Detail": detail,
            "Instance": str(uuid.uuid4()),
            "Extensions": {},
        },
        status_code=401,
        headers={"WWW-Authenticate": f'Bearer error="invalid_token", error_description="{detail}"'},
    )


def client_of(request: Request, form: dict[str, str], config: SandboxConfig) -> str | None:
    """The client id if the request authenticates as the app (basic auth or form fields).

    A PKCE exchange may send only ``client_id`` (Xero's public clients)."""
    header = request.headers.get("authorization", "")
    if header.lower().startswith("basic "):
        try:
            client_id, _, secret = base64.b64decode(header[6:]).decode().partition(":")
        except ValueError:
            return None
    else:
        client_id, secret = form.get("client_id", ""), form.get("client_secret", "")
        if not secret and form.get("code_verifier") and client_id == config.client_id:
            return client_id
    if client_id == config.client_id and secrets.compare_digest(secret, config.client_secret):
        return client_id
    return None


def consent_page(params: dict[str, str], tenants: list[Tenant]) -> HTMLResponse:
    hidden = "".join(
        f'<input type="hidden" name="{escape(k)}" value="{escape(v)}">' for k, v in params.items()
    )
    choices = "".join(
        f'<label><input type="radio" name="tenant" value="{escape(t.tenant_id)}"> '
        f"{escape(t.name)}</label><br>"
        for t in tenants
    )
    html = (
        "<!doctype html><html><head><title>Xero sandbox: allow access</title></head><body>"
        "<h1>Xero sandbox</h1><p>An app asks to connect to an organisation.</p>"
        f'<form method="post" action="/identity/connect/authorize">{hidden}'
        '<label><input type="radio" name="tenant" value="new" checked> '
        "A new demo organisation</label><br>"
        f"{choices}"
        '<label>Name of a new organisation <input name="tenant_name"></label><br>'
        '<button name="decision" value="allow">Allow access</button> '
        '<button name="decision" value="deny">Cancel</button></form></body></html>'
    )
    return HTMLResponse(html)


def redirect_with(redirect_uri: str, **params: str) -> RedirectResponse:
    joiner = "&" if "?" in redirect_uri else "?"
    return RedirectResponse(redirect_uri + joiner + urlencode(params), status_code=302)


def authorize_problem(params: dict[str, str], config: SandboxConfig) -> Response | None:
    """Why an authorize request cannot even reach the consent page (Xero shows an error
    page and does not redirect when the client or the redirect URI is wrong)."""
    if params.get("client_id") != config.client_id:
        return HTMLResponse("<p>Error: unauthorized_client (unknown client_id)</p>", 400)
    redirect_uri = params.get("redirect_uri", "")
    if not redirect_uri or (config.redirect_uris and redirect_uri not in config.redirect_uris):
        return HTMLResponse("<p>Error: invalid redirect_uri</p>", 400)
    if params.get("response_type") != "code":
        return redirect_with(
            redirect_uri, error="unsupported_response_type", state=params.get("state", "")
        )
    method = params.get("code_challenge_method")
    if params.get("code_challenge") and method not in (None, "S256"):
        return redirect_with(redirect_uri, error="invalid_request", state=params.get("state", ""))
    return None
