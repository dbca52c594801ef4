"""The Sync Health read model, part 2: one sync in detail, and a company at a glance.

Queries made for the dashboard's pages (never the API's routers): a sync with its
times, platforms, status note and every error message; each transaction's outcome and
the record it became in the books; the configuration it started from; the items it
wrote (transactions and receipts); and the retries that followed it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from expense_sync.connectors.catalog import PARTNER_EXPENSE_MANIFEST, manifest_for
from expense_sync.domain.syncs import FAILED_ITEM, SUCCESS, status_note
from expense_sync.services.manage_data import DataStatus, data_status
from expense_sync.services.sync_search import SyncRow, client_syncs, find_sync_row
from expense_sync.storage.models import (
    Attachment,
    Company,
    Connection,
    ExpenseTransaction,
    Sync,
    SyncItem,
)

POSTED_AS = "Posted as "


@dataclass(frozen=True)
class TransactionOutcome:
    """One transaction's part in a sync: how it ended and where it landed."""

    transaction_id: str
    kind: str
    status: str
    message: str | None
    record: str | None  # the record it became in the books
    currency: str | None
    total: Decimal | None

    @property
    def failed(self) -> bool:
        return self.status in FAILED_ITEM


@dataclass(frozen=True)
class PushItem:
    """One item a sync wrote to the books: a transaction, or a receipt attached to one."""

    id: str
    data_type: str
    status: str
    record: str | None
    message: str | None


@dataclass(frozen=True)
class SyncDetails:
    sync: SyncRow
    note: str
    errors: list[str]
    source: str
    target: str
    transactions: list[TransactionOutcome]
    configuration: dict[str, Any] | None
    push_items: list[PushItem]
    retry_of: SyncRow | None
    retries: list[SyncRow]

    @property
    def failed_count(self) -> int:
        return sum(1 for t in self.transactions if t.failed)

    @property
    def retry_running(self) -> SyncRow | None:
        return next((r for r in self.retries if r.running), None)


def sync_details(session: Session, client_id: uuid.UUID, sync_id: str) -> SyncDetails | None:
    """The client's sync in full, or ``None`` for an unknown, malformed or another
    client's id (the page then says "no sync found")."""
    row = find_sync_row(session, client_id, sync_id)
    if row is None:
        return None
    transactions = _outcomes(session, row.id)
    stored = session.get(Sync, row.id)
    configuration = stored.configuration if stored is not None else None
    errors = [m for m in (row.error_message, row.exception_message) if m]
    errors += [f"{t.transaction_id}: {t.message}" for t in transactions if t.failed and t.message]
    retries = [
        SyncRow(*r)
        for r in session.execute(
            client_syncs(client_id).where(Sync.retry_of_id == row.id).order_by(Sync.requested)
        )
    ]
    return SyncDetails(
        sync=row,
        note=status_note(row.status_code),
        errors=errors,
        source=_source(session, row.company_id),
        target=_target(row, configuration),
        transactions=transactions,
        configuration=configuration,
        push_items=_push_items(session, row.id, transactions),
        retry_of=None
        if row.retry_of_id is None
        else find_sync_row(session, client_id, str(row.retry_of_id)),
        retries=retries,
    )


def _outcomes(session: Session, sync_id: uuid.UUID) -> list[TransactionOutcome]:
    rows = session.execute(
        select(
            ExpenseTransaction.transaction_id,
            ExpenseTransaction.kind,
            SyncItem.status,
            SyncItem.message,
            ExpenseTransaction.currency,
            ExpenseTransaction.total_e4,
        )
        .join(ExpenseTransaction, ExpenseTransaction.id == SyncItem.transaction_row_id)
        .where(SyncItem.sync_id == sync_id)
        .order_by(SyncItem.position)
    )
    return [
        TransactionOutcome(
            transaction_id=transaction_id,
            kind=kind,
            status="Pending" if status == "Pushing" else status,
            message=message,
            record=message[len(POSTED_AS) :]
            if status == "Completed" and message and message.startswith(POSTED_AS)
            else None,
            currency=currency,
            total=None if total is None else Decimal(total) / 10_000,
        )
        for transaction_id, kind, status, message, currency, total in rows
    ]


