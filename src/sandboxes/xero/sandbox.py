"""One running sandbox's memory: tenants, identity, limits, faults, violations, replays."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sandboxes.common.asgi import Replay
from sandboxes.common.faults import Faults
from sandboxes.xero.config import SandboxConfig
from sandboxes.xero.identity import Identity
from sandboxes.xero.limits import RateLimiter
from sandboxes.xero.seeds import new_tenant
from sandboxes.xero.state import Tenant


@dataclass
class Sandbox:
    config: SandboxConfig
    tenants: dict[str, Tenant] = field(default_factory=dict)
    violations: list[dict[str, Any]] = field(default_factory=list)
    replays: dict[tuple[str, str], Replay] = field(default_factory=dict)
    faults: Faults = field(default_factory=Faults)
    identity: Identity = field(init=False)
    limiter: RateLimiter = field(init=False)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.identity = Identity(self.config)
        self.limiter = RateLimiter(self.config.limits)

    def add_tenant(self, name: str | None = None, seed: str | None = None) -> Tenant:
        tenant = new_tenant(seed or self.config.seed, name)
        with self.lock:
            self.tenants[tenant.tenant_id] = tenant
        return tenant

    def tenant(self, tenant_id: str) -> Tenant | None:
        return self.tenants.get(tenant_id.lower())

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
