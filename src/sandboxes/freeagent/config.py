"""What a FreeAgent sandbox is started with: app credentials, token lifetimes, limits."""

from __future__ import annotations

from dataclasses import dataclass, field

MEGABYTE = 1024 * 1024
# FreeAgent's attachment types (dev.freeagent.com/docs/attachments): PNG, JPEG, GIF, PDF.
ATTACHMENT_TYPES = (
    "image/png",
    "image/x-png",
    "image/jpeg",
    "image/jpg",
    "image/gif",
    "application/x-pdf",
)


@dataclass(frozen=True)
class Limits:
    """FreeAgent's limits per user (dev.freeagent.com/docs/introduction, "Rate limits"):
    120 requests a minute and 3,600 an hour; ``X-RateLimit-Test: true`` on a request
    lowers the minute to ``test_per_minute`` (5) so a client can try its back-off.
    ``window_seconds`` shrinks the minute for tests."""

    per_minute: int = 120
    per_hour: int = 3600
    test_per_minute: int = 5
    window_seconds: float = 60.0
    hour_seconds: float = 3600.0

    @classmethod
    def real(cls) -> Limits:
        return cls()

    @classmethod
    def unlimited(cls) -> Limits:
        return cls(per_minute=10**9, per_hour=10**9)


@dataclass(frozen=True)
class SandboxConfig:
    """Real FreeAgent values everywhere except the limits, which a test opts into."""

    client_id: str = "sandbox-client-id"
    client_secret: str = "sandbox-client-secret"
    redirect_uris: tuple[str, ...] = ()  # empty accepts any
    auto_approve: bool = False
    access_token_seconds: int = 3600  # FreeAgent: an access token lasts an hour
    limits: Limits = field(default_factory=Limits.unlimited)
    attachment_max_bytes: int = 5 * MEGABYTE
    attachment_types: tuple[str, ...] = ATTACHMENT_TYPES
    default_per_page: int = 25
    max_per_page: int = 100
