"""Microsoft identity platform, as far as a Business Central app uses it:
``/{tenant}/oauth2/v2.0/authorize`` (a consent page that redirects with ``code`` and
``state``) and ``/{tenant}/oauth2/v2.0/token`` (``authorization_code`` with PKCE, and
``refresh_token``, which answers with a new refresh token; Microsoft keeps the old one
valid until it expires, so a lost answer can be retried). Errors are Microsoft's
``{"error", "error_description", "error_codes"}``. A revoked grant (the user or admin
withdrew consent) refuses its refresh tokens with ``invalid_grant`` (AADSTS50173).
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import threading
import time
from dataclasses import dataclass, field

from sandboxes.business_central.config import SandboxConfig

CODE_SECONDS = 600
REFRESH_SECONDS = 90 * 24 * 3600
SCOPE = "https://api.businesscentral.dynamics.com/.default offline_access"


@dataclass
class Grant:
    grant_id: str
    user: str
    revoked: bool = False


@dataclass
class _Code:
    grant: Grant
    redirect_uri: str
    challenge: str | None
    expires: float


@dataclass
class Identity:
    config: SandboxConfig
    _codes: dict[str, _Code] = field(default_factory=dict)
    _refresh: dict[str, tuple[Grant, float]] = field(default_factory=dict)
    _access: dict[str, tuple[Grant, float]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def issue_code(self, redirect_uri: str, challenge: str | None, user: str) -> str:
        code = secrets.token_urlsafe(24)
        with self._lock:
            self._codes[code] = _Code(
                Grant(secrets.token_hex(8), user),
                redirect_uri,
                challenge,
                time.monotonic() + CODE_SECONDS,
            )
        return code

    def _tokens(self, grant: Grant) -> dict[str, object]:
        access, refresh = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        moment = time.monotonic()
        self._access[access] = (grant, moment + self.config.access_token_seconds)
        self._refresh[refresh] = (grant, moment + REFRESH_SECONDS)
        return {
            "token_type": "Bearer",
            "scope": SCOPE,
            "expires_in": self.config.access_token_seconds,
            "ext_expires_in": self.config.access_token_seconds,
            "access_token": access,
            "refresh_token": refresh,
        }

    def exchange(self, form: dict[str, str]) -> dict[str, object] | str:
        with self._lock:
            pending = self._codes.pop(form.get("code", ""), None)
            if pending is None or pending.expires < time.monotonic():
                return (
                    "AADSTS70008: The provided authorization code has expired or was already used."
                )
            if form.get("redirect_uri") != pending.redirect_uri:
                return "AADSTS50148: The redirect_uri does not match the authorization request's."
            if pending.challenge is not None:
                digest = hashlib.sha256(form.get("code_verifier", "").encode()).digest()
                if base64.urlsafe_b64encode(digest).rstrip(b"=").decode() != pending.challenge:
                    return "AADSTS501481: The Code_Verifier does not match the code_challenge."
            return self._tokens(pending.grant)

    def refresh(self, token: str) -> dict[str, object] | str:
        with self._lock:
            held = self._refresh.get(token)
            if held is None or held[1] < time.monotonic():
                return "AADSTS70008: The refresh token has expired or is invalid."
            if held[0].revoked:
                return "AADSTS50173: The provided grant has expired due to it being revoked."
            return self._tokens(held[0])

    def grant_for(self, authorization: str | None) -> tuple[Grant | None, str]:
        if not authorization or not authorization.lower().startswith("bearer "):
            return None, "The authorization header is missing."
        with self._lock:
            held = self._access.get(authorization[7:].strip())
        if held is None or held[0].revoked:
            return None, "The credentials provided are incorrect."
        if held[1] < time.monotonic():
            return None, "The access token has expired."
        return held[0], ""

    def expire_access_tokens(self) -> int:
        with self._lock:
            for token, (grant, _) in list(self._access.items()):
                self._access[token] = (grant, 0.0)
            return len(self._access)

    def revoke_all(self) -> None:
        with self._lock:
            for grant, _ in self._refresh.values():
                grant.revoked = True


def client_ok(authorization: str | None, form: dict[str, str], config: SandboxConfig) -> bool:
    """The app authenticates with basic auth or ``client_id``/``client_secret`` fields."""
    if authorization and authorization.lower().startswith("basic "):
        try:
            client_id, _, secret = base64.b64decode(authorization[6:]).decode().partition(":")
        except ValueError:
            return False
    else:
        client_id, secret = form.get("client_id", ""), form.get("client_secret", "")
    return client_id == config.client_id and secrets.compare_digest(secret, config.client_secret)
