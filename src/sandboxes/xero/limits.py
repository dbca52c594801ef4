"""Xero's API limits, enforced per tenant and per app, with Xero's 429 and headers.

Xero counts calls in a rolling minute and a rolling day per tenant, allows 5 in flight
per tenant, and 10,000 a minute for the app. Every answer carries the remaining counts
(``X-DayLimit-Remaining``, ``X-MinLimit-Remaining``, ``X-AppMinLimit-Remaining``); a refused
call gets 429 with ``Retry-After`` (seconds) and ``X-Rate-Limit-Problem``.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from dataclasses import dataclass, field

from sandboxes.xero.config import Limits


@dataclass
class _Window:
    seconds: float
    calls: deque[float] = field(default_factory=deque)

    def count(self, now: float) -> int:
        while self.calls and self.calls[0] <= now - self.seconds:
            self.calls.popleft()
        return len(self.calls)

    def retry_after(self, now: float) -> int:
        return max(1, math.ceil(self.calls[0] + self.seconds - now))


@dataclass
class Admission:
    """The outcome of asking to make one call: the headers to send, and a problem if refused."""

    headers: dict[str, str]
    problem: str | None = None
    retry_after: int = 0


class RateLimiter:
    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self._lock = threading.Lock()
        self._minute: dict[str, _Window] = {}
        self._day: dict[str, _Window] = {}
        self._app = _Window(limits.window_seconds)
        self._in_flight: dict[str, int] = {}
        self.calls: dict[str, int] = {}
        self.refused: dict[str, int] = {}

    def admit(self, tenant_id: str) -> Admission:
        """Count a call for ``tenant_id`` or refuse it; an admitted call must be ``release``d."""
        limits = self.limits
        with self._lock:
            now = time.monotonic()
            minute = self._minute.setdefault(tenant_id, _Window(limits.window_seconds))
            day = self._day.setdefault(tenant_id, _Window(limits.day_seconds))
            used_minute, used_day = minute.count(now), day.count(now)
            used_app = self._app.count(now)
            problem, retry = None, 0
            if used_day >= limits.per_day:
                problem, retry = "day", day.retry_after(now)
            elif used_app >= limits.app_per_minute:
                problem, retry = "appminute", self._app.retry_after(now)
            elif used_minute >= limits.per_minute:
                problem, retry = "minute", minute.retry_after(now)
            elif self._in_flight.get(tenant_id, 0) >= limits.concurrent:
                problem, retry = "concurrent", 1
            if problem is None:
                for window in (minute, day, self._app):
                    window.calls.append(now)
                self._in_flight[tenant_id] = self._in_flight.get(tenant_id, 0) + 1
                self.calls[tenant_id] = self.calls.get(tenant_id, 0) + 1
                used_minute, used_day, used_app = used_minute + 1, used_day + 1, used_app + 1
            else:
                self.refused[tenant_id] = self.refused.get(tenant_id, 0) + 1
            headers = {
                "X-DayLimit-Remaining": str(max(0, limits.per_day - used_day)),
                "X-MinLimit-Remaining": str(max(0, limits.per_minute - used_minute)),
                "X-AppMinLimit-Remaining": str(max(0, limits.app_per_minute - used_app)),
            }
            if problem is not None:
                headers["Retry-After"] = str(retry)
                headers["X-Rate-Limit-Problem"] = problem
            return Admission(headers, problem, retry)

    def release(self, tenant_id: str) -> None:
        with self._lock:
            self._in_flight[tenant_id] = max(0, self._in_flight.get(tenant_id, 0) - 1)

    def reconfigure(self, limits: Limits) -> None:
        """Control API: new limits, counts kept (windows resized for the next calls)."""
        with self._lock:
            self.limits = limits
            for window in self._minute.values():
                window.seconds = limits.window_seconds
            for window in self._day.values():
                window.seconds = limits.day_seconds
            self._app.seconds = limits.window_seconds
