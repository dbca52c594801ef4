"""One QuickBooks company (realm): its entities, kept as QuickBooks answers them on the wire.

Records are the JSON objects QuickBooks returns (``Id``, ``SyncToken``, ``MetaData`` ...),
so a read returns what was stored and ``/__sandbox__/state/{realmId}`` shows exactly that.
Every change goes through ``Company.store``, which numbers and stamps it.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

Record = dict[str, Any]

# The entities the sandbox serves, by the lower-case name QuickBooks' URLs use.
ENTITIES = {
    name.lower(): name
    for name in (
        "Account",
        "Vendor",
        "Customer",
        "Employee",
        "TaxCode",
        "TaxRate",
        "Class",
        "Department",
        "CompanyInfo",
        "Preferences",
        "Purchase",
        "Deposit",
        "Transfer",
        "Bill",
        "BillPayment",
        "JournalEntry",
        "Attachable",
    )
}
NAME_LISTS = frozenset({"Account", "Vendor", "Customer", "Employee", "Class", "Department"})
TRANSACTIONS = frozenset({"Purchase", "Deposit", "Transfer", "Bill", "BillPayment", "JournalEntry"})
# Created by QuickBooks itself, never through the API's create.
READ_ONLY = frozenset({"TaxCode", "TaxRate", "CompanyInfo", "Preferences"})
DELETABLE = TRANSACTIONS | {"Attachable"}


def stamp() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass
class StoredFile:
    file_name: str
    content_type: str
    content: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


@dataclass
class Company:
    """One realm. ``lock`` serialises its writes (QuickBooks' own writes are atomic)."""

    realm_id: str
    country: str
    entities: dict[str, dict[str, Record]] = field(default_factory=dict)
    currencies: dict[str, float] = field(default_factory=dict)
    files: dict[str, StoredFile] = field(default_factory=dict)
    # QuickBooks numbers each entity on its own (Account 1, 2 ...; Vendor 1, 2 ...).
    next_ids: dict[str, int] = field(default_factory=dict)
    lock: threading.RLock = field(default_factory=threading.RLock)

    @property
    def name(self) -> str:
        return str(self.get("CompanyInfo", "1", {}).get("CompanyName", ""))

    @property
    def preferences(self) -> Record:
        return self.get("Preferences", "1", {})

    @property
    def home_currency(self) -> str:
        return str(self.preferences["CurrencyPrefs"]["HomeCurrency"]["value"])

    @property
    def multicurrency(self) -> bool:
        return bool(self.preferences["CurrencyPrefs"].get("MultiCurrencyEnabled"))

    @property
    def book_close_date(self) -> str | None:
        found = self.preferences.get("AccountingInfoPrefs", {}).get("BookCloseDate")
        return str(found) if found else None

    def get(self, entity: str, record_id: str, default: Record | None = None) -> Record:
        found = self.entities.get(entity, {}).get(str(record_id))
        if found is None:
            if default is not None:
                return default
            raise KeyError(record_id)
        return found

    def find(self, entity: str, record_id: object) -> Record | None:
        return self.entities.get(entity, {}).get(str(record_id))

    def all(self, entity: str) -> list[Record]:
        with self.lock:
            return list(self.entities.get(entity, {}).values())

    def store(
        self, entity: str, record: Record, *, new: bool, record_id: str | None = None
    ) -> Record:
        """Keep ``record``: a new one gets an Id (the next number, unless ``record_id``)
        and SyncToken 0, a change the next token."""
        with self.lock:
            moment = stamp()
            if new:
                if record_id is None:
                    number = self.next_ids.get(entity, 1)
                    self.next_ids[entity] = number + 1
                    record_id = str(number)
                record["Id"] = record_id
                record["SyncToken"] = "0"
                record["MetaData"] = {"CreateTime": moment, "LastUpdatedTime": moment}
            else:
                record["SyncToken"] = str(int(record.get("SyncToken", "0")) + 1)
                created = record.get("MetaData", {}).get("CreateTime", moment)
                record["MetaData"] = {"CreateTime": created, "LastUpdatedTime": moment}
            record["domain"] = "QBO"
            record["sparse"] = False
            self.entities.setdefault(entity, {})[record["Id"]] = record
            return record

    def remove(self, entity: str, record_id: str) -> None:
        with self.lock:
            self.entities.get(entity, {}).pop(record_id, None)

    def snapshot(self) -> dict[str, Any]:
        """Everything stored, for tests (``GET /__sandbox__/state/{realmId}``)."""
        with self.lock:
            return {
                "realmId": self.realm_id,
                "country": self.country,
                "currencies": dict(self.currencies),
                **{entity: list(records.values()) for entity, records in self.entities.items()},
                "files": {
                    file_id: {
                        "FileName": f.file_name,
                        "ContentType": f.content_type,
                        "Size": len(f.content),
                        "sha256": f.sha256,
                    }
                    for file_id, f in self.files.items()
                },
            }
