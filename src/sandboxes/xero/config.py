"""What a sandbox is started with: its app credentials, seed, token lifetimes and limits."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from typing import Any

MEGABYTE = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """Xero's per-tenant and per-app call limits; ``window_seconds`` shrinks the minute for tests.

    The real values (Xero's docs, "OAuth 2.0 API limits"): 60 calls a minute, 5,000 a day and
    5 in flight per tenant, 10,000 a minute per app.
    """

    per_minute: int = 60
    per_day: int = 5000
    concurrent: int = 5
    app_per_minute: int = 10_000
    window_seconds: float = 60.0
    day_seconds: float = 86_400.0

    @classmethod
    def real(cls) -> Limits:
        return cls()

    @classmethod
    def unlimited(cls) -> Limits:
        """For tests that are not about limits: nothing they do reaches a limit."""
        return cls(per_minute=10**9, per_day=10**9, concurrent=10**6, app_per_minute=10**9)


@dataclass(frozen=True)
class SandboxConfig:
    """How one sandbox behaves. Every field has the value real Xero has, except the limits:
    those default to unlimited so a test opts into them (``Limits.real()`` for benchmarks)."""

    client_id: str = "sandbox-client-id"
    client_secret: str = "sandbox-client-secret"
    # Redirect URIs the app registered; empty accepts any (the sandbox cannot know them).
    redirect_uris: tuple[str, ...] = ()
    seed: str = "demo"
    auto_approve: bool = False
    access_token_seconds: int = 1800
    refresh_token_seconds: int = 60 * 24 * 3600
    # A used refresh token still answers within this grace (Xero: 30 minutes) with the
    # tokens it was rotated to, so a client that lost the answer can retry.
    refresh_grace_seconds: int = 1800
    limits: Limits = field(default_factory=Limits.unlimited)
    attachment_max_bytes: int = 10 * MEGABYTE
    attachments_per_record: int = 10
    page_size: int = 100
    batch_max: int = 50

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self))

    @classmethod
    def from_json(cls, text: str) -> SandboxConfig:
        fields: dict[str, Any] = json.loads(text)
        fields["limits"] = Limits(**fields.get("limits", {}))
        fields["redirect_uris"] = tuple(fields.get("redirect_uris", ()))
        return cls(**fields)
