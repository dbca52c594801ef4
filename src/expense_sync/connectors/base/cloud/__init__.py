"""The cloud kit: what every HTTP platform's connector shares.

- ``app``: the OAuth app from settings, and the ``CloudAccess`` a session is given;
- ``oauth``: authorization code + PKCE, code exchange, refresh (Authlib);
- ``tokens``: tokens and the store that rotates them atomically;
- ``limits``: the shared per-tenant rate limiter's interface and the platform's headers;
- ``classify``: one classification of every answer into ``ConnectorError``;
- ``http``: the client that puts the above together for each call;
- ``receipts``: size and real-type checks before an upload.

A platform package holds only its endpoints and its mapping (``connectors/xero`` is the
example; docs/connectors.md walks through it).
"""

from expense_sync.connectors.base.cloud.app import CloudAccess, OAuthApp
from expense_sync.connectors.base.cloud.classify import classify
from expense_sync.connectors.base.cloud.connector import CloudConnector
from expense_sync.connectors.base.cloud.http import CloudClient, PlatformHttp
from expense_sync.connectors.base.cloud.limits import Limits, Observed, RateLimiter
from expense_sync.connectors.base.cloud.receipts import attachment_name, checked_content_type
from expense_sync.connectors.base.cloud.tokens import StoredTokens, Tokens, TokenStore

__all__ = [
    "CloudAccess",
    "CloudClient",
    "CloudConnector",
    "Limits",
    "OAuthApp",
    "Observed",
    "PlatformHttp",
    "RateLimiter",
    "StoredTokens",
    "TokenStore",
    "Tokens",
    "attachment_name",
    "checked_content_type",
    "classify",
]
