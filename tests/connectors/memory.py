"""An in-memory connector: books held in a dict, for engine tests that need no ledger.

``MemoryConnector`` passes the conformance suite (``tests/connectors/conformance``), so
the engine can be tested against it as against a real ledger: it refuses what a ledger
refuses (unknown accounts, tax rates, contacts and tracking ids, unbalanced transfers
and adjustments, duplicate accounts), writes a batch all or nothing, finds a write by
its key, replaces a posting by a newer revision and attaches a document once.

Given an ``Upstream``, every call on a session first waits ``latency`` seconds (a slow
platform, waiting on I/O) and counts against a per-books budget of calls per minute;
over it, the call raises ``RetriableConnectorError`` with ``retry_after`` set to when
the oldest call leaves the window, as a cloud platform answers 429 with ``Retry-After``.

A test makes it linkable with ``installed(connector)`` (the catalog's ``register``).
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from expense_sync.connectors import catalog
from expense_sync.connectors.base import (
    DOCUMENT_TYPES,
    EXPENSE_TRANSACTION_TYPES,
    LEDGER_READS,
    LEDGER_WRITES,
    MB,
    AttachmentLimits,
    AuthKind,
    Authorization,
    Document,
    FieldRule,
    LinkContext,
    LinkedBooks,
    PlatformManifest,
    Posted,
    Posting,
    RateLimit,
    Record,
    RetriableConnectorError,
    ValidationConnectorError,
)
from expense_sync.connectors.base.records import standard_push_models

# (id, nominal code, name, type, bank account type or None)
CHART = (
    ("Assets:Bank:Checking", "1000", "Checking account", "Asset", "Debit"),
    ("Assets:Bank:Savings", "1010", "Savings account", "Asset", "Debit"),
    ("Liabilities:CreditCard:Corporate", "2000", "Corporate card", "Liability", "Credit"),
    ("Liabilities:AccountsPayable:Employees", "2110", "Employee reimbursements", "Liability", None),
    ("Income:CardRewards", "4100", "Card rewards", "Income", None),
    ("Expenses:Travel", "6050", "Travel", "Expense", None),
    ("Expenses:Meals", "6020", "Meals and entertainment", "Expense", None),
)
TAX_RATES = (("NONE", "No tax", 0.0), ("VAT20", "VAT standard 20%", 20.0))
TRACKING = (("DEPT", "Department", None), ("DEPT-ENG", "Engineering", "DEPT"))
CONTACT_NAME = {"suppliers": "supplierName", "customers": "customerName"}
CONTACT_FIELDS = ("emailAddress", "phone", "contactName", "status")
_NOWHERE = Path("/nonexistent-memory-books")  # in-memory books keep no files


def memory_manifest(key: str = "memo", *, batch_size: int = 50) -> PlatformManifest:
    return PlatformManifest(
        key=key,
        name=f"In-memory books ({key})",
        logo_text="M",
        auth_kind=AuthKind.LEDGER_FILE,
        reads=LEDGER_READS,
        writes=LEDGER_WRITES,
        transaction_types=EXPENSE_TRANSACTION_TYPES,
        batch_size=batch_size,
        rate_limit=RateLimit(requests=10_000, per_seconds=60),
        attachments=AttachmentLimits(max_bytes=10 * MB, content_types=DOCUMENT_TYPES),
        link_fields=(),
        connector_available=True,
        tested_against="the conformance suite only (a fake for tests)",
    )


@dataclass
class Upstream:
    """A slow, rate-limited platform: ``latency`` seconds per call, at most
    ``calls_per_minute`` calls in any ``window_seconds`` per books (``None``: no limit).
    ``gate``, when given, holds every call until it is set (a platform that hangs).
    ``log`` keeps each call: (monotonic time, books id, the ``retry_after`` it was
    refused with, or None if it was answered)."""

    latency: float = 0.0
    calls_per_minute: int | None = None
    window_seconds: float = 60.0
    gate: threading.Event | None = None
    log: list[tuple[float, str, float | None]] = field(default_factory=list)
    _calls: dict[str, deque[float]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def refused(self) -> int:
        return sum(retry_after is not None for _, _, retry_after in self.log)

    def call(self, books_id: str) -> None:
        if self.gate is not None and not self.gate.wait(timeout=60):
            raise RetriableConnectorError("The platform did not answer in 60 s.")
        if self.calls_per_minute is not None:
            with self._lock:
                now = time.monotonic()
                calls = self._calls.setdefault(books_id, deque())
                while calls and calls[0] <= now - self.window_seconds:
                    calls.popleft()
                if len(calls) >= self.calls_per_minute:
                    wait = max(calls[0] + self.window_seconds - now, 0.001)
                    self.log.append((now, books_id, wait))
                    raise RetriableConnectorError(
                        f"Rate limit of {self.calls_per_minute} calls a minute reached.",
                        retry_after=wait,
                    )
                calls.append(now)
                self.log.append((now, books_id, None))
        if self.latency:
            time.sleep(self.latency)  # the answer is on its way: I/O, no CPU


@dataclass
class MemoryBooks:
    """One connection's books."""

    id: str
    records: dict[str, dict[str, Record]]
    keyed: dict[str, list[str]] = field(default_factory=dict)  # create key -> ids
    postings: dict[str, tuple[Posting, str]] = field(default_factory=dict)  # key -> it, ref
    attachments: dict[str, str] = field(default_factory=dict)  # document id -> reference
    writes: int = 0  # records written: what a test counts to see a write was not repeated
    lock: threading.Lock = field(default_factory=threading.Lock)


