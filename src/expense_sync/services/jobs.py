"""What a background job run tells the executor (``sync/executor.py``).

Services only say *that* work is waiting, after their transaction commits (an
``enqueue`` callable); the database row is the work itself, so a lost signal delays it
but never loses it. A run answers with an ``Outcome``: done, or try again later.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Outcome:
    """What a job run decided: finished, or try again after ``retry_in`` seconds."""

    retry_in: float | None = None
