"""How background operations retry an upstream that is down: capped exponential backoff.

Pulls, pushes and receipts keep their tries on their own row (``attempts``,
``next_attempt``, ``error_message``); ``record_failed_try`` is the one place that counts a
failed try and words what happens next, so each service only decides its final status.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Protocol

MAX_ATTEMPTS = 6
FIRST_DELAY_SECONDS = 2.0
MAX_DELAY_SECONDS = 300.0


class Retried(Protocol):
    attempts: int
    error_message: str | None
    next_attempt: datetime | None


def retry_delay(attempts: int) -> float | None:
    """Seconds before the next try after ``attempts`` failed ones; None once they are spent."""
    if attempts >= MAX_ATTEMPTS:
        return None
    return float(min(FIRST_DELAY_SECONDS * 2 ** (attempts - 1), MAX_DELAY_SECONDS))


def record_failed_try(row: Retried, message: str, now: datetime) -> float | None:
    """Count one failed try on ``row`` and say why on it. While tries remain, set when it
    runs next and return the delay; once they are spent, return None (the caller then
    gives the row its final status)."""
    row.attempts += 1
    delay = retry_delay(row.attempts)
    if delay is None:
        row.error_message = f"Gave up after {row.attempts} tries: {message}"
        row.next_attempt = None
    else:
        row.error_message = f"{message} (try {row.attempts}; retrying in {delay:.0f} s)"
        row.next_attempt = now + timedelta(seconds=delay)
    return delay
