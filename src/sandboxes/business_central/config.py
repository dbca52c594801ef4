"""What a Business Central sandbox is started with: app credentials, token lifetimes, limits."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Limits:
    """Business Central's per-user and per-environment limits (Microsoft's "API limits"
    page, ``dynamics-current-limits.md``): 6,000 requests in any 5 minutes per user, 5
    requests processed at once per environment with up to 95 more queued (a queued
    request waits; the 101st gets 429). ``window_seconds`` shrinks the window for tests."""

    per_window: int = 6000
    window_seconds: float = 300.0
    concurrent: int = 5
    queued: int = 95

    @classmethod
    def real(cls) -> Limits:
        return cls()

    @classmethod
    def unlimited(cls) -> Limits:
        return cls(per_window=10**9, concurrent=10**6, queued=10**6)


@dataclass(frozen=True)
class SandboxConfig:
    """How one sandbox behaves: real Business Central's values, except limits, which
    default to unlimited so a test opts in (``Limits.real()`` for benchmarks)."""

    client_id: str = "sandbox-client-id"
    client_secret: str = "sandbox-client-secret"
    tenant: str = "sandbox-tenant"
    environments: tuple[str, ...] = ("production",)
    auto_approve: bool = False
    access_token_seconds: int = 3600
    limits: Limits = field(default_factory=Limits.unlimited)
    page_size: int = 20000  # BC's server page size; $top asks for less
    batch_max: int = 100

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> SandboxConfig:
        values: dict[str, Any] = json.loads(text)
        values["limits"] = Limits(**values.get("limits", {}))
        values["environments"] = tuple(values.get("environments", ("production",)))
        return cls(**values)
