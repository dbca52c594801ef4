"""Rate limits enforced, not only declared: one budget per platform tenant, shared by
every worker process through the database (``services.rate_limits``).

Before each call a process takes a slot: the sliding minute (hour) and day windows must have
room, fewer than ``concurrent`` calls may be in flight, and the platform must not have
told us to back off (``Retry-After``). A slot that frees within a short moment is waited
for; a longer wait raises ``RetriableConnectorError(retry_after=...)`` so the engine
reschedules the sync and the worker is free for other companies.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Protocol

from expense_sync.connectors.base.manifest import RateLimit

# The longest a worker thread waits for a slot before handing the wait to the engine.
SHORT_WAIT_S = 2.0


@dataclass(frozen=True)
class Limits:
    per_minute: int
    per_day: int | None = None
    concurrent: int | None = None
    per_hour: int | None = None

    @classmethod
    def of(cls, rate: RateLimit) -> Limits:
        per_minute = max(1, rate.requests * 60 // max(rate.per_seconds, 1))
        return cls(per_minute, rate.per_day, rate.concurrent, rate.per_hour)


@dataclass(frozen=True)
class Observed:
    """What the platform said about its limits in one answer."""

    retry_after: float | None = None  # seconds, from Retry-After (429 / 503)
    minute_remaining: int | None = None
    day_remaining: int | None = None


class RateLimiter(Protocol):
    def slot(self, scope: str, limits: Limits) -> AbstractContextManager[None]:
        """Hold one call's slot in ``scope`` for the ``with`` block; raise
        ``RetriableConnectorError(retry_after=...)`` if none frees within a short wait."""
        ...

    def observe(self, scope: str, limits: Limits, observed: Observed) -> None:
        """Bring the shared budget in line with what the platform said: back off until
        ``retry_after``, and count calls the platform saw that we did not."""
        ...


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """``Retry-After`` as seconds: a number, or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (moment - (now or datetime.now(UTC))).total_seconds())


def _int(headers: Mapping[str, str], name: str) -> int | None:
    value = headers.get(name)
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def observed_from(
    headers: Mapping[str, str], *, minute_header: str | None, day_header: str | None
) -> Observed:
    return Observed(
        retry_after=retry_after_seconds(headers.get("Retry-After")),
        minute_remaining=_int(headers, minute_header) if minute_header else None,
        day_remaining=_int(headers, day_header) if day_header else None,
    )
