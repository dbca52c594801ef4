"""What a QuickBooks sandbox is started with: app credentials, token lifetimes, limits."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from typing import Any

MEGABYTE = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """Intuit's per-realm throttles; ``window_seconds`` shrinks the minute for tests.

    Real values (PLATFORMS.md, Intuit's "API call limits and throttles"): 500 requests a
    minute and 10 in flight per realm, 40 batch requests a minute per realm.
    """

    per_minute: int = 500
    concurrent: int = 10
    batch_per_minute: int = 40
    window_seconds: float = 60.0

    @classmethod
    def real(cls) -> Limits:
        return cls()

    @classmethod
    def unlimited(cls) -> Limits:
        """For tests that are not about limits: nothing they do reaches one."""
        return cls(per_minute=10**9, concurrent=10**6, batch_per_minute=10**9)


@dataclass(frozen=True)
class SandboxConfig:
    """How one sandbox behaves: real QuickBooks values, except the limits (unlimited unless
    a test opts in; ``Limits.real()`` for benchmarks)."""

    client_id: str = "sandbox-client-id"
    client_secret: str = "sandbox-client-secret"
    # Redirect URIs the app registered; empty accepts any.
    redirect_uris: tuple[str, ...] = ()
    auto_approve: bool = False
    access_token_seconds: int = 3600
    refresh_token_seconds: int = 100 * 24 * 3600
    # A used refresh token answers again within this grace with the tokens it was rotated
    # to, so a client that lost the answer can retry (as Intuit keeps the previous one
    # valid until the new one is used).
    refresh_grace_seconds: int = 1800
    limits: Limits = field(default_factory=Limits.unlimited)
    attachment_max_bytes: int = 100 * MEGABYTE
    batch_max: int = 30
    max_results: int = 1000

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self))

    @classmethod
    def from_json(cls, text: str) -> SandboxConfig:
        fields: dict[str, Any] = json.loads(text)
        fields["limits"] = Limits(**fields.get("limits", {}))
        fields["redirect_uris"] = tuple(fields.get("redirect_uris", ()))
        return cls(**fields)
