"""What a background job run tells the executor (``sync/executor.py``).

Services only say *that* work is waiting, after their transaction commits (an
``enqueue`` callable); the database row is the work itself, so a lost signal delays it
but never loses it. A run answers with an ``Outcome``: done, or try again later.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Outcome:
    """What a job run decided: finished, or try again after ``retry_in`` seconds, with
    the row ``retry_id`` (a job that ran several rows names one still waiting; by
    default the row it was sent for)."""

    retry_in: float | None = None
    retry_id: uuid.UUID | None = None


def run_guarded(
    log: logging.Logger,
    kind: str,
    row_id: uuid.UUID,
    run: Callable[[], Outcome],
    retry_later: Callable[[str], Outcome],
) -> Outcome:
    """Run a job once. An exception it did not expect (a bug, or the database went away)
    is logged with its traceback and handed to ``retry_later`` as a message, which counts
    it as a failed try on the row: visible, retried with backoff and, once the tries are
    spent, finished, rather than re-sent for ever."""
    try:
        return run()
    except Exception as error:
        log.exception("%s %s failed unexpectedly", kind, row_id)
        return retry_later(f"{type(error).__name__}: {error}")
