"""Reading syncs: their Codat status, and each transaction's outcome."""

from __future__ import annotations

import uuid

from sqlalchemy import case, select
from sqlalchemy.orm import Session, contains_eager

from expense_sync.domain.errors import NotFound
from expense_sync.domain.syncs import SUCCESS
from expense_sync.services.companies import get_company_row, owned_company_id
from expense_sync.storage.models import ExpenseTransaction, Sync, SyncItem
from expense_sync.storage.query_sql import Page, PageRequest, QueryField, fetch_page

# "Pushing" (a write may be on its way) reads as Codat's "Pending", in filters too.
VISIBLE_STATUS = case((SyncItem.status == "Pushing", "Pending"), else_=SyncItem.status)
ITEM_FIELDS = {
    "transactionId": QueryField(ExpenseTransaction.transaction_id),
    "status": QueryField(VISIBLE_STATUS),
}
ITEMS = select(SyncItem).join(SyncItem.transaction).options(contains_eager(SyncItem.transaction))


def get_sync(
    session: Session, client_id: uuid.UUID, company_id: uuid.UUID, sync_id: uuid.UUID
) -> Sync:
    return get_company_row(session, client_id, company_id, Sync, sync_id, "Sync")


def list_syncs(session: Session, client_id: uuid.UUID, company_id: uuid.UUID) -> list[Sync]:
    owned_company_id(session, client_id, company_id)
    statement = (
        select(Sync).where(Sync.company_id == company_id).order_by(Sync.requested.desc(), Sync.id)
    )
    return list(session.scalars(statement))


def latest_sync(
    session: Session, client_id: uuid.UUID, company_id: uuid.UUID, *, successful: bool = False
) -> Sync:
    owned_company_id(session, client_id, company_id)
    statement = select(Sync).where(Sync.company_id == company_id)
    if successful:
        statement = statement.where(Sync.status_code.in_(SUCCESS))
    sync = session.scalars(statement.order_by(Sync.requested.desc(), Sync.id).limit(1)).first()
    if sync is None:
        what = "successful sync" if successful else "sync"
        raise NotFound(f"No {what} for company", company_id)
    return sync


def list_items(
    session: Session,
    client_id: uuid.UUID,
    company_id: uuid.UUID,
    sync_id: uuid.UUID,
    request: PageRequest,
) -> Page[SyncItem]:
    """The sync's items (each with its ``transaction``), in submission order."""
    get_sync(session, client_id, company_id, sync_id)
    return fetch_page(
        session, ITEMS, request, ITEM_FIELDS, [SyncItem.position], [SyncItem.sync_id == sync_id]
    )


def get_item(
    session: Session,
    client_id: uuid.UUID,
    company_id: uuid.UUID,
    sync_id: uuid.UUID,
    transaction_id: str,
) -> SyncItem:
    get_sync(session, client_id, company_id, sync_id)
    statement = ITEMS.where(
        SyncItem.sync_id == sync_id, ExpenseTransaction.transaction_id == transaction_id
    )
    found = session.scalars(statement).first()
    if found is None:
        raise NotFound(f"Transaction in sync {sync_id}", transaction_id)
    return found
