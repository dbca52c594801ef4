"""Intuit's throttles per realm: requests a minute, requests in flight, batch requests a minute.

A refused call gets 429 with Intuit's ``ThrottleExceeded`` fault (code 003001); Intuit
asks a client to wait 60 seconds, which ``Retry-After`` says (the window's remainder).
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from dataclasses import dataclass, field

from sandboxes.quickbooks.config import Limits


@dataclass
class _Window:
    seconds: float
    calls: deque[float] = field(default_factory=deque)

    def count(self, now: float) -> int:
        while self.calls and self.calls[0] <= now - self.seconds:
            self.calls.popleft()
        return len(self.calls)

    def retry_after(self, now: float) -> int:
        return max(1, math.ceil(self.calls[0] + self.seconds - now)) if self.calls else 1


@dataclass
class Admission:
    problem: str | None = None
    retry_after: int = 0


class RateLimiter:
    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self._lock = threading.Lock()
        self._minute: dict[str, _Window] = {}
        self._batch: dict[str, _Window] = {}
        self._in_flight: dict[str, int] = {}
        self.calls: dict[str, int] = {}
        self.refused: dict[str, int] = {}

    def admit(self, realm_id: str, *, batch: bool) -> Admission:
        """Count a call or refuse it; an admitted call must be ``release``d."""
        limits = self.limits
        with self._lock:
            now = time.monotonic()
            minute = self._minute.setdefault(realm_id, _Window(limits.window_seconds))
            batches = self._batch.setdefault(realm_id, _Window(limits.window_seconds))
            problem, retry = None, 0
            if minute.count(now) >= limits.per_minute:
                problem, retry = "minute", minute.retry_after(now)
            elif batch and batches.count(now) >= limits.batch_per_minute:
                problem, retry = "batch", batches.retry_after(now)
            elif self._in_flight.get(realm_id, 0) >= limits.concurrent:
                problem, retry = "concurrent", 1
            if problem is not None:
                self.refused[realm_id] = self.refused.get(realm_id, 0) + 1
                return Admission(problem, retry)
            minute.calls.append(now)
            if batch:
                batches.calls.append(now)
            self._in_flight[realm_id] = self._in_flight.get(realm_id, 0) + 1
            self.calls[realm_id] = self.calls.get(realm_id, 0) + 1
            return Admission()

    def release(self, realm_id: str) -> None:
        with self._lock:
            self._in_flight[realm_id] = max(0, self._in_flight.get(realm_id, 0) - 1)

    def reconfigure(self, limits: Limits) -> None:
        """Control API: new limits, counts kept."""
        with self._lock:
            self.limits = limits
            for window in [*self._minute.values(), *self._batch.values()]:
                window.seconds = limits.window_seconds
