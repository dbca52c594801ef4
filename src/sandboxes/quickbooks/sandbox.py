"""One running sandbox's memory: companies, identity, limits, faults, violations, replays."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sandboxes.common.asgi import Replay
from sandboxes.common.faults import Faults
from sandboxes.quickbooks.config import SandboxConfig
from sandboxes.quickbooks.identity import Identity
from sandboxes.quickbooks.limits import RateLimiter
from sandboxes.quickbooks.seeds import SEEDS, new_company
from sandboxes.quickbooks.state import Company


@dataclass
class Sandbox:
    config: SandboxConfig
    companies: dict[str, Company] = field(default_factory=dict)
    violations: list[dict[str, Any]] = field(default_factory=list)
    replays: dict[tuple[str, str], Replay] = field(default_factory=dict)
    faults: Faults = field(default_factory=Faults)
    identity: Identity = field(init=False)
    limiter: RateLimiter = field(init=False)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.identity = Identity(self.config)
        self.limiter = RateLimiter(self.config.limits)
        for seed in SEEDS:  # the seeded US and UK companies every sandbox starts with
            self.add_company(seed)

    def add_company(self, seed: str, name: str | None = None) -> Company:
        company = new_company(seed, name)
        with self.lock:
            self.companies[company.realm_id] = company
        return company

    def company(self, realm_id: str) -> Company | None:
        return self.companies.get(realm_id)

    def seeded(self, seed: str) -> Company:
        """The first company of a seed (``us`` or ``uk``): the ones the sandbox started with."""
        country = "GB" if seed == "uk" else "US"
        return next(c for c in self.companies.values() if c.country == country)

    def record_violation(self, kind: str, method: str, path: str, error: str) -> None:
        with self.lock:
            self.violations.append(
                {
                    "kind": kind,
                    "method": method,
                    "path": path,
                    "error": error,
                    "at": datetime.now(UTC).isoformat(),
                }
            )
