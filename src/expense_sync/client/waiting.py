"""``wait_for_sync``: poll a sync until it finishes, then read how each transaction ended.

Polling starts at ``poll_interval`` and slows by half again each time up to five seconds,
so a quick sync answers quickly and a long one costs few requests. Each poll is an
ordinary call with the client's retries, so a blip while waiting is not a failure.
Running out of time raises ``SyncTimeout`` carrying the last status seen: the sync goes on
in the background either way.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from expense_sync.client.errors import SyncTimeout
from expense_sync.client.models.expenses import CompanySyncStatus, TransactionStatus

if TYPE_CHECKING:
    from expense_sync.client.resources import Sync
    from expense_sync.client.resources import TransactionStatus as TransactionStatusGroup

MAX_POLL_INTERVAL = 5.0


@dataclass(frozen=True)
class SyncOutcome:
    """A finished sync: its final status and every transaction's outcome."""

    status: CompanySyncStatus
    transactions: list[TransactionStatus]

    @property
    def completed(self) -> list[TransactionStatus]:
        return [t for t in self.transactions if t.status == "Completed"]

    @property
    def failed(self) -> list[TransactionStatus]:
        return [t for t in self.transactions if t.status != "Completed"]


class _Polls:
    """The wait before each next poll, shared by the sync and async loops."""

    def __init__(self, timeout: float, first: float) -> None:
        self.timeout, self.interval = timeout, first
        self.deadline = time.monotonic() + timeout

    def wait(self, status: CompanySyncStatus) -> float:
        """Seconds until the next poll; ``SyncTimeout`` if that is past the deadline."""
        wait, self.interval = self.interval, min(self.interval * 1.5, MAX_POLL_INTERVAL)
        if time.monotonic() + wait > self.deadline:
            raise SyncTimeout(status, self.timeout)
        return wait


def wait_for_sync(
    sync: Sync,
    statuses: TransactionStatusGroup,
    company_id: str,
    sync_id: str,
    timeout: float,
    poll_interval: float,
) -> SyncOutcome:
    polls = _Polls(timeout, poll_interval)
    while not (status := sync.get(company_id=company_id, sync_id=sync_id)).is_finished:
        time.sleep(polls.wait(status))
    page = statuses.list(company_id=company_id, sync_id=sync_id, page_size=5000)
    return SyncOutcome(status, list(page))


async def wait_for_sync_async(
    sync: Sync,
    statuses: TransactionStatusGroup,
    company_id: str,
    sync_id: str,
    timeout: float,
    poll_interval: float,
) -> SyncOutcome:
    polls = _Polls(timeout, poll_interval)
    while not (status := await sync.get_async(company_id=company_id, sync_id=sync_id)).is_finished:
        await asyncio.sleep(polls.wait(status))
    page = await statuses.list_async(company_id=company_id, sync_id=sync_id, page_size=5000)
    return SyncOutcome(status, [item async for item in page])
