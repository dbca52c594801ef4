"""Reading the cache: customers, suppliers, company info and mapping options, as pulled
from the company's books (refresh with Manage data to see changes made in the ledger)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from sqlalchemy import ColumnElement, false, select
from sqlalchemy.orm import Session

from expense_sync.domain.errors import NotFound, Unprocessable
from expense_sync.services.books import accounting_connection, find_accounting_connection
from expense_sync.services.companies import owned_company_id
from expense_sync.storage.models import CachedRecord, PullOperation
from expense_sync.storage.query_sql import Page, PageRequest, QueryField, fetch_page


def _text(path: str) -> QueryField:
    return QueryField(CachedRecord.data[path].as_string())


CONTACT_FIELDS = {
    "suppliers": {
        "id": QueryField(CachedRecord.record_id),
        "supplierName": _text("supplierName"),
        "contactName": _text("contactName"),
        "emailAddress": _text("emailAddress"),
        "status": _text("status"),
        "defaultCurrency": _text("defaultCurrency"),
        "modifiedDate": QueryField(CachedRecord.modified, "datetime"),
    },
    "customers": {
        "id": QueryField(CachedRecord.record_id),
        "customerName": _text("customerName"),
        "contactName": _text("contactName"),
        "emailAddress": _text("emailAddress"),
        "status": _text("status"),
        "defaultCurrency": _text("defaultCurrency"),
        "modifiedDate": QueryField(CachedRecord.modified, "datetime"),
    },
}


def _of_accounting_connection(session: Session, company_id: uuid.UUID) -> ColumnElement[bool]:
    """Records of the company's linked accounting connection (never of one unlinked)."""
    connection = find_accounting_connection(session, company_id)
    return CachedRecord.connection_id == connection.id if connection else false()


def list_records(
    session: Session,
    client_id: uuid.UUID,
    company_id: uuid.UUID,
    data_type: str,
    request: PageRequest,
) -> Page[CachedRecord]:
    owned_company_id(session, client_id, company_id)
    return fetch_page(
        session,
        select(CachedRecord),
        request,
        CONTACT_FIELDS[data_type],
        [CachedRecord.record_id],
        [_of_accounting_connection(session, company_id), CachedRecord.data_type == data_type],
    )


def get_record(
    session: Session, client_id: uuid.UUID, company_id: uuid.UUID, data_type: str, record_id: str
) -> dict[str, Any]:
    owned_company_id(session, client_id, company_id)
    row = session.scalar(
        select(CachedRecord).where(
            _of_accounting_connection(session, company_id),
            CachedRecord.data_type == data_type,
            CachedRecord.record_id == record_id,
        )
    )
    if row is None:
        raise NotFound(data_type[:-1].capitalize(), record_id)
    return row.data


def records_by_type(
    session: Session, connection_id: uuid.UUID, data_types: Iterable[str]
) -> dict[str, list[dict[str, Any]]]:
    """The cached records of these types, in one query; a type never read is absent."""
    found: dict[str, list[dict[str, Any]]] = {}
    rows = session.execute(
        select(CachedRecord.data_type, CachedRecord.data)
        .where(
            CachedRecord.connection_id == connection_id,
            CachedRecord.data_type.in_(list(data_types)),
        )
        .order_by(CachedRecord.record_id)
    )
    for data_type, record in rows:
        found.setdefault(data_type, []).append(record)
    return found


def read_types(session: Session, connection_id: uuid.UUID, data_types: Iterable[str]) -> set[str]:
    """The data types the cache holds a completed read of: a type read and found empty
    is known to be empty, unlike one never read (whose rows are equally absent)."""
    return set(
        session.scalars(
            select(PullOperation.data_type).where(
                PullOperation.connection_id == connection_id,
                PullOperation.data_type.in_(list(data_types)),
                PullOperation.status == "Complete",
            )
        )
    )


def _records_of(
    session: Session, client_id: uuid.UUID, company_id: uuid.UUID, *data_types: str
) -> list[list[dict[str, Any]]]:
    connection = accounting_connection(session, client_id, company_id)
    found = records_by_type(session, connection.id, data_types)
    return [found.get(data_type, []) for data_type in data_types]


def company_info(session: Session, client_id: uuid.UUID, company_id: uuid.UUID) -> dict[str, Any]:
    (rows,) = _records_of(session, client_id, company_id, "company")
    if not rows:
        raise Unprocessable(
            "Company information has not been read yet: POST "
            f"/companies/{company_id}/data/queue/company, then try again."
        )
    return rows[0]


def mapping_options(
    session: Session, client_id: uuid.UUID, company_id: uuid.UUID
) -> dict[str, Any]:
    accounts, tax_rates, tracking = _records_of(
        session, client_id, company_id, "chartOfAccounts", "taxRates", "trackingCategories"
    )
    return {
        "expenseProvider": "expense-sync",
        "accounts": [_account_option(a) for a in accounts if a.get("status") != "Archived"],
        "taxRates": tax_rates,
        "trackingCategories": tracking,
    }


VALID_FOR = {
    "Expense": ["Payment", "Refund", "Chargeback"],
    "Income": ["Reward", "Refund"],
    "Asset": ["Payment", "Refund", "Reward", "Chargeback"],
    "Liability": ["Payment", "Refund", "Reward", "Chargeback"],
    "Equity": [],
}


def _account_option(account: dict[str, Any]) -> dict[str, Any]:
    """An account as a mapping option: which transaction types may post to it."""
    kind = account.get("type", "Unknown")
    if account.get("isBankAccount"):
        valid = ["Payment", "Refund", "Reward", "Chargeback"]
    else:
        valid = VALID_FOR.get(kind, [])
    valid_for = [f"expense-transactions.{t}" for t in valid]
    if kind == "Expense":
        valid_for.append("reimbursable-expense-transactions")
    if account.get("isBankAccount"):
        valid_for.append("transfer-transactions")
    if kind != "Equity":
        valid_for.append("adjustment-transactions")
    return {
        "id": account["id"],
        "nominalCode": account.get("nominalCode"),
        "name": account.get("name") or account["id"],
        "currency": account.get("currency") or "",
        "accountType": kind if kind in VALID_FOR else "Asset",
        "fullyQualifiedCategory": account.get("fullyQualifiedCategory") or "",
        "isBankAccount": bool(account.get("isBankAccount")),
        "validTransactionTypes": valid,
        "validFor": valid_for,
    }
