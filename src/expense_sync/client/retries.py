"""When to retry a call, and how long to wait first.

A call is retried on 408, 429 and 5xx, on a 409 the server marks retryable (its
``Idempotency-Key`` is still being handled), and on connection errors when
``retry_connection_errors`` is set. The wait before attempt *n* (n = 1 for the first
retry) is ``initial_interval * exponent ** (n - 1)``, capped at ``max_interval`` and passed
through ``jitter``; a ``Retry-After`` header (seconds or an HTTP date) raises it to at
least what the server asked for. No retry starts after ``max_elapsed_time`` has passed
since the first attempt.

Retrying writes is safe because every write carries one ``Idempotency-Key`` for all its
attempts (see _transport.py): the server answers a repeat with the first answer.

``jitter`` is a plain function of the capped delay, so a test passes ``lambda d: d`` and
knows every wait exactly. The default spreads each wait over [d/2, d] so clients that
failed together do not retry together.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Literal

RETRYABLE_STATUSES = frozenset({408, 429})


def half_jitter(delay: float) -> float:
    """A uniformly random wait in [delay / 2, delay]."""
    return delay / 2 + random.uniform(0, delay / 2)


@dataclass(frozen=True)
class BackoffStrategy:
    """Intervals in milliseconds, as in Codat's SDK."""

    initial_interval: int = 500
    max_interval: int = 60_000
    exponent: float = 1.5
    max_elapsed_time: int = 3_600_000


@dataclass(frozen=True)
class RetryConfig:
    """``RetryConfig("backoff", BackoffStrategy(...), True)``, or ``RetryConfig("none")``."""

    strategy: Literal["backoff", "none"] = "backoff"
    backoff: BackoffStrategy = field(default_factory=BackoffStrategy)
    retry_connection_errors: bool = True
    jitter: Callable[[float], float] = half_jitter

    def delay(self, retry: int, headers: Mapping[str, str] | None = None) -> float:
        """Seconds to wait before retry number ``retry`` (1, 2, ...)."""
        backoff = self.backoff
        capped = min(
            backoff.initial_interval * backoff.exponent ** (retry - 1), backoff.max_interval
        )
        wait = self.jitter(capped) / 1000
        asked = retry_after(headers) if headers is not None else None
        return max(wait, asked) if asked is not None else wait

    def may_retry(self, elapsed: float, wait: float) -> bool:
        """Whether a retry after ``wait`` seconds still starts within the time budget."""
        return self.strategy == "backoff" and (elapsed + wait) * 1000 <= (
            self.backoff.max_elapsed_time
        )


NO_RETRIES = RetryConfig("none")


def retryable_status(status: int, body: bytes) -> bool:
    if status in RETRYABLE_STATUSES or status >= 500:
        return True
    # 409 is retryable only when the server says so: "this Idempotency-Key is in flight".
    return status == 409 and b'"canBeRetried":"True"' in body.replace(b" ", b"")


def retry_after(headers: Mapping[str, str]) -> float | None:
    """The wait ``Retry-After`` asks for, in seconds, or None if absent or unreadable."""
    value = headers.get("retry-after")
    if not value:
        return None
    if value.strip().isdigit():
        return float(value.strip())
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())