def _seeded(books_id: str, name: str) -> MemoryBooks:
    accounts = {
        code: {"id": code, "nominalCode": nominal, "name": title, "fullyQualifiedName": code,
               "type": kind, "currency": "USD", "status": "Active",
               "isBankAccount": bank is not None}
        for code, nominal, title, kind, bank in CHART
    }  # fmt: skip
    banks = {
        code: {"id": code, "accountName": title, "accountType": bank, "nominalCode": nominal,
               "currency": "USD", "status": "Active"}
        for code, nominal, title, _, bank in CHART if bank
    }  # fmt: skip
    taxes = {
        code: {"id": code, "name": title, "code": code, "effectiveTaxRate": rate,
               "totalTaxRate": rate}
        for code, title, rate in TAX_RATES
    }  # fmt: skip
    tracking = {
        code: {"id": code, "name": title, "parentId": parent,
               "hasChildren": any(p == code for _, _, p in TRACKING)}
        for code, title, parent in TRACKING
    }  # fmt: skip
    company = {"id": books_id, "companyName": name, "baseCurrency": "USD"}
    return MemoryBooks(
        books_id,
        {
            "chartOfAccounts": accounts,
            "bankAccounts": banks,
            "suppliers": {},
            "customers": {},
            "taxRates": taxes,
            "trackingCategories": tracking,
            "company": {books_id: company},
        },
    )


