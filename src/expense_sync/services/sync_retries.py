"""Retrying a sync's failed items: a new sync of them, linked to the one that failed.

The new sync is an ordinary sync (``expenses.queue_sync``), so it posts exactly once
like every other: a transaction that landed meanwhile is found in the books by its key,
not written twice. Each failed item goes at its transaction's current revision, so a
transaction fixed since (and failed again) is retried as it is now.

Refused, with a message that says why, when a retry of the same sync is still running
(the company's row is locked first, so two clicks cannot both pass that check) or when
nothing failed that is still failing.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from expense_sync.domain.errors import Conflict, NotFound, Unprocessable
from expense_sync.domain.syncs import FAILED_ITEM
from expense_sync.services.expenses import queue_sync
from expense_sync.storage.locks import lock_row
from expense_sync.storage.models import Company, ExpenseTransaction, Sync, SyncItem


def retry_failed_items(
    session: Session,
    client_id: uuid.UUID,
    sync_id: uuid.UUID,
    on_commit: Callable[[Callable[[], None]], None],
    enqueue: Callable[[uuid.UUID], None],
) -> Sync:
    """A new sync of ``sync_id``'s items that failed and whose transactions still stand
    failed, with ``retry_of_id`` naming ``sync_id``."""
    company_id = session.scalar(
        select(Sync.company_id)
        .join(Company, Company.id == Sync.company_id)
        .where(Sync.id == sync_id, Company.client_id == client_id)
    )
    if company_id is None:
        raise NotFound("Sync", sync_id)
    lock_row(session, Company, company_id)  # one retry decision per company at a time
    running = session.scalar(
        select(Sync.id).where(Sync.retry_of_id == sync_id, Sync.completed.is_(None)).limit(1)
    )
    if running is not None:
        raise Conflict(
            f"A retry of this sync (sync {running}) is still running; wait for it to "
            "finish, then retry what is still failing."
        )
    failed = session.execute(
        select(ExpenseTransaction.id, ExpenseTransaction.revision)
        .join(SyncItem, SyncItem.transaction_row_id == ExpenseTransaction.id)
        .where(
            SyncItem.sync_id == sync_id,
            SyncItem.status.in_(FAILED_ITEM),
            ExpenseTransaction.status.in_(FAILED_ITEM),
        )
        .order_by(SyncItem.position)
    ).all()
    if not failed:
        raise Unprocessable(
            "Nothing to retry: no item of this sync is still failing (each one either "
            "posted or was posted by a later sync)."
        )
    items = [(row_id, revision) for row_id, revision in failed]
    return queue_sync(session, company_id, items, on_commit, enqueue, retry_of=sync_id)
