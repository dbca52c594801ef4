"""A session on one Xero organisation (tenant): reads in Codat's shapes, pushes, posts
exactly once in Xero's batches, and attaches receipts.

**Exactly once.** Every posting's key is stored where Xero can search it (see
``posting``). ``post`` first asks Xero which keys already landed (one ``where`` query
per record kind in the batch, only for postings that an earlier try may have written:
``Posting.maybe_landed``; a first try cannot be in Xero, so a fresh sync makes one
call per 50 postings), writes only the rest in one call per kind with
``summarizeErrors=false`` and an ``Idempotency-Key``, and remembers each answer for the
session. One bad posting fails alone: Xero commits the others, ``post`` raises
``ValidationConnectorError``, and when the engine retries the batch one posting at a
time the landed ones are answered from memory and the refused one with Xero's words,
without calling Xero again. A found posting of a later revision is updated in place
(a ``POST`` with its id; bank transfers cannot be changed in Xero and say so).
"""

from __future__ import annotations

import hashlib
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
from expense_sync.connectors.xero import reading, writing
from expense_sync.connectors.xero.api import ID_FIELD, XeroApi, problems_of
from expense_sync.connectors.xero.incremental import CHANGED_SINCE, INCREMENTAL
from expense_sync.connectors.xero.posting import Chart, collection_of, record

CONTACT_NAME = {"suppliers": "supplierName", "customers": "customerName"}
ATTACHABLE = ("BankTransactions", "Invoices")  # Codat: none on transfers and adjustments


