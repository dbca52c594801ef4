"""How background operations retry an upstream that is down: capped exponential backoff."""

from __future__ import annotations

from datetime import datetime, timedelta

MAX_ATTEMPTS = 6
FIRST_DELAY_SECONDS = 2.0
MAX_DELAY_SECONDS = 300.0


def retry_delay(attempts: int) -> float | None:
    """Seconds before the next try after ``attempts`` failed ones; None once they are spent."""
    if attempts >= MAX_ATTEMPTS:
        return None
    return float(min(FIRST_DELAY_SECONDS * 2 ** (attempts - 1), MAX_DELAY_SECONDS))


def next_attempt_at(now: datetime, delay_seconds: float) -> datetime:
    return now + timedelta(seconds=delay_seconds)
