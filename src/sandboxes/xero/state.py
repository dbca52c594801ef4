"""Per-tenant state: one organisation and its records, kept as Xero shapes them on the wire.

Records are held as the JSON objects Xero answers with (``AccountID``, ``Code`` ...), so a
GET returns what was stored and ``/__sandbox__/state`` shows exactly that. Every change
goes through ``Collection.put`` which stamps ``UpdatedDateUTC`` (for ``If-Modified-Since``).
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sandboxes.xero.wire import ms_date

Record = dict[str, Any]


class Collection:
    """One kind of record of one tenant, in insertion order, with modification times."""

    def __init__(self, id_field: str) -> None:
        self.id_field = id_field
        self._records: dict[str, Record] = {}
        self._modified: dict[str, datetime] = {}
        # Routes write on the server's thread while a test reads the state from its own.
        self._lock = threading.Lock()

    def put(self, record: Record) -> Record:
        record_id = record.setdefault(self.id_field, str(uuid.uuid4()))
        now = datetime.now(UTC)
        record["UpdatedDateUTC"] = ms_date(now)
        with self._lock:
            self._records[record_id] = record
            self._modified[record_id] = now
        return record

    def get(self, record_id: str) -> Record | None:
        return self._records.get(record_id) or self._records.get(record_id.lower())

    def modified(self, record_id: str) -> datetime:
        return self._modified[record_id]

    def __iter__(self) -> Iterator[Record]:
        with self._lock:
            return iter(list(self._records.values()))

    def __len__(self) -> int:
        return len(self._records)

    def find(self, **fields: object) -> Record | None:
        """The first record whose fields equal ``fields`` (strings compared case-blind, as Xero)."""
        for record in self:
            if all(_same(record.get(name), value) for name, value in fields.items()):
                return record
        return None


def _same(stored: object, wanted: object) -> bool:
    if isinstance(stored, str) and isinstance(wanted, str):
        return stored.casefold() == wanted.casefold()
    return stored == wanted


@dataclass
class Attachment:
    attachment_id: str
    file_name: str
    mime_type: str
    content: bytes
    include_online: bool = False


@dataclass
class Tenant:
    """One Xero organisation. ``lock`` serialises its writes (Xero's own writes are atomic)."""

    tenant_id: str
    organisation: Record
    enabled_currencies: list[str]
    accounts: Collection = field(default_factory=lambda: Collection("AccountID"))
    tax_rates: Collection = field(default_factory=lambda: Collection("TaxType"))
    tracking_categories: Collection = field(
        default_factory=lambda: Collection("TrackingCategoryID")
    )
    contacts: Collection = field(default_factory=lambda: Collection("ContactID"))
    bank_transactions: Collection = field(default_factory=lambda: Collection("BankTransactionID"))
    bank_transfers: Collection = field(default_factory=lambda: Collection("BankTransferID"))
    invoices: Collection = field(default_factory=lambda: Collection("InvoiceID"))
    manual_journals: Collection = field(default_factory=lambda: Collection("ManualJournalID"))
    attachments: dict[str, list[Attachment]] = field(default_factory=dict)
    lock: threading.RLock = field(default_factory=threading.RLock)

    @property
    def name(self) -> str:
        return str(self.organisation["Name"])

    @property
    def base_currency(self) -> str:
        return str(self.organisation["BaseCurrency"])

    def account_by_code(self, code: str) -> Record | None:
        return self.accounts.find(Code=code)

    def account_ref(self, ref: object) -> Record | None:
        """An account named by ``{"AccountID": ...}`` or ``{"Code": ...}``, as Xero takes either."""
        if not isinstance(ref, dict):
            return None
        if ref.get("AccountID"):
            return self.accounts.get(str(ref["AccountID"]))
        if ref.get("Code"):
            return self.account_by_code(str(ref["Code"]))
        return None

    def snapshot(self) -> dict[str, Any]:
        """Everything stored, for tests (``GET /__sandbox__/state/{tenantId}``)."""
        return {
            "TenantId": self.tenant_id,
            "Organisation": self.organisation,
            "EnabledCurrencies": list(self.enabled_currencies),
            "Accounts": list(self.accounts),
            "TaxRates": list(self.tax_rates),
            "TrackingCategories": list(self.tracking_categories),
            "Contacts": list(self.contacts),
            "BankTransactions": list(self.bank_transactions),
            "BankTransfers": list(self.bank_transfers),
            "Invoices": list(self.invoices),
            "ManualJournals": list(self.manual_journals),
            "Attachments": {
                owner: [
                    {
                        "AttachmentID": a.attachment_id,
                        "FileName": a.file_name,
                        "MimeType": a.mime_type,
                        "ContentLength": len(a.content),
                    }
                    for a in items
                ]
                for owner, items in self.attachments.items()
            },
        }
