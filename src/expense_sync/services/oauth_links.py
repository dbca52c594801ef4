"""Linking a cloud platform by OAuth: the customer leaves our link page for the
platform's consent page and comes back to our callback.

The ``state`` sent along is bound to the connection, stored only as a hash, expires
after ``STATE_TTL`` and works once; the PKCE verifier that goes with it is sealed. A
callback whose state is unknown, used or expired is refused before anything is sent to
the platform, so a replayed or forged callback can neither link nor re-link anything.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from expense_sync.config import Settings
from expense_sync.connectors.base.cloud import oauth
from expense_sync.domain.errors import InvalidRequest
from expense_sync.services import connections
from expense_sync.services.cloud import oauth_app
from expense_sync.services.secrets import SecretBox
from expense_sync.storage.models import Connection, OAuthLinkState

STATE_TTL = timedelta(minutes=15)
CALLBACK_PATH = "/link/oauth/callback"


class StateRefused(Exception):
    """The callback's state is not one we sent, or was used, or expired."""

    def __init__(self, message: str, connection: Connection | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.connection = connection


@dataclass(frozen=True)
class Consent:
    connection: Connection
    code_verifier: str
    redirect_uri: str


def start_consent(
    session: Session, settings: Settings, connection: Connection, base_url: str
) -> str:
    """Remember a new state for ``connection``; return the platform's consent URL."""
    manifest = connections.manifest_of(connection)
    app = oauth_app(settings, manifest.key)
    if app is None or not app.configured:
        raise InvalidRequest(
            f"{manifest.name} is not set up on this server yet: its administrator must set "
            f"EXPENSE_SYNC_{manifest.name.upper()}_CLIENT_ID and ..._CLIENT_SECRET."
        )
    state, verifier = oauth.new_state(), oauth.new_code_verifier()
    redirect_uri = base_url.rstrip("/") + CALLBACK_PATH
    session.add(
        OAuthLinkState(
            state_hash=_hash(state),
            connection_id=connection.id,
            sealed_verifier=SecretBox(settings.secret_key_bytes).seal({"verifier": verifier}),
            redirect_uri=redirect_uri,
            expires=datetime.now(UTC) + STATE_TTL,
        )
    )
    session.flush()
    return oauth.consent_url(app, redirect_uri=redirect_uri, state=state, code_verifier=verifier)


def claim_state(session: Session, settings: Settings, state: str) -> Consent:
    """Spend the state of a callback (the caller commits at once, so it works once)."""
    row = session.get(OAuthLinkState, _hash(state), with_for_update=True) if state else None
    if row is None:
        raise StateRefused(
            "This sign-in did not start from this page, or its link is incomplete. "
            "Open the link you were sent and choose Connect again."
        )
    connection = session.get(Connection, row.connection_id)
    assert connection is not None  # the state is deleted with its connection
    if row.used is not None:
        raise StateRefused(
            "This sign-in was already used. Choose Connect again to start a new one.",
            connection,
        )
    if row.expires <= datetime.now(UTC):
        raise StateRefused(
            "This sign-in took too long and expired. Choose Connect again to start over.",
            connection,
        )
    row.used = datetime.now(UTC)
    verifier = SecretBox(settings.secret_key_bytes).open(row.sealed_verifier)["verifier"]
    return Consent(connection, verifier, row.redirect_uri)


def finish_consent(
    session: Session, settings: Settings, consent: Consent, code: str, *, realm_id: str = ""
) -> Connection:
    """Exchange the platform's ``code`` and link the connection; ``realm_id`` is the
    company a QuickBooks consent granted (its callback's ``realmId``)."""
    fields = {
        "code": code,
        "code_verifier": consent.code_verifier,
        "redirect_uri": consent.redirect_uri,
    }
    if realm_id:
        fields["realmId"] = realm_id
    return connections.authorize_connection(session, settings, consent.connection, fields)


def _hash(state: str) -> str:
    return hashlib.sha256(state.encode()).hexdigest()
