"""A platform's retry_after is a wait, not a failed try (services.retry)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from expense_sync.services.retry import MAX_ATTEMPTS, record_failed_try

NOW = datetime(2026, 12, 2, tzinfo=UTC)


@dataclass
class Row:
    attempts: int = 0
    error_message: str | None = None
    next_attempt: datetime | None = None


def test_waits_are_never_the_last_try_and_are_not_counted() -> None:
    row = Row()
    for _ in range(MAX_ATTEMPTS * 3):
        assert record_failed_try(row, "429 Too Many Requests", NOW, retry_after=7.5) == 7.5
    assert row.attempts == 0
    assert row.next_attempt == NOW + timedelta(seconds=7.5)
    assert "asked to wait" in (row.error_message or "")


def test_retry_after_wins_over_the_backoff_only_when_longer() -> None:
    row = Row(attempts=3)  # three failed tries: a backoff of 8 s
    assert record_failed_try(row, "busy", NOW, retry_after=1.0) == 8.0
    assert record_failed_try(row, "busy", NOW, retry_after=30.0) == 30.0
    assert row.attempts == 3


def test_failures_without_a_hint_still_give_up() -> None:
    row = Row()
    delays = [record_failed_try(row, "down", NOW) for _ in range(MAX_ATTEMPTS)]
    assert delays[-1] is None and all(d is not None for d in delays[:-1])
