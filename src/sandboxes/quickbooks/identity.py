"""Intuit's OAuth 2.0: authorization code (``realmId`` on the callback), refresh, revoke.

As Intuit documents it ("OAuth 2.0", "Refresh token rotation"): a code works once, within
5 minutes, with the same ``redirect_uri``; a refresh answers a new refresh token and the
used one answers again only within the grace, with the same tokens; revoking a refresh
or access token ends the grant.
"""

from __future__ import annotations

import base64
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request

from sandboxes.quickbooks.config import SandboxConfig

CODE_SECONDS = 300
SCOPE = "com.intuit.quickbooks.accounting"


@dataclass
class Grant:
    realm_id: str
    client_id: str
    revoked: bool = False


@dataclass
class _Code:
    grant: Grant
    redirect_uri: str
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

    def issue_code(self, client_id: str, redirect_uri: str, realm_id: str) -> str:
        code = "AB" + secrets.token_urlsafe(30)
        with self._lock:
            self._codes[code] = _Code(
                Grant(realm_id, client_id), redirect_uri, time.monotonic() + CODE_SECONDS
            )
        return code

    def _tokens(self, grant: Grant) -> dict[str, Any]:
        access, refresh = secrets.token_urlsafe(48), "AB" + secrets.token_urlsafe(32)
        now = time.monotonic()
        self._access[access] = _Access(grant, now + self.config.access_token_seconds)
        self._refresh[refresh] = _Refresh(grant, now + self.config.refresh_token_seconds)
        return {
            "token_type": "bearer",
            "access_token": access,
            "expires_in": self.config.access_token_seconds,
            "refresh_token": refresh,
            "x_refresh_token_expires_in": self.config.refresh_token_seconds,
        }

    def exchange_code(self, code: str, redirect_uri: str, client_id: str) -> dict[str, Any] | str:
        with self._lock:
            pending = self._codes.pop(code, None)
            if pending is None or pending.expires < time.monotonic():
                return "invalid_grant"
            if pending.grant.client_id != client_id or redirect_uri != pending.redirect_uri:
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
                successor = held.rotated_to and self._refresh.get(held.rotated_to["refresh_token"])
                within = now - held.used_at <= self.config.refresh_grace_seconds
                if within and successor and successor.used_at is None and held.rotated_to:
                    return held.rotated_to
                return "invalid_grant"
            held.used_at = now
            held.rotated_to = self._tokens(held.grant)
            return held.rotated_to

    def revoke(self, token: str) -> bool:
        with self._lock:
            held = self._refresh.get(token) or self._access.get(token)
            if held is None:
                return False
            held.grant.revoked = True
            return True

    def grant_for(self, authorization: str | None) -> tuple[Grant | None, str]:
        """The grant a bearer token stands for, or None and why (for the 401's detail)."""
        if not authorization or not authorization.lower().startswith("bearer "):
            return None, "Authorization header missing or not a bearer token"
        with self._lock:
            held = self._access.get(authorization[7:].strip())
        if held is None or held.grant.revoked:
            return None, "Token revoked or not issued by this server"
        if held.expires < time.monotonic():
            return None, "Token expired"
        return held.grant, ""

    def expire_access_tokens(self) -> int:
        with self._lock:
            for held in self._access.values():
                held.expires = 0.0
            return len(self._access)

    def revoke_all(self) -> None:
        with self._lock:
            for refresh in self._refresh.values():
                refresh.grant.revoked = True
            for access in self._access.values():
                access.grant.revoked = True


def client_of(request: Request, config: SandboxConfig) -> str | None:
    """The client id if the request authenticates as the app (Intuit: HTTP basic auth)."""
    header = request.headers.get("authorization", "")
    if not header.lower().startswith("basic "):
        return None
    try:
        client_id, _, secret = base64.b64decode(header[6:]).decode().partition(":")
    except ValueError:
        return None
    if client_id == config.client_id and secrets.compare_digest(secret, config.client_secret):
        return client_id
    return None
