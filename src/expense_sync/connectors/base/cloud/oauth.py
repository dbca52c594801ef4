"""OAuth 2.0 authorization code with PKCE (RFC 7636), through Authlib's httpx client.

Three moments: the consent URL the customer is sent to (``consent_url``, with a
``state`` bound to the connection and a PKCE challenge), the code exchange on our
callback (``exchange_code``), and each refresh (``refresh``). The platform's refusals
are classified here once: a bad code is the customer's to fix (validation, shown on the
link page); a refused refresh token means access was withdrawn (fatal, the connection
becomes ``Deauthorized``); anything else is the platform being unreachable (retriable).
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from authlib.integrations.httpx_client import OAuth2Client, OAuthError

from expense_sync.connectors.base.cloud.app import OAuthApp
from expense_sync.connectors.base.cloud.tokens import Tokens
from expense_sync.connectors.base.errors import (
    ConnectorError,
    FatalConnectorError,
    RetriableConnectorError,
    ValidationConnectorError,
)

TIMEOUT_S = 30.0
# What a token endpoint answers (RFC 6749 §5.2) when the grant itself is refused, as
# opposed to the endpoint being down.
REFUSED = {"invalid_grant", "invalid_client", "unauthorized_client", "invalid_request"}


def new_state() -> str:
    return secrets.token_urlsafe(32)


def new_code_verifier() -> str:
    return secrets.token_urlsafe(64)[:96]  # RFC 7636: 43 to 128 characters


def _client(app: OAuthApp, redirect_uri: str | None = None) -> OAuth2Client:
    return OAuth2Client(
        client_id=app.client_id,
        client_secret=app.client_secret,
        token_endpoint_auth_method="client_secret_basic",
        scope=" ".join(app.scopes) or None,
        redirect_uri=redirect_uri,
        code_challenge_method="S256",
        timeout=TIMEOUT_S,
    )


def consent_url(app: OAuthApp, *, redirect_uri: str, state: str, code_verifier: str) -> str:
    """Where to send the customer to grant access; the platform comes back to
    ``redirect_uri`` with ``code`` and ``state``."""
    with _client(app, redirect_uri) as client:
        url, _ = client.create_authorization_url(
            app.authorize_url, state=state, code_verifier=code_verifier
        )
    return str(url)


def exchange_code(app: OAuthApp, *, code: str, code_verifier: str, redirect_uri: str) -> Tokens:
    """The tokens for a consent's ``code``; ``ValidationConnectorError`` if the platform
    refuses the code (wrong, used or expired)."""
    try:
        with _client(app, redirect_uri) as client:
            answer = client.fetch_token(
                app.token_url,
                grant_type="authorization_code",
                code=code,
                code_verifier=code_verifier,
            )
    except OAuthError as error:
        if error.error in REFUSED:
            raise ValidationConnectorError(
                f"The platform refused the sign-in ({_words(error)}); start again.", field="code"
            ) from error
        raise _unreachable(error) from error
    except (httpx.HTTPError, ValueError) as error:
        raise _unreachable(error) from error
    return _tokens(answer)


def refresh(app: OAuthApp, tokens: Tokens) -> Tokens:
    """New tokens for ``tokens.refresh_token``. ``FatalConnectorError`` with the
    platform's words if it refuses the refresh token (revoked, expired, already used)."""
    try:
        with _client(app) as client:
            answer = client.refresh_token(app.token_url, refresh_token=tokens.refresh_token)
    except OAuthError as error:
        if error.error in REFUSED:
            raise FatalConnectorError(
                f"The platform withdrew access: {_words(error)}. Link the connection again."
            ) from error
        raise _unreachable(error) from error
    except (httpx.HTTPError, ValueError) as error:
        raise _unreachable(error) from error
    return _tokens(answer, previous=tokens)


def _tokens(answer: dict[str, Any], previous: Tokens | None = None) -> Tokens:
    access = answer.get("access_token")
    if not isinstance(access, str) or not access:
        raise RetriableConnectorError("The platform's token answer had no access token.")
    rotated = answer.get("refresh_token")
    refresh_token = rotated if isinstance(rotated, str) and rotated else None
    if refresh_token is None and previous is not None:
        refresh_token = previous.refresh_token  # a platform that does not rotate
    if refresh_token is None:
        raise RetriableConnectorError("The platform's token answer had no refresh token.")
    expires_in = answer.get("expires_in")
    seconds = float(expires_in) if isinstance(expires_in, int | float | str) else 1800.0
    return Tokens(access, refresh_token, datetime.now(UTC) + timedelta(seconds=seconds))


def _words(error: OAuthError) -> str:
    return f"{error.error}: {error.description}" if error.description else str(error.error)


def _unreachable(error: Exception) -> ConnectorError:
    detail = _words(error) if isinstance(error, OAuthError) else str(error) or type(error).__name__
    return RetriableConnectorError(f"The platform's sign-in service did not answer: {detail}")