class MemorySession:
    def __init__(self, books: MemoryBooks, upstream: Upstream | None) -> None:
        self.books = books
        self.upstream = upstream

    def _call(self) -> None:
        if self.upstream is not None:
            self.upstream.call(self.books.id)

    def check(self) -> None:
        self._call()

    def read(self, data_type: str) -> list[Record]:
        self._call()
        with self.books.lock:
            if data_type not in self.books.records:
                raise ValidationConnectorError(f"These books do not hold {data_type}.")
            return [dict(record) for record in self.books.records[data_type].values()]

    def create(
        self, data_type: str, records: list[Record], *, key: str | None = None
    ) -> list[Record]:
        self._call()
        books = self.books
        with books.lock:
            if key is not None and key in books.keyed:  # a retry: what the first call wrote
                return [dict(books.records[data_type][i]) for i in books.keyed[key]]
            if data_type not in LEDGER_WRITES:
                raise ValidationConnectorError(f"These books cannot create {data_type}.")
            table = books.records[data_type]
            new: dict[str, Record] = {}
            for record in records:  # every record checked before any is kept
                stored = self._new_record(data_type, record, len(table) + len(new) + 1)
                if stored["id"] in table or stored["id"] in new:
                    raise ValidationConnectorError(
                        f"{stored['id']} already exists.", field=self._id_field(data_type)
                    )
                new[stored["id"]] = stored
            table.update(new)
            books.writes += len(new)
            if key is not None:
                books.keyed[key] = list(new)
            return [dict(record) for record in new.values()]

    @staticmethod
    def _id_field(data_type: str) -> str:
        return {"chartOfAccounts": "fullyQualifiedName", "bankAccounts": "accountName"}.get(
            data_type, CONTACT_NAME.get(data_type, "id")
        )

    @staticmethod
    def _new_record(data_type: str, record: Record, number: int) -> Record:
        if data_type == "chartOfAccounts":
            record_id = str(record.get("fullyQualifiedName") or record.get("name"))
            return {"status": "Active", "name": record_id, **record, "id": record_id}
        if data_type == "bankAccounts":
            record_id = f"Bank:{record.get('accountName')}"
            return {"status": "Active", **record, "id": record_id}
        prefix = "SUP" if data_type == "suppliers" else "CUS"
        return _contact(f"{prefix}-{uuid.uuid4().hex[:8].upper()}-{number}", record)

    def update(self, data_type: str, record_id: str, record: Record) -> Record:
        self._call()
        with self.books.lock:
            table = self.books.records.get(data_type, {})
            if data_type not in CONTACT_NAME or record_id not in table:
                raise ValidationConnectorError(f"No {data_type} record {record_id} to update.")
            table[record_id] = _contact(record_id, record)  # an update replaces the record
            self.books.writes += 1
            return dict(table[record_id])

    def post(self, postings: list[Posting]) -> list[Posted]:
        self._call()
        books = self.books
        with books.lock:
            for item in postings:  # all or nothing: every posting checked first
                self._check(item)
            landed = []
            for item in postings:
                found = books.postings.get(item.key)
                if found is not None and found[0].revision >= item.revision:
                    landed.append(Posted(item.key, found[1], found[0].revision))
                    continue
                reference = found[1] if found else f"memory:{books.id}:{item.key}"
                books.postings[item.key] = (item, reference)
                books.writes += 1
                landed.append(Posted(item.key, reference, item.revision))
            return landed

    def _check(self, item: Posting) -> None:
        records = self.books.records
        accounts = records["chartOfAccounts"]
        for line in item.lines:
            if line.account not in accounts:
                raise ValidationConnectorError(
                    f"No account {line.account} in these books.", field="accountRef"
                )
            if line.tax_rate is not None and line.tax_rate not in records["taxRates"]:
                raise ValidationConnectorError(
                    f"No tax rate {line.tax_rate} in these books.", field="taxRateRef"
                )
            for data_type, ref in line.tracking:
                if ref not in records.get(data_type, {}):
                    raise ValidationConnectorError(
                        f"No {data_type} {ref} in these books.", field="trackingRefs"
                    )
        if item.kind == "expense" and item.counter_account not in accounts:
            raise ValidationConnectorError(
                f"No bank or card account {item.counter_account} in these books.",
                field="bankAccountRef",
            )
        if item.contact is not None and not any(item.contact in records[t] for t in CONTACT_NAME):
            raise ValidationConnectorError(f"No contact {item.contact}.", field="contactRef")
        if item.kind in ("transfer", "adjustment") and item.total != Decimal(0):
            raise ValidationConnectorError(
                f"The lines of a {item.kind} must sum to 0; they sum to {item.total}.",
                field="lines",
            )

    def attach(self, key: str, document: Document) -> str:
        self._call()
        books = self.books
        with books.lock:
            if document.id in books.attachments:  # a retry: the first attach landed
                return books.attachments[document.id]
            if key not in books.postings:
                raise ValidationConnectorError(
                    f"Nothing was posted under {key}: post it before attaching to it."
                )
            reference = f"{books.postings[key][1]}/{document.id}"
            books.attachments[document.id] = reference
            books.writes += 1
            return reference


def _contact(record_id: str, record: Record) -> Record:
    return {**dict.fromkeys(CONTACT_FIELDS), "status": "Active", **record, "id": record_id}


class MemoryConnector:
    """Books in this process's memory, kept per linked connection."""

    def __init__(
        self, key: str = "memo", *, upstream: Upstream | None = None, batch_size: int = 50
    ) -> None:
        self.manifest = memory_manifest(key, batch_size=batch_size)
        self.push_models = standard_push_models(
            "In-memory books",
            (FieldRule("fullyQualifiedName", "Account name", max_length=200),),
            FieldRule("accountName", "Account name", required=True, max_length=100),
        )
        self.upstream = upstream
        self.books: dict[str, MemoryBooks] = {}
        self._lock = threading.Lock()

    def authorize(self, context: LinkContext, fields: dict[str, str]) -> Authorization:
        if fields:
            raise ValidationConnectorError(
                f"In-memory books take no fields; got {', '.join(sorted(fields))}.",
                field=sorted(fields)[0],
            )
        books_id = str(context.connection_id)
        with self._lock:
            self.books.setdefault(books_id, _seeded(books_id, context.company_name))
        return Authorization(connection_info={"books": books_id})

    def open(self, books: LinkedBooks) -> MemorySession:
        with self._lock:
            held = self.books.get(str(books.connection_info.get("books")))
        if held is None:
            raise RetriableConnectorError("These in-memory books are gone (process restarted).")
        return MemorySession(held, self.upstream)

    def link(self, name: str = "Memory Ltd") -> MemorySession:
        """Fresh books, linked and opened: for tests that use a session alone."""
        context = LinkContext(uuid.uuid4(), uuid.uuid4(), _NOWHERE, _NOWHERE, name)
        info = self.authorize(context, {}).connection_info
        return self.open(LinkedBooks(info, {}, _NOWHERE))


@contextmanager
def installed(connector: MemoryConnector) -> Iterator[MemoryConnector]:
    """The connector linkable under its key while the block runs."""
    catalog.register(connector)
    try:
        yield connector
    finally:
        catalog.unregister(connector.manifest.key)