class XeroSession:
    def __init__(self, api: XeroApi, attachments: AttachmentLimits | None) -> None:
        self.api = api
        self._attachment_limits = attachments
        self._cache: dict[str, Any] = {}
        self._session_id = uuid.uuid4().hex
        self._landed: dict[str, tuple[str, str, int]] = {}  # key -> (collection, id, revision)
        self._refused: dict[tuple[str, int], str] = {}  # (key, revision) -> Xero's words

    # -- reads ----------------------------------------------------------------------------

    def check(self) -> None:
        self._organisation()

    def read(self, data_type: str) -> list[Record]:
        base = self._organisation().get("BaseCurrency")
        if data_type == "chartOfAccounts":
            return [reading.account(a, base) for a in self._accounts()]
        if data_type == "bankAccounts":
            return [
                reading.bank_account(a, base) for a in self._accounts() if a.get("Type") == "BANK"
            ]
        if data_type in CONTACT_NAME:
            return [reading.contact(c, CONTACT_NAME[data_type]) for c in self._contacts()]
        if data_type == "taxRates":
            return [reading.tax_rate(t) for t in self._collection("TaxRates")]
        if data_type == "trackingCategories":
            return reading.tracking(self._collection("TrackingCategories"))
        if data_type == "company":
            currencies = [str(c["Code"]) for c in self._collection("Currencies") if c.get("Code")]
            return [reading.company(self._organisation(), currencies)]
        raise ValidationConnectorError(f"Xero does not hold {data_type}.")

    def _collection(self, name: str) -> list[dict[str, Any]]:
        if name not in self._cache:
            self._cache[name] = (
                CHANGED_SINCE.read(self.api, self.api.tenant_id, name)
                if name in INCREMENTAL
                else self.api.get_all(name)
            )
        return list(self._cache[name])

    def _organisation(self) -> dict[str, Any]:
        if "Organisation" not in self._cache:
            found = self.api.get("Organisation").get("Organisations") or [{}]
            self._cache["Organisation"] = found[0]
        return dict(self._cache["Organisation"])

    def _accounts(self) -> list[dict[str, Any]]:
        return self._collection("Accounts")

    def _contacts(self) -> list[dict[str, Any]]:
        return self._collection("Contacts")

    def _chart(self) -> Chart:
        return Chart(
            codes={str(a["AccountID"]): a.get("Code") for a in self._accounts()},
            option_category={
                str(option["TrackingOptionID"]): str(category["TrackingCategoryID"])
                for category in self._collection("TrackingCategories")
                for option in category.get("Options") or []
            },
        )

    # -- pushes ---------------------------------------------------------------------------

    def create(
        self, data_type: str, records: list[Record], *, key: str | None = None
    ) -> list[Record]:
        """Accounts go one per call (as Xero takes them), contacts in one batch. Every
        record is checked against the books first, so a batch that Xero would refuse in
        part (a code or name already taken) writes nothing; with ``key``, what an
        earlier try left is returned instead (Xero refuses a second one anyway)."""
        if data_type in ("chartOfAccounts", "bankAccounts"):
            ids = self._create_accounts(data_type, records, key)
            self._cache.pop("Accounts", None)
        elif data_type in CONTACT_NAME:
            ids = self._create_contacts(data_type, records, key)
            self._cache.pop("Contacts", None)
        else:
            raise ValidationConnectorError(f"Xero cannot create {data_type}.")
        stored = {r["id"]: r for r in self.read(data_type)}
        return [stored[i] for i in ids]

    def _create_accounts(self, data_type: str, records: list[Record], key: str | None) -> list[str]:
        build = writing.bank_account if data_type == "bankAccounts" else writing.account
        bodies = [build(r) for r in records]
        taken = {str(a["Code"]): str(a["AccountID"]) for a in self._accounts() if a.get("Code")}
        names = {str(a["Name"]).lower(): str(a["AccountID"]) for a in self._accounts()}
        codes = [str(b.get("Code")) for b in bodies if b.get("Code")]
        if len(codes) != len(set(codes)):
            raise ValidationConnectorError("Two accounts share a nominalCode.", field="nominalCode")
        if key is None:
            for body in bodies:
                if str(body.get("Code")) in taken or str(body["Name"]).lower() in names:
                    raise ValidationConnectorError(
                        f"Xero already has an account {body.get('Code') or body['Name']}; "
                        "choose another nominalCode and name.",
                        field="nominalCode",
                    )
        ids = []
        for body in bodies:
            found = taken.get(str(body.get("Code"))) or names.get(str(body["Name"]).lower())
            ids.append(found or str(self.api.create_one("Accounts", body)["AccountID"]))
        return ids

    def _create_contacts(self, data_type: str, records: list[Record], key: str | None) -> list[str]:
        bodies = [writing.contact(r, CONTACT_NAME[data_type]) for r in records]
        by_name = {str(c.get("Name")).lower(): str(c["ContactID"]) for c in self._contacts()}
        wanted = [str(b["Name"]).lower() for b in bodies]
        if len(wanted) != len(set(wanted)):
            raise ValidationConnectorError("Two records share a name.", field=data_type)
        if key is None and any(name in by_name for name in wanted):
            raise ValidationConnectorError(
                "Xero already has a contact of that name; Xero keeps names unique.",
                field=CONTACT_NAME[data_type],
            )
        missing = [b for b in bodies if str(b["Name"]).lower() not in by_name]
        if missing:
            written = self.api.write(
                "Contacts", missing, idempotency_key=self._idempotency_key(key or missing)
            )
            problems = [m for item in written for m in problems_of(item)]
            if problems:
                raise ValidationConnectorError(f"Xero: {'; '.join(problems)}", field=data_type)
            by_name |= {str(c.get("Name")).lower(): str(c["ContactID"]) for c in written}
        return [by_name[name] for name in wanted]

    def update(self, data_type: str, record_id: str, record_: Record) -> Record:
        """Replace a supplier's or customer's fields (those left out are cleared)."""
        if data_type not in CONTACT_NAME:
            raise ValidationConnectorError(f"Xero connector does not update {data_type}.")
        known = {str(c["ContactID"]) for c in self._contacts()}
        if record_id not in known:
            raise ValidationConnectorError(f"No {data_type[:-1]} {record_id} in Xero.")
        body = {
            **writing.contact(record_, CONTACT_NAME[data_type], replace=True),
            "ContactID": record_id,
        }
        answers = self.api.write(
            "Contacts", [body], idempotency_key=self._idempotency_key(body), method="POST"
        )
        problems = [m for item in answers for m in problems_of(item)]
        if problems:
            raise ValidationConnectorError(f"Xero: {'; '.join(problems)}", field=data_type)
        self._cache.pop("Contacts", None)
        stored = {r["id"]: r for r in self.read(data_type)}
        return stored[record_id]

    def _idempotency_key(self, what: object) -> str:
        """Xero's ``Idempotency-Key`` for a write: the same request of this session is
        answered from Xero's memory, never written twice. Scoped to the session, since
        Xero replays its first answer for a day: a later try (after the customer fixed
        something in Xero) must be judged afresh, and the key look-up already finds what
        an earlier try wrote."""
        return hashlib.sha256(f"{self._session_id}:{what!r}".encode()).hexdigest()

    # -- postings -------------------------------------------------------------------------

    def post(self, postings: list[Posting]) -> list[Posted]:
        refused = [p for p in postings if (p.key, p.revision) in self._refused]
        if refused:
            words = "; ".join(f"{p.key}: {self._refused[(p.key, p.revision)]}" for p in refused)
            raise ValidationConnectorError(words)
        chart = self._chart()
        bodies = {p.key: record(p, chart) for p in postings}  # refuses bad tracking up front
        by_collection: dict[str, list[Posting]] = {}
        for posting in postings:
            if posting.key not in self._landed or self._landed[posting.key][2] < posting.revision:
                by_collection.setdefault(collection_of(posting), []).append(posting)
        for collection, group in by_collection.items():
            self._write(collection, group, bodies)
        failed = [p for p in postings if (p.key, p.revision) in self._refused]
        if failed:
            words = "; ".join(f"{p.key}: {self._refused[(p.key, p.revision)]}" for p in failed)
            raise ValidationConnectorError(words)
        # A late older revision is answered with the newer one it found in place.
        return [Posted(p.key, *self._landed[p.key][1:]) for p in postings]

    def _write(self, collection: str, group: list[Posting], bodies: dict[str, Any]) -> None:
        found = self.api.find_keys(
            collection, [p.key for p in group if p.key not in self._landed and p.maybe_landed]
        )
        id_field = ID_FIELD[collection]
        for key, existing in found.items():
            self._landed[key] = (collection, str(existing[id_field]), 1)
        creates = [p for p in group if p.key not in self._landed]
        updates = [
            p for p in group if p.key in self._landed and self._landed[p.key][2] < p.revision
        ]
        if updates and collection == "BankTransfers":
            for posting in updates:
                if posting.revision > 1 and posting.key in found:
                    self._refused[(posting.key, posting.revision)] = (
                        "Xero cannot change a bank transfer; delete it in Xero, then resubmit."
                    )
            updates = []
        for method, batch in (("PUT", creates), ("POST", updates)):
            if not batch:
                continue
            payload = [
                bodies[p.key]
                if method == "PUT"
                else {**bodies[p.key], id_field: self._landed[p.key][1]}
                for p in batch
            ]
            answers = self.api.write(
                collection,
                payload,
                idempotency_key=self._idempotency_key([(p.key, p.revision) for p in batch]),
                method=method,
            )
            for posting, answer in zip(batch, answers, strict=False):
                problems = problems_of(answer)
                if problems or answer.get("StatusAttributeString") == "ERROR":
                    self._refused[(posting.key, posting.revision)] = "; ".join(problems) or (
                        "Xero refused it."
                    )
                else:
                    self._landed[posting.key] = (
                        collection,
                        str(answer[id_field]),
                        posting.revision,
                    )

    # -- attachments ----------------------------------------------------------------------

    def attach(self, key: str, document: Document) -> str:
        if self._attachment_limits is not None:
            content_type = checked_content_type(document, self._attachment_limits, "Xero")
        else:
            content_type = document.content_type
        collection, record_id = self._posted_record(key)
        name = attachment_name(document, content_type)
        for attachment in self.api.attachments(collection, record_id):
            if attachment.get("FileName") == name:
                return str(attachment.get("AttachmentID"))
        landed = self.api.attach(
            collection,
            record_id,
            name,
            document.path.read_bytes(),
            content_type,
            idempotency_key=self._idempotency_key(document.id),
        )
        return str(landed.get("AttachmentID") or f"{collection}/{record_id}/{name}")

    def _posted_record(self, key: str) -> tuple[str, str]:
        if key in self._landed:
            collection, record_id, _ = self._landed[key]
            if collection in ATTACHABLE:
                return collection, record_id
        for collection in ATTACHABLE:
            found = self.api.find_keys(collection, [key])
            if key in found:
                return collection, str(found[key][ID_FIELD[collection]])
        raise ValidationConnectorError(
            f"Nothing is posted to Xero under transaction {key} that can hold a receipt "
            "(Xero attaches them to bank transactions and bills); sync it first."
        )
