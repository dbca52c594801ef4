"""What a cloud connector is given to reach its platform: the OAuth app (from settings),
the connection's token store and the shared rate limiter (both backed by the database).

The connector package never builds these itself: ``services.cloud`` does, so the
platform code stays free of storage and settings, and tests can hand in fakes.
"""

from __future__ import annotations

from dataclasses import dataclass

from expense_sync.connectors.base.cloud.limits import RateLimiter
from expense_sync.connectors.base.cloud.tokens import TokenStore


@dataclass(frozen=True)
class OAuthApp:
    """One platform's registered app and where the platform answers (each a setting, so
    a sandbox, a recording proxy or the real vendor can sit behind it)."""

    client_id: str
    client_secret: str
    authorize_url: str
    token_url: str
    api_url: str
    scopes: tuple[str, ...] = ()

    @property
    def configured(self) -> bool:
        return bool(self.client_id and self.client_secret)


@dataclass(frozen=True)
class CloudAccess:
    """Everything a session of a linked cloud connection needs besides its secrets."""

    app: OAuthApp
    tokens: TokenStore
    limiter: RateLimiter
