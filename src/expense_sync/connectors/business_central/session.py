"""A session on one Business Central company: reads in Codat's shapes, pushes, posts
exactly once in atomic ``$batch`` calls, and attaches receipts.

**Exactly once.** Every posting's key is stored as a document number BC can filter on
(``posting.document_number``: journal lines' ``documentNumber``, purchase invoices'
``vendorInvoiceNumber``). ``post`` first asks BC which keys already landed, then writes
the rest in batches of at most 100 requests sent with ``Isolation: snapshot``, so each
batch lands whole or not at all. If a batch is refused, each of its postings is sent
again alone: the good ones land, the bad one fails with BC's words, remembered for the
session so the engine's one-by-one retry does not call BC again. A lost answer is found
by the look-up on the next try, not written twice.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path
from typing import Any

from expense_sync.connectors.base import (
    AttachmentLimits,
    Document,
    Posted,
    Posting,
    Record,
    ValidationConnectorError,
)
from expense_sync.connectors.base.cloud import checked_content_type
from expense_sync.connectors.business_central import reading, writing
from expense_sync.connectors.business_central.api import (
    BATCH_MAX,
    BcApi,
    Call,
    problem_of,
    quoted,
)
from expense_sync.connectors.business_central.posting import (
    JOURNAL_KINDS,
    CallIds,
    Chart,
    calls,
    document_number,
)

JOURNAL_CODE = "EXPSYNC"  # the general journal batch expense-sync writes its lines to
CONTACTS = {"suppliers": ("vendors", "supplierName"), "customers": ("customers", "customerName")}


class BcSession:
    def __init__(self, api: BcApi, attachments: AttachmentLimits | None) -> None:
        self.api = api
        self._attachment_limits = attachments
        self._cache: dict[str, list[dict[str, Any]]] = {}
        self._landed: dict[str, tuple[str, str, int]] = {}  # key -> (kind, id, revision)
        self._refused: dict[tuple[str, int], str] = {}

    # -- reads ------------------------------------------------------------------------------

    def check(self) -> None:
        self._company()

    def _collection(self, name: str) -> list[dict[str, Any]]:
        if name not in self._cache:
            self._cache[name] = self.api.get_all(name)
        return list(self._cache[name])

    def _company(self) -> dict[str, Any]:
        if "company" not in self._cache:
            self._cache["company"] = [self.api.get("")]
        return self._cache["company"][0]

    def _currency(self) -> str | None:
        info = self._collection("companyInformation")
        return (info[0].get("currencyCode") or None) if info else None

    def read(self, data_type: str) -> list[Record]:
        currency = self._currency()
        if data_type == "chartOfAccounts":  # bank accounts too, as Codat lists them
            return [reading.account(a, currency) for a in self._collection("accounts")] + [
                reading.bank_as_account(b, currency) for b in self._collection("bankAccounts")
            ]
        if data_type == "bankAccounts":
            return [reading.bank_account(b, currency) for b in self._collection("bankAccounts")]
        if data_type in CONTACTS:
            collection, name_field = CONTACTS[data_type]
            return [reading.contact(c, name_field, currency) for c in self._collection(collection)]
        if data_type == "taxRates":
            return [reading.tax_rate(t) for t in self._collection("taxGroups")]
        if data_type == "trackingCategories":
            return reading.tracking(
                self._collection("dimensions"), self._collection("dimensionValues")
            )
        if data_type == "company":
            info = self._collection("companyInformation")
            return [reading.company(info[0] if info else {}, self._company())]
        raise ValidationConnectorError(f"Business Central does not hold {data_type}.")

    # -- pushes -----------------------------------------------------------------------------

    def create(
        self, data_type: str, records: list[Record], *, key: str | None = None
    ) -> list[Record]:
        """Bank accounts, vendors and customers, all in one atomic batch. With ``key``,
        each record's BC number is the key's digest, so a retry finds what the first
        try wrote; without one, a number already taken is refused before writing."""
        if data_type == "chartOfAccounts":
            raise ValidationConnectorError(
                "Business Central's API v2.0 cannot create G/L accounts (its accounts are "
                "read-only); create the account in Business Central.",
                field="chartOfAccounts",
            )
        if data_type == "bankAccounts":
            collection = "bankAccounts"
            bodies = [writing.bank_account(r) for r in records]
        elif data_type in CONTACTS:
            collection, name_field = CONTACTS[data_type]
            bodies = [writing.contact(r, name_field) for r in records]
        else:
            raise ValidationConnectorError(f"Business Central cannot create {data_type}.")
        if key is not None:
            for index, body in enumerate(bodies):
                body["number"] = document_number(f"{key}:{index}")
        existing = {str(r.get("number")): str(r["id"]) for r in self._collection(collection)}
        numbers = [str(b["number"]) for b in bodies if b.get("number")]
        if len(numbers) != len(set(numbers)):
            raise ValidationConnectorError("Two records share a nominalCode.", field="nominalCode")
        if key is None and any(n in existing for n in numbers):
            raise ValidationConnectorError(
                "Business Central already has a record with that number; choose another "
                "nominalCode.",
                field="nominalCode",
            )
        missing = [b for b in bodies if str(b.get("number")) not in existing or not b.get("number")]
        if missing:
            ids = CallIds()
            batch = [
                Call(ids.next(), "POST", f"{self.api.company}/{collection}", b) for b in missing
            ]
            answers = self.api.batch(batch)
            failed = [a for a in answers if int(a.get("status", 500)) >= 400]
            if failed:
                words = "; ".join(problem_of(a.get("body")) or str(a.get("status")) for a in failed)
                raise ValidationConnectorError(f"Business Central: {words}", field=data_type)
        self._cache.pop(collection, None)
        by_number = {str(r.get("number")): str(r["id"]) for r in self._collection(collection)}
        created_ids = []
        fresh = iter(
            r["id"] for r in self._collection(collection) if str(r["id"]) not in existing.values()
        )
        for body in bodies:
            number = str(body.get("number") or "")
            created_ids.append(by_number[number] if number else str(next(fresh)))
        stored = {r["id"]: r for r in self.read(data_type)}
        return [stored[i] for i in created_ids]

    def update(self, data_type: str, record_id: str, record: Record) -> Record:
        """Replace a supplier's or customer's fields (those left out are cleared), with
        the record's etag: a change made in BC meanwhile is refused, not overwritten."""
        if data_type not in CONTACTS:
            raise ValidationConnectorError(
                f"Business Central connector does not update {data_type}."
            )
        collection, name_field = CONTACTS[data_type]
        current = {str(r["id"]): r for r in self._collection(collection)}.get(record_id)
        if current is None:
            raise ValidationConnectorError(f"No {data_type[:-1]} {record_id} in Business Central.")
        body = writing.contact(record, name_field, replace=True)
        self.api.update(f"{collection}({record_id})", body, str(current["@odata.etag"]))
        self._cache.pop(collection, None)
        return {r["id"]: r for r in self.read(data_type)}[record_id]

    # -- postings ---------------------------------------------------------------------------

    def _journal_id(self) -> str:
        found = self.api.find("journals", "code", [JOURNAL_CODE])
        if found:
            return str(found[0]["id"])
        try:
            created = self.api.create(
                "journals", {"code": JOURNAL_CODE, "displayName": "expense-sync postings"}
            )
        except ValidationConnectorError:  # another worker created it meanwhile
            found = self.api.find("journals", "code", [JOURNAL_CODE])
            if not found:
                raise
            return str(found[0]["id"])
        return str(created["id"])

    def _chart(self) -> Chart:
        dimensions = {d["id"]: d for d in self._collection("dimensions")}
        if "journal" not in self._cache:
            self._cache["journal"] = [{"id": self._journal_id()}]
        return Chart(
            accounts={str(a["id"]) for a in self._collection("accounts")},
            bank_accounts={str(b["id"]) for b in self._collection("bankAccounts")},
            tax_codes={str(t["id"]): str(t["code"]) for t in self._collection("taxGroups")},
            dimension_of={
                str(v["id"]): (str(dimensions[v["dimensionId"]]["code"]), str(v["code"]))
                for v in self._collection("dimensionValues")
                if v.get("dimensionId") in dimensions
            },
            journal_id=str(self._cache["journal"][0]["id"]),
            currency=self._currency(),
        )

    def post(self, postings: list[Posting]) -> list[Posted]:
        self._raise_refused(postings)
        chart = self._chart()
        ids = CallIds()
        planned = {p.key: calls(p, chart, self.api.company, ids) for p in postings}  # checks first
        unknown = [p for p in postings if p.key not in self._landed]
        self._find_landed(
            [p.key for p in unknown if p.kind in JOURNAL_KINDS],
            [p.key for p in unknown if p.kind == "reimbursable"],
            chart,
        )
        pending = []
        replaced: dict[str, list[Call]] = {}
        for posting in postings:
            landed = self._landed.get(posting.key)
            if landed is not None and landed[2] >= posting.revision:
                continue
            if landed is not None:  # a later revision of a posting BC holds
                deletes = self._deletes(posting, chart)
                if deletes is None:
                    continue
                replaced[posting.key] = deletes
                planned[posting.key] = deletes + planned[posting.key]
            pending.append(posting)
        for group in _batches(pending, planned):
            self._write(group, chart, replaced)
        self._raise_refused(postings)
        return [Posted(p.key, self._landed[p.key][1], self._landed[p.key][2]) for p in postings]

    def _raise_refused(self, postings: list[Posting]) -> None:
        refused = [p for p in postings if (p.key, p.revision) in self._refused]
        if refused:
            raise ValidationConnectorError(
                "; ".join(f"{p.key}: {self._refused[(p.key, p.revision)]}" for p in refused)
            )

    def _find_landed(self, journal: list[str], invoices: list[str], chart: Chart) -> None:
        """Which of these keys BC already holds (journal lines, purchase invoices)."""
        if journal:
            numbers = {document_number(key): key for key in journal}
            lines = self.api.find(
                f"journals({chart.journal_id})/journalLines", "documentNumber", list(numbers)
            )
            for line in sorted(lines, key=lambda r: int(r.get("lineNumber") or 0)):
                key = numbers[str(line["documentNumber"])]
                self._landed.setdefault(key, ("journal", str(line["id"]), 1))
        if invoices:
            numbers = {document_number(key): key for key in invoices}
            for invoice in self.api.find("purchaseInvoices", "vendorInvoiceNumber", list(numbers)):
                key = numbers[str(invoice["vendorInvoiceNumber"])]
                self._landed[key] = ("invoice", str(invoice["id"]), 1)

    def _deletes(self, posting: Posting, chart: Chart) -> list[Call] | None:
        """The calls that remove what an earlier revision left, to go in the same atomic
        batch as the new one; None (and refused) if BC cannot change it any more."""
        number = document_number(posting.key)
        company = self.api.company
        if posting.kind == "reimbursable":
            found = self.api.find("purchaseInvoices", "vendorInvoiceNumber", [number])
            if any(invoice.get("status") != "Draft" for invoice in found):
                self._refused[(posting.key, posting.revision)] = (
                    "Business Central cannot change a posted purchase invoice; cancel it "
                    "with a credit memo in Business Central, then resubmit."
                )
                return None
            path = f"{company}/purchaseInvoices"
        else:
            lines = f"journals({chart.journal_id})/journalLines"
            found = self.api.find(lines, "documentNumber", [number])
            path = f"{company}/{lines}"
        return [
            Call(f"d{index}-{record['id']}", "DELETE", f"{path}({record['id']})",
                 if_match=str(record["@odata.etag"]))
            for index, record in enumerate(found)
        ]  # fmt: skip

    def _write(
        self, group: list[Posting], chart: Chart, replaced: dict[str, list[Call]] | None = None
    ) -> None:
        ids = CallIds()
        deletes = replaced or {}
        planned = [
            (p, deletes.get(p.key, []) + calls(p, chart, self.api.company, ids)) for p in group
        ]
        answers = self.api.batch([c for _, batch in planned for c in batch])
        if all(int(a.get("status", 500)) < 400 for a in answers):
            position = 0
            for posting, batch in planned:
                first = answers[position + len(deletes.get(posting.key, []))]
                body = first.get("body") or {}
                kind = "invoice" if posting.kind == "reimbursable" else "journal"
                self._landed[posting.key] = (kind, str(body.get("id")), posting.revision)
                position += len(batch)
            return
        if len(group) == 1:
            words = [
                problem_of(a.get("body"))
                for a in answers
                if int(a.get("status", 500)) not in (200, 201, 204, 424)
            ]
            self._refused[(group[0].key, group[0].revision)] = (
                "; ".join(w for w in words if w) or "Business Central refused it."
            )
            return
        for posting in group:  # find the one BC refuses: each alone
            self._write([posting], chart, deletes)

    # -- attachments ------------------------------------------------------------------------

    def attach(self, key: str, document: Document) -> str:
        content_type = (
            checked_content_type(document, self._attachment_limits, "Business Central")
            if self._attachment_limits is not None
            else document.content_type
        )
        parent_type, parent_id = self._attachable(key)
        stem = Path(document.file_name).stem[:100] or "receipt"
        extension = mimetypes.guess_extension(content_type) or Path(document.file_name).suffix
        name = f"{document.id}-{stem}{extension}"[:250]
        found = self.api.get_all(
            "documentAttachments",
            filter_=f"parentId eq {parent_id} and fileName eq {quoted(name)}",
        )
        attachment = found[0] if found else None
        if attachment is None:
            attachment = self.api.create(
                "documentAttachments",
                {"fileName": name, "parentType": parent_type, "parentId": parent_id},
            )
        if not attachment.get("byteSize"):
            self.api.put_content(
                f"documentAttachments({attachment['id']})/attachmentContent",
                document.path.read_bytes(),
                str(attachment["@odata.etag"]),
            )
        return str(attachment["id"])

    def _attachable(self, key: str) -> tuple[str, str]:
        if key not in self._landed:
            self._find_landed([key], [key], self._chart())
        if key in self._landed:
            kind, record_id, _ = self._landed[key]
            return ("Purchase Invoice" if kind == "invoice" else "Journal"), record_id
        raise ValidationConnectorError(
            f"Nothing is posted to Business Central under transaction {key} that can hold a "
            "receipt (journal lines of card expenses, purchase invoices); sync it first."
        )


def _batches(postings: list[Posting], planned: dict[str, list[Call]]) -> list[list[Posting]]:
    """Postings grouped so no batch passes BC's 100 requests, none split."""
    groups: list[list[Posting]] = []
    size = BATCH_MAX + 1
    for posting in postings:
        count = len(planned[posting.key])
        if count > BATCH_MAX:
            raise ValidationConnectorError(
                f"{posting.key} needs {count} requests; Business Central takes "
                f"{BATCH_MAX} a batch.",
                field="lines",
            )
        if size + count > BATCH_MAX:
            groups.append([])
            size = 0
        groups[-1].append(posting)
        size += count
    return groups
