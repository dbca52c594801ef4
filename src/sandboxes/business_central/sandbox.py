"""One running sandbox's memory: environments and their companies, identity, limits,
faults and the schema violations seen."""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sandboxes.business_central import schemas
from sandboxes.business_central.config import Limits, SandboxConfig
from sandboxes.business_central.identity import Identity
from sandboxes.business_central.seeds import seed
from sandboxes.business_central.store import Company, now
from sandboxes.common.faults import Faults


@dataclass
class Environment:
    name: str
    companies: dict[str, Company] = field(default_factory=dict)
    records: dict[str, dict[str, Any]] = field(default_factory=dict)  # company entity

    def add_company(self, name: str) -> Company:
        company = Company(str(uuid.uuid4()), name)
        seed(company)
        self.companies[company.company_id] = company
        self.records[company.company_id] = {
            **schemas.empty_record("companies"),
            "id": company.company_id,
            "name": name,
            "displayName": name,
            "systemVersion": "26.0.0.0",
            "timestamp": 1,
            "systemCreatedAt": now(),
            "systemModifiedAt": now(),
        }
        return company


class Limiter:
    """6,000 requests per user in a sliding window, and per environment 5 processed at
    once with the next ones queued (they wait, as on BC) up to ``queued``; beyond that,
    and beyond the window, 429 with ``Retry-After``."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self._calls: dict[str, deque[float]] = {}
        self._running: dict[str, int] = {}
        self._waiting: dict[str, int] = {}
        self._freed: dict[str, asyncio.Condition] = {}
        self.admitted = 0
        self.refused = 0
        self.queued_peak = 0
        self.running_peak = 0

    def count(self, user: str) -> int | None:
        """Count one call for ``user``, or the seconds to wait if the window is full."""
        moment = time.monotonic()
        calls = self._calls.setdefault(user, deque())
        while calls and calls[0] <= moment - self.limits.window_seconds:
            calls.popleft()
        if len(calls) >= self.limits.per_window:
            self.refused += 1
            return max(1, int(calls[0] + self.limits.window_seconds - moment) + 1)
        calls.append(moment)
        return None

    async def enter(self, environment: str) -> bool:
        """Wait for one of the environment's processing slots; False if the queue is full."""
        condition = self._freed.setdefault(environment, asyncio.Condition())
        async with condition:
            if self._running.get(environment, 0) >= self.limits.concurrent:
                if self._waiting.get(environment, 0) >= self.limits.queued:
                    self.refused += 1
                    return False
                self._waiting[environment] = self._waiting.get(environment, 0) + 1
                self.queued_peak = max(self.queued_peak, self._waiting[environment])
                try:
                    await condition.wait_for(
                        lambda: self._running.get(environment, 0) < self.limits.concurrent
                    )
                finally:
                    self._waiting[environment] -= 1
            self._running[environment] = self._running.get(environment, 0) + 1
            self.running_peak = max(self.running_peak, self._running[environment])
            self.admitted += 1
            return True

    async def leave(self, environment: str) -> None:
        condition = self._freed[environment]
        async with condition:
            self._running[environment] -= 1
            condition.notify()


@dataclass
class Sandbox:
    config: SandboxConfig
    environments: dict[str, Environment] = field(default_factory=dict)
    violations: list[dict[str, Any]] = field(default_factory=list)
    faults: Faults = field(default_factory=Faults)
    identity: Identity = field(init=False)
    limiter: Limiter = field(init=False)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        self.identity = Identity(self.config)
        self.limiter = Limiter(self.config.limits)
        for name in self.config.environments:
            environment = Environment(name)
            environment.add_company("CRONUS USA, Inc.")
            self.environments[name] = environment

    def company(self, company_id: str) -> Company | None:
        for environment in self.environments.values():
            if company_id.lower() in environment.companies:
                return environment.companies[company_id.lower()]
        return None

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
