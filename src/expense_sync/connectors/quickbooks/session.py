"""A session on one QuickBooks Online company (realm): reads in Codat's shapes, pushes,
posts exactly once through ``/batch``, and attaches receipts.

**Exactly once.** Every posting's key is stored in ``DocNumber`` and ``PrivateNote``
(see ``posting``). ``post`` first asks QuickBooks which keys already landed (one query
per entity kind, on the 500-a-minute budget rather than the 40 batch calls), then writes
the rest in ``/batch`` calls of 30, each with a ``requestid`` made of this session and its
keys and revisions, so a call sent again after its answer was lost is answered with the first
answer. QuickBooks answers each item alone: one refused item fails alone, ``post``
raises ``ValidationConnectorError`` with QuickBooks' words, and when the engine retries
one posting at a time the landed ones are answered from memory and the refused one with
its words, without calling QuickBooks again. A found posting of an older revision (the
revision is kept in ``PrivateNote``) is replaced in place with its ``SyncToken``.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from typing import Any

from expense_sync.connectors.base import (
    AttachmentLimits,
    Document,
    Posted,
    Posting,
    Record,
    ValidationConnectorError,
)
from expense_sync.connectors.base.cloud import attachment_name, checked_content_type
from expense_sync.connectors.quickbooks import reading, writing
from expense_sync.connectors.quickbooks.api import (
    BATCH_SIZE,
    QuickBooksApi,
    any_of,
    fault_problem,
    quoted,
)
from expense_sync.connectors.quickbooks.posting import (
    Chart,
    doc_number,
    entity_of,
    holds_key,
    record,
)

CONTACT_ENTITY = {
    "suppliers": ("Vendor", "supplierName"),
    "customers": ("Customer", "customerName"),
}
ATTACHABLE = ("Purchase", "Deposit", "Bill")  # Codat: none on transfers and adjustments
_REVISION = re.compile(r"\(revision (\d+)\)")


class QuickBooksSession:
    def __init__(self, api: QuickBooksApi, attachments: AttachmentLimits | None) -> None:
        self.api = api
        self._attachment_limits = attachments
        self._cache: dict[str, Any] = {}
        self._session_id = uuid.uuid4().hex
        # key -> (entity, Id, revision, SyncToken)
        self._landed: dict[str, tuple[str, str, int, str]] = {}
        self._refused: dict[tuple[str, int], tuple[str, str | None]] = {}

    # -- reads ----------------------------------------------------------------------------

    def check(self) -> None:
        self._company_info()

    def read(self, data_type: str) -> list[Record]:
        home = self._home_currency()
        if data_type == "chartOfAccounts":
            return [reading.account(a, home) for a in self._entities("Account")]
        if data_type == "bankAccounts":
            return [
                reading.bank_account(a, home)
                for a in self._entities("Account")
                if reading.is_bank(a)
            ]
        if data_type in CONTACT_ENTITY:
            entity, name_field = CONTACT_ENTITY[data_type]
            return [reading.contact(c, name_field) for c in self._entities(entity)]
        if data_type == "taxRates":
            rates = {str(r["Id"]): r for r in self._entities("TaxRate")}
            return [reading.tax_rate(code, rates) for code in self._entities("TaxCode")]
        if data_type == "trackingCategories":
            return [
                record_
                for tree, entity, label in reading.TRACKING_TREES
                for record_ in reading.tracking(tree, entity, label, self._entities(entity))
            ]
        if data_type == "company":
            currencies = sorted(
                {home or ""}
                | {
                    str(a["CurrencyRef"]["value"])
                    for a in self._entities("Account")
                    if isinstance(a.get("CurrencyRef"), dict)
                }
                - {""}
            )
            return [
                reading.company(
                    self.api.realm_id, self._company_info(), self._preferences(), currencies
                )
            ]
        raise ValidationConnectorError(f"QuickBooks does not hold {data_type}.")

    def _entities(self, entity: str) -> list[dict[str, Any]]:
        if entity not in self._cache:
            where = (
                "Active IN (true, false)" if entity in ("Account", "Vendor", "Customer") else None
            )
            self._cache[entity] = self.api.query(entity, where)
        return list(self._cache[entity])

    def _company_info(self) -> dict[str, Any]:
        if "CompanyInfo" not in self._cache:
            found = self.api.query("CompanyInfo")
            self._cache["CompanyInfo"] = found[0] if found else {}
        return dict(self._cache["CompanyInfo"])

    def _preferences(self) -> dict[str, Any]:
        if "Preferences" not in self._cache:
            found = self.api.query("Preferences")
            self._cache["Preferences"] = found[0] if found else {}
        return dict(self._cache["Preferences"])

    def _home_currency(self) -> str | None:
        home = (self._preferences().get("CurrencyPrefs") or {}).get("HomeCurrency") or {}
        return str(home["value"]) if home.get("value") else None

    def _chart(self) -> Chart:
        prefs = self._preferences().get("CurrencyPrefs") or {}
        return Chart(
            account_types={
                str(a["Id"]): str(a.get("AccountType"))
                for a in self._entities("Account")
                if a.get("Active", True)
            },
            taxed_lines=self._company_info().get("Country") != "US",
            home_currency=self._home_currency(),
            multi_currency=bool(prefs.get("MultiCurrencyEnabled")),
        )

    # -- pushes ---------------------------------------------------------------------------

    def create(
        self, data_type: str, records: list[Record], *, key: str | None = None
    ) -> list[Record]:
        """One create a record, after checking every name against the company first (so
        a batch QuickBooks would refuse in part writes nothing); with ``key``, what an
        earlier try left under the same name is returned instead."""
        if data_type in ("chartOfAccounts", "bankAccounts"):
            entity = "Account"
            build = writing.bank_account if data_type == "bankAccounts" else writing.account
            bodies = [build(r) for r in records]
            taken = {str(a.get("Name")).lower(): str(a["Id"]) for a in self._entities(entity)}
            field = "name" if data_type == "chartOfAccounts" else "accountName"
            name_of = "Name"
        elif data_type in CONTACT_ENTITY:
            entity, field = CONTACT_ENTITY[data_type]
            bodies = [writing.contact(r, field) for r in records]
            taken = {
                str(c.get("DisplayName")).lower(): str(c["Id"])
                for other in ("Vendor", "Customer")
                for c in self._entities(other)
            }
            name_of = "DisplayName"
        else:
            raise ValidationConnectorError(f"QuickBooks cannot create {data_type}.")
        names = [str(b[name_of]).lower() for b in bodies]
        if len(names) != len(set(names)):
            raise ValidationConnectorError("Two records share a name.", field=field)
        if key is None and any(name in taken for name in names):
            raise ValidationConnectorError(
                "QuickBooks already has a record of that name; QuickBooks keeps names unique.",
                field=field,
            )
        ids = []
        for index, body in enumerate(bodies):
            found = taken.get(names[index])
            if found is None:
                request = self._request_id(key or body, index)
                found = str(self.api.create_one(entity, body, request)["Id"])
            ids.append(found)
        self._cache.pop(entity, None)
        stored = {r["id"]: r for r in self.read(data_type)}
        return [stored[i] for i in ids]

    def update(self, data_type: str, record_id: str, record_: Record) -> Record:
        """Replace a supplier's or customer's fields (a full update: those left out are
        cleared), under the record's current ``SyncToken``."""
        if data_type not in CONTACT_ENTITY:
            raise ValidationConnectorError(f"QuickBooks connector does not update {data_type}.")
        entity, field = CONTACT_ENTITY[data_type]
        current = {str(c["Id"]): c for c in self._entities(entity)}.get(record_id)
        if current is None:
            raise ValidationConnectorError(f"No {data_type[:-1]} {record_id} in QuickBooks.")
        body = {
            "Id": record_id,
            "SyncToken": str(current.get("SyncToken", "0")),
            **writing.contact(record_, field),
        }
        self.api.create_one(entity, body, self._request_id(body))
        self._cache.pop(entity, None)
        return {r["id"]: r for r in self.read(data_type)}[record_id]

    def _request_id(self, *what: Any) -> str:
        """QuickBooks' ``requestid`` for a write: the same call sent again by this session
        (its answer lost) gets the first answer, never a second write. Scoped to the
        session, as QuickBooks keeps replaying a first answer: a later try (after the
        customer fixed something in QuickBooks) is judged afresh, and the key look-up
        finds what an earlier try wrote."""
        return hashlib.sha256(f"{self._session_id}:{what!r}".encode()).hexdigest()[:40]

    # -- postings -------------------------------------------------------------------------

    def post(self, postings: list[Posting]) -> list[Posted]:
        self._raise_refused(postings)
        chart = self._chart()
        bodies = {p.key: (entity_of(p, chart), record(p, chart, p.revision)) for p in postings}
        self._find([p for p in postings if p.key not in self._landed], bodies)
        items: list[tuple[Posting, dict[str, Any]]] = []
        for posting in postings:
            entity, body = bodies[posting.key]
            landed = self._landed.get(posting.key)
            if landed is None:
                items.append((posting, {"operation": "create", entity: body}))
            elif landed[2] < posting.revision:
                if landed[0] != entity:
                    self._refused[(posting.key, posting.revision)] = (
                        f"It is already a {landed[0]} in QuickBooks and would now be a "
                        f"{entity}; delete it in QuickBooks, then resubmit.",
                        None,
                    )
                    continue
                update = {**body, "Id": landed[1], "SyncToken": landed[3]}
                items.append((posting, {"operation": "update", entity: update}))
        for start in range(0, len(items), BATCH_SIZE):
            self._write(items[start : start + BATCH_SIZE], bodies)
        self._raise_refused(postings)
        return [Posted(p.key, self._landed[p.key][1], self._landed[p.key][2]) for p in postings]

    def _raise_refused(self, postings: list[Posting]) -> None:
        refused = [
            (p, self._refused[(p.key, p.revision)])
            for p in postings
            if (p.key, p.revision) in self._refused
        ]
        if not refused:
            return
        if len(refused) == 1:
            _, (words, field) = refused[0]
            raise ValidationConnectorError(f"QuickBooks: {words}", field=field)
        raise ValidationConnectorError("; ".join(f"{p.key}: {words}" for p, (words, _) in refused))

    def _find(self, postings: list[Posting], bodies: dict[str, tuple[str, dict[str, Any]]]) -> None:
        """Which keys already landed (a write whose answer was lost): one query per kind."""
        by_entity: dict[str, list[Posting]] = {}
        for posting in postings:
            by_entity.setdefault(bodies[posting.key][0], []).append(posting)
        for entity, group in by_entity.items():
            for start in range(0, len(group), 100):
                chunk = group[start : start + 100]
                numbers = sorted({doc_number(p.key) for p in chunk})
                found = self.api.query(entity, any_of("DocNumber", numbers))
                for posting in chunk:
                    for existing in found:
                        if holds_key(existing, posting.key):
                            self._remember(posting.key, entity, existing)

    def _remember(self, key: str, entity: str, stored: dict[str, Any]) -> None:
        revision = _REVISION.search(str(stored.get("PrivateNote") or ""))
        self._landed[key] = (
            entity,
            str(stored["Id"]),
            int(revision.group(1)) if revision else 1,
            str(stored.get("SyncToken", "0")),
        )

    def _write(
        self,
        items: list[tuple[Posting, dict[str, Any]]],
        bodies: dict[str, tuple[str, dict[str, Any]]],
    ) -> None:
        request = [{"bId": str(index), **item} for index, (_, item) in enumerate(items)]
        request_id = self._request_id([(p.key, p.revision, item["operation"]) for p, item in items])
        answers = self.api.batch(request, request_id)
        for index, (posting, _) in enumerate(items):
            entity = bodies[posting.key][0]
            answer = answers.get(str(index)) or {}
            if isinstance(answer.get(entity), dict):
                stored = answer[entity]
                self._landed[posting.key] = (
                    entity,
                    str(stored["Id"]),
                    posting.revision,
                    str(stored.get("SyncToken", "0")),
                )
            else:
                self._refused[(posting.key, posting.revision)] = fault_problem(
                    answer.get("Fault") or {"Error": [{"Message": "QuickBooks gave no answer."}]}
                )

    # -- attachments ----------------------------------------------------------------------

    def attach(self, key: str, document: Document) -> str:
        if self._attachment_limits is not None:
            content_type = checked_content_type(document, self._attachment_limits, "QuickBooks")
        else:
            content_type = document.content_type
        entity, record_id = self._posted_record(key)
        name = attachment_name(document, content_type)
        where = f"AttachableRef.EntityRef.value = {quoted(record_id)}"
        for attachable in self.api.query("Attachable", where):
            refs = attachable.get("AttachableRef") or []
            ours = any((r.get("EntityRef") or {}).get("type") == entity for r in refs)
            if ours and attachable.get("FileName") == name:
                return str(attachable["Id"])
        metadata = {
            "AttachableRef": [{"EntityRef": {"type": entity, "value": record_id}}],
            "FileName": name,
            "ContentType": content_type,
        }
        landed = self.api.upload(
            metadata,
            name,
            document.path.read_bytes(),
            content_type,
            self._request_id(document.id, record_id),
        )
        return str(landed.get("Id") or f"{entity}/{record_id}/{name}")

    def _posted_record(self, key: str) -> tuple[str, str]:
        landed = self._landed.get(key)
        if landed is not None and landed[0] in ATTACHABLE:
            return landed[0], landed[1]
        for entity in ATTACHABLE:
            for existing in self.api.query(entity, any_of("DocNumber", [doc_number(key)])):
                if holds_key(existing, key):
                    return entity, str(existing["Id"])
        raise ValidationConnectorError(
            f"Nothing is posted to QuickBooks under transaction {key} that can hold a "
            "receipt (receipts go on purchases, deposits and bills); sync it first."
        )
