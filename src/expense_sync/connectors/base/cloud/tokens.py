"""OAuth tokens and where a connection keeps them.

The platform rotates the refresh token on every refresh and accepts each one once, so
two workers refreshing the same connection at once must not both spend it, and the new
one must be saved before anyone else reads the old. ``TokenStore.rotate`` does that: it
holds the connection's row lock while it refreshes, and compares the version it saw
(``StoredTokens.version``) with the stored one, so the second worker gets the first
worker's fresh tokens instead of refreshing again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

# Refresh this long before the platform's expiry, so a call never starts with a token
# that dies in flight.
REFRESH_MARGIN = timedelta(seconds=120)


@dataclass(frozen=True)
class Tokens:
    access_token: str
    refresh_token: str
    expires_at: datetime

    def expiring(self, now: datetime | None = None) -> bool:
        return (now or datetime.now(UTC)) + REFRESH_MARGIN >= self.expires_at

    def as_secrets(self) -> dict[str, str]:
        return {
            "access_token": self.access_token,
            "refresh_token": self.refresh_token,
            "expires_at": self.expires_at.isoformat(),
        }

    @classmethod
    def from_secrets(cls, secrets: dict[str, str]) -> Tokens:
        return cls(
            secrets["access_token"],
            secrets["refresh_token"],
            datetime.fromisoformat(secrets["expires_at"]),
        )


@dataclass(frozen=True)
class StoredTokens:
    tokens: Tokens
    version: int


class TokenStore(Protocol):
    def current(self) -> StoredTokens:
        """The tokens as stored now, with their version."""
        ...

    def rotate(self, seen: StoredTokens, refresh: Callable[[Tokens], Tokens]) -> StoredTokens:
        """Under the connection's lock: if the stored version is still ``seen``'s, call
        ``refresh`` and save its tokens (version + 1) before returning them; if another
        worker rotated meanwhile, return its tokens. If ``refresh`` raises
        ``FatalConnectorError`` (the platform refused), mark the connection
        ``Deauthorized`` with the platform's words, then re-raise."""
        ...

    def deauthorize(self, message: str) -> None:
        """The platform refuses this connection's tokens for good: mark it
        ``Deauthorized`` with ``message``, and tell the client (webhook)."""
        ...