def _push_items(
    session: Session, sync_id: uuid.UUID, transactions: list[TransactionOutcome]
) -> list[PushItem]:
    items = [
        PushItem(t.transaction_id, f"{t.kind}Transaction", t.status, t.record, t.message)
        for t in transactions
    ]
    receipts = session.execute(
        select(Attachment, ExpenseTransaction.transaction_id)
        .join(ExpenseTransaction, ExpenseTransaction.id == Attachment.transaction_row_id)
        .where(Attachment.sync_id == sync_id)
        .order_by(Attachment.created)
    )
    for attachment, transaction_id in receipts:
        items.append(
            PushItem(
                str(attachment.id),
                "receipt",
                attachment.status,
                attachment.reference,
                attachment.error_message
                or f"{attachment.file_name} for transaction {transaction_id}",
            )
        )
    return items


def _source(session: Session, company_id: uuid.UUID) -> str:
    partner = session.scalar(
        select(Connection.id).where(
            Connection.company_id == company_id,
            Connection.platform_key == PARTNER_EXPENSE_MANIFEST.key,
        )
    )
    name = PARTNER_EXPENSE_MANIFEST.name
    return f"{name} (connection {partner})" if partner else f"{name} (API)"


def _target(row: SyncRow, configuration: dict[str, Any] | None) -> str:
    connection = (configuration or {}).get("connection") or {}
    key = connection.get("platformKey") or row.platform_key
    if not key:
        return "No accounting software linked"
    manifest = manifest_for(key)
    name = manifest.name if manifest else key
    return f"{name} (connection {connection['id']})" if connection.get("id") else name


def filter_push_items(items: list[PushItem], search: str, status: str) -> list[PushItem]:
    """The push items tab's search (id or data type, any part, any case) and status."""
    text = search.strip().lower()
    return [
        item
        for item in items
        if (not text or text in item.id.lower() or text in item.data_type.lower())
        and (not status or item.status == status)
    ]


# -- a company at a glance ----------------------------------------------------------------


@dataclass(frozen=True)
class ConnectionState:
    id: uuid.UUID
    platform: str
    platform_key: str
    status: str


@dataclass(frozen=True)
class CompanyHealth:
    id: uuid.UUID
    name: str
    connections: list[ConnectionState]
    last_successful: SyncRow | None
    recent: list[SyncRow]
    data_status: list[DataStatus]

    @property
    def refreshable(self) -> bool:
        return any(
            c.status == "Linked" and c.platform_key != PARTNER_EXPENSE_MANIFEST.key
            for c in self.connections
        )


def company_health(session: Session, client_id: uuid.UUID, company_id: str) -> CompanyHealth | None:
    """The client's company as its page shows it, or ``None`` if there is no such
    company for this client."""
    try:
        wanted = uuid.UUID(company_id.strip())
    except ValueError:
        return None
    company = session.scalar(
        select(Company).where(Company.id == wanted, Company.client_id == client_id)
    )
    if company is None:
        return None
    connections = [
        ConnectionState(
            c.id,
            manifest.name if (manifest := manifest_for(c.platform_key)) else c.platform_key,
            c.platform_key,
            c.status,
        )
        for c in company.connections
    ]
    mine = client_syncs(client_id).where(Sync.company_id == company.id)
    ordered = mine.order_by(Sync.requested.desc(), Sync.id.desc())
    last = session.execute(ordered.where(Sync.status_code.in_(SUCCESS)).limit(1)).first()
    return CompanyHealth(
        id=company.id,
        name=company.name,
        connections=connections,
        last_successful=None if last is None else SyncRow(*last),
        recent=[SyncRow(*r) for r in session.execute(ordered.limit(10))],
        data_status=data_status(session, client_id, company.id),
    )
