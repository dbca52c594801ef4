"""One running sandbox's memory: companies, identity, limits, faults, violations."""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sandboxes.common.faults import Faults
from sandboxes.freeagent.config import Limits, SandboxConfig
from sandboxes.freeagent.identity import Identity
from sandboxes.freeagent.store import Books, seeded_books


class RateLimiter:
    """FreeAgent's sliding minute and hour per company (a user's token reaches one)."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self._lock = threading.Lock()
        self._minute: dict[str, deque[float]] = {}
        self._hour: dict[str, deque[float]] = {}
        self.calls: dict[str, int] = {}
        self.refused: dict[str, int] = {}

    def admit(self, company_id: str, test: bool = False) -> int | None:
        """None if the call may go ahead (and it is counted), else Retry-After seconds."""
        limits = self.limits
        with self._lock:
            now = time.monotonic()
            per_minute = min(limits.per_minute, limits.test_per_minute if test else 10**12)
            windows = (
                (self._minute.setdefault(company_id, deque()), limits.window_seconds, per_minute),
                (self._hour.setdefault(company_id, deque()), limits.hour_seconds, limits.per_hour),
            )
            for calls, seconds, allowed in windows:
                while calls and calls[0] <= now - seconds:
                    calls.popleft()
                if len(calls) >= allowed:
                    self.refused[company_id] = self.refused.get(company_id, 0) + 1
                    return max(1, math.ceil(calls[-allowed] + seconds - now)) if allowed else 1
            for calls, _, _ in windows:
                calls.append(now)
            self.calls[company_id] = self.calls.get(company_id, 0) + 1
            return None

    def reconfigure(self, limits: Limits) -> None:
        with self._lock:
            self.limits = limits


@dataclass
class Sandbox:
    config: SandboxConfig
    companies: dict[str, Books] = field(default_factory=dict)
    violations: list[dict[str, Any]] = field(default_factory=list)
    faults: Faults = field(default_factory=Faults)
    identity: Identity = field(init=False)
    limiter: RateLimiter = field(init=False)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.identity = Identity(self.config)
        self.limiter = RateLimiter(self.config.limits)

    def add_company(self, name: str | None = None) -> str:
        with self.lock:
            company_id = str(len(self.companies) + 1)
            subdomain = f"demo{company_id}"
            self.companies[company_id] = seeded_books(name or "Demo Company Ltd", subdomain)
            return company_id

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
