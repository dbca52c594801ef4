"""Building what a cloud connector is handed (``CloudAccess``): the platform's OAuth app
from settings, the connection's token store and the shared rate limiter."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session, sessionmaker

from expense_sync.config import Settings
from expense_sync.connectors.base.cloud import CloudAccess, OAuthApp
from expense_sync.services.cloud_tokens import DatabaseTokenStore
from expense_sync.services.rate_limits import DatabaseRateLimiter
from expense_sync.services.secrets import SecretBox

XERO_SCOPES = (
    "offline_access",
    "openid",
    "profile",
    "email",
    "accounting.transactions",
    "accounting.settings",
    "accounting.contacts",
    "accounting.attachments",
)

# Microsoft identity: the Business Central API's default scope, and a refresh token.
BUSINESS_CENTRAL_SCOPES = ("https://api.businesscentral.dynamics.com/.default", "offline_access")
QUICKBOOKS_SCOPES = ("com.intuit.quickbooks.accounting",)


def oauth_app(settings: Settings, platform_key: str) -> OAuthApp | None:
    """The platform's OAuth app, or None if the platform does not use one here."""
    if platform_key == "gbol":
        identity = settings.xero_identity_url.rstrip("/")
        return OAuthApp(
            client_id=settings.xero_client_id,
            client_secret=settings.xero_client_secret,
            authorize_url=settings.xero_authorize_url or f"{identity}/connect/authorize",
            token_url=f"{identity}/connect/token",
            api_url=settings.xero_api_url.rstrip("/"),
            scopes=XERO_SCOPES,
        )
    if platform_key == "trji":
        login = settings.business_central_login_url.rstrip("/")
        return OAuthApp(
            client_id=settings.business_central_client_id,
            client_secret=settings.business_central_client_secret,
            authorize_url=f"{login}/oauth2/v2.0/authorize",
            token_url=f"{login}/oauth2/v2.0/token",
            api_url=settings.business_central_api_url.rstrip("/"),
            scopes=BUSINESS_CENTRAL_SCOPES,
        )
    if platform_key == "qhyg":
        return OAuthApp(
            client_id=settings.quickbooks_client_id,
            client_secret=settings.quickbooks_client_secret,
            authorize_url=settings.quickbooks_authorize_url,
            token_url=settings.quickbooks_token_url,
            api_url=settings.quickbooks_api_url.rstrip("/"),
            scopes=QUICKBOOKS_SCOPES,
        )
    if platform_key == "fbrh":
        api = settings.freeagent_api_url.rstrip("/")
        return OAuthApp(
            client_id=settings.freeagent_client_id,
            client_secret=settings.freeagent_client_secret,
            authorize_url=f"{api}/v2/approve_app",
            token_url=f"{api}/v2/token_endpoint",
            api_url=api,
        )
    return None


def cloud_access(
    session: Session, settings: Settings, platform_key: str, connection_id: uuid.UUID
) -> CloudAccess | None:
    """The cloud access for one connection, on ``session``'s database (its own short
    transactions, apart from the caller's)."""
    app = oauth_app(settings, platform_key)
    if app is None:
        return None
    factory = sessionmaker(bind=session.get_bind(), expire_on_commit=False)
    box = SecretBox(settings.secret_key_bytes)
    return CloudAccess(
        app=app,
        tokens=DatabaseTokenStore(factory, box, connection_id),
        limiter=DatabaseRateLimiter(factory),
    )
