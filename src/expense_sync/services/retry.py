"""How background operations retry an upstream that is down: capped exponential backoff.

Pulls, pushes and receipts keep their tries on their own row (``attempts``,
``next_attempt``, ``error_message``); ``record_failed_try`` is the one place that counts a
failed try and words what happens next, so each service only decides its final status.

**Waits are not failures.** A platform that answers "busy, come back in N seconds" (a
429 with ``Retry-After``: ``RetriableConnectorError.retry_after``) is working as it
should. Such an answer is a wait: the next try is at least ``retry_after`` away (or the
backoff of the failed tries so far, if that is longer), it is not counted, and so it
never uses up the tries: a rate limit delays work but never fails it. Waits free the
worker (the work is re-sent with the delay), so one company's limit holds up no other.
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


def wait_delay(failed_tries: int, retry_after: float) -> float:
    """Seconds to wait when the platform asked for ``retry_after``: that, or the backoff
    the failed tries so far call for, whichever is longer."""
    backoff = retry_delay(failed_tries) if failed_tries else None
    return max(retry_after, backoff or 0.0)


def record_failed_try(
    row: Retried, message: str, now: datetime, retry_after: float | None = None
) -> float | None:
    """Count one failed try on ``row`` and say why on it. While tries remain, set when it
    runs next and return the delay; once they are spent, return None (the caller then
    gives the row its final status). With ``retry_after`` (the platform said when to come
    back) it is a wait instead: not counted, never the last (see the module's text)."""
    if retry_after is not None:
        wait = wait_delay(row.attempts, retry_after)
        row.error_message = f"{message} (the platform asked to wait; retrying in {wait:.0f} s)"
        row.next_attempt = now + timedelta(seconds=wait)
        return wait
    row.attempts += 1
    delay = retry_delay(row.attempts)
    if delay is None:
        row.error_message = f"Gave up after {row.attempts} tries: {message}"
        row.next_attempt = None
    else:
        row.error_message = f"{message} (try {row.attempts}; retrying in {delay:.0f} s)"
        row.next_attempt = now + timedelta(seconds=delay)
    return delay
