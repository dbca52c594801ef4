"""Signing in to the dashboard: a signed session cookie, and CSRF tokens for its forms.

**Session.** Signing in with an API key (or as a dashboard user, with an email and a
password) puts ``{client, key or user, csrf}`` in a cookie signed
with itsdangerous (HMAC-SHA256, key derived from the server's secret key), HttpOnly,
SameSite=Lax, Secure when the public URL is https, and scoped to ``/health``. The
signature carries its time: a cookie older than ``SESSION_SECONDS`` since the last page
is expired, and the person is sent to sign in and then back to the page they asked for.
Every request also checks that the API key (or user) still exists, so deleting it ends
its sessions. A cookie whose signature does not verify (tampered, or signed with another
key) is refused the same way and deleted.

**CSRF.** Every form that changes something (sign in, sign out, retry, refresh) carries
a token that must equal the one in the signed session (a synchronizer token). The
sign-in form, sent before any session exists, uses a signed double-submit token: the
same random value in a short-lived signed cookie and in the form. No library was
added for this: the one we looked at that fits FastAPI (fastapi-csrf-protect) is a
double-submit cookie beside the session, while a token inside the session we already
sign is simpler and binds each form to the person signed in. SameSite=Lax alone would
leave older browsers and same-site subdomains open, so both are used.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from urllib.parse import quote

from fastapi import Request, Response
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy.orm import Session

from expense_sync.api.runtime import Runtime
from expense_sync.storage.models import ApiKey, Client, DashboardUser

COOKIE = "expense_sync_dashboard"
SIGN_IN_COOKIE = "expense_sync_dashboard_sign_in"
PATH = "/health"
SIGN_IN_SECONDS = 3600


@dataclass(frozen=True)
class DashboardSession:
    client_id: uuid.UUID
    client_name: str
    signed_in_as: str  # "k:<API key id>" or "u:<dashboard user id>"
    csrf: str

    def cookie(self) -> dict[str, str]:
        return {"c": str(self.client_id), "a": self.signed_in_as, "t": self.csrf}


class SignInRequired(Exception):
    """The page needs a session and has none; ``reason`` says why (shown on sign-in)."""

    def __init__(self, next_url: str, reason: str, forget: bool) -> None:
        super().__init__(reason)
        self.next_url, self.reason, self.forget = next_url, reason, forget


class CsrfRefused(Exception):
    """A form arrived without the token of the session it claims to come from."""


def _serializer(runtime: Runtime, salt: str) -> URLSafeTimedSerializer:
    key = hmac.new(runtime.settings.secret_key_bytes, b"dashboard", hashlib.sha256).digest()
    return URLSafeTimedSerializer(key, salt=salt)


def session_seconds(runtime: Runtime) -> int:
    """How long a session lasts without a page load (``DASHBOARD_SESSION_SECONDS``)."""
    return runtime.settings.dashboard_session_seconds


def _secure(runtime: Runtime) -> bool:
    return runtime.settings.public_url.startswith("https://")


def current_session(request: Request, runtime: Runtime, session: Session) -> DashboardSession:
    """The signed-in session, or ``SignInRequired`` naming the page to come back to."""
    wanted = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    cookie = request.cookies.get(COOKIE)
    if not cookie:
        raise SignInRequired(wanted, "", forget=False)
    try:
        data = _serializer(runtime, "session").loads(cookie, max_age=session_seconds(runtime))
        client_id, signed_in_as, csrf = uuid.UUID(data["c"]), str(data["a"]), str(data["t"])
        kind, _, credential_id = signed_in_as.partition(":")
        if kind not in ("k", "u"):
            raise ValueError(kind)
        credential_uuid = uuid.UUID(credential_id)
        credential = (
            session.get(ApiKey, credential_uuid)
            if kind == "k"
            else session.get(DashboardUser, credential_uuid)
        )
    except SignatureExpired:
        raise SignInRequired(wanted, "expired", forget=True) from None
    except (BadSignature, KeyError, TypeError, ValueError):
        raise SignInRequired(wanted, "invalid", forget=True) from None
    client = session.get(Client, client_id)
    if credential is None or client is None or credential.client_id != client_id:
        raise SignInRequired(wanted, "revoked", forget=True)
    return DashboardSession(client_id, client.name, signed_in_as, csrf)


def start_session(
    runtime: Runtime, response: Response, client_id: uuid.UUID, signed_in_as: str
) -> None:
    """A new session (and a new CSRF token) for ``signed_in_as`` (``k:``/``u:`` + id)."""
    started = DashboardSession(client_id, "", signed_in_as, secrets.token_urlsafe(32))
    keep(runtime, response, started.cookie())
    response.delete_cookie(SIGN_IN_COOKIE, path=PATH)


def keep(runtime: Runtime, response: Response, data: dict[str, str]) -> None:
    """Sign the session afresh: its clock restarts with every page."""
    response.set_cookie(
        COOKIE,
        _serializer(runtime, "session").dumps(data),
        max_age=session_seconds(runtime),
        path=PATH,
        httponly=True,
        samesite="lax",
        secure=_secure(runtime),
    )


def renew(runtime: Runtime, response: Response, signed_in: DashboardSession) -> None:
    keep(runtime, response, signed_in.cookie())


def end_session(response: Response) -> None:
    response.delete_cookie(COOKIE, path=PATH)


def check_csrf(signed_in: DashboardSession, token: str | None) -> None:
    if not token or not hmac.compare_digest(token.encode(), signed_in.csrf.encode()):
        raise CsrfRefused


# -- the sign-in form's own token (there is no session yet) -------------------------------


def sign_in_token(runtime: Runtime, request: Request) -> str:
    """The sign-in form's token: a valid one from the cookie again, or a new one."""
    serializer = _serializer(runtime, "sign-in")
    current = request.cookies.get(SIGN_IN_COOKIE, "")
    try:
        serializer.loads(current, max_age=SIGN_IN_SECONDS)
    except BadSignature:
        return serializer.dumps(secrets.token_urlsafe(16))
    return current


def remember_sign_in_token(runtime: Runtime, response: Response, token: str) -> None:
    response.set_cookie(
        SIGN_IN_COOKIE,
        token,
        max_age=SIGN_IN_SECONDS,
        path=PATH,
        httponly=True,
        samesite="strict",
        secure=_secure(runtime),
    )


def check_sign_in_token(runtime: Runtime, request: Request, token: str | None) -> None:
    cookie = request.cookies.get(SIGN_IN_COOKIE, "")
    if not token or not cookie or not hmac.compare_digest(token.encode(), cookie.encode()):
        raise CsrfRefused
    try:
        _serializer(runtime, "sign-in").loads(cookie, max_age=SIGN_IN_SECONDS)
    except BadSignature:
        raise CsrfRefused from None


def safe_next(value: str | None) -> str:
    """Where to go after signing in: a dashboard page of this site, never elsewhere."""
    if not value or not value.startswith(PATH) or value.startswith("//") or "\\" in value:
        return PATH
    return value


def sign_in_url(next_url: str, reason: str) -> str:
    query = f"?next={quote(next_url, safe='')}"
    return f"{PATH}/sign-in{query}" + (f"&reason={reason}" if reason else "")
