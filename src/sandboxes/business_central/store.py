"""What a Business Central company holds, and the business rules the sandbox keeps.

Records are kept whole (every property of the entity's page, see ``schemas``) with a
version for their ``@odata.etag``. Child collections (purchase invoice lines, journal
lines, dimension values, dimension set lines) are flat tables found by their parent's
id field, as BC exposes them both nested and by filter.
"""

from __future__ import annotations

import copy
import threading
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sandboxes.business_central import schemas

# Child collection -> the field naming its parent.
PARENT_FIELD = {
    "purchaseInvoiceLines": "documentId",
    "journalLines": "journalId",
    "dimensionValues": "dimensionId",
    "dimensionSetLines": "parentId",
}
# Collections the API lets a client create (v2.0 pages with a "Create" operation).
CREATABLE = {
    "vendors",
    "customers",
    "employees",
    "bankAccounts",
    "taxGroups",
    "journals",
    "journalLines",
    "purchaseInvoices",
    "purchaseInvoiceLines",
    "dimensionSetLines",
    "documentAttachments",
}
NUMBERED = {"vendors": "V", "customers": "C", "employees": "E", "bankAccounts": "B"}


class Refused(Exception):
    """A request BC refuses: its status, OData error code and message."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Company:
    company_id: str
    name: str
    tables: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    versions: dict[str, int] = field(default_factory=dict)
    contents: dict[str, bytes] = field(default_factory=dict)  # attachment id -> bytes
    counter: int = 1000
    lock: threading.RLock = field(default_factory=threading.RLock)

    def table(self, collection: str) -> dict[str, dict[str, Any]]:
        return self.tables.setdefault(collection, {})

    def etag(self, record_id: str) -> str:
        return f'W/"{self.versions.get(record_id, 1)}"'

    def with_etag(self, record: dict[str, Any]) -> dict[str, Any]:
        return {"@odata.etag": self.etag(record["id"]), **record}

    def find(self, collection: str, record_id: str) -> dict[str, Any]:
        record = self.table(collection).get(record_id.lower())
        if record is None:
            raise Refused(
                404,
                "BadRequest_NotFound",
                f"The {collection} entity with id {record_id} does not exist.",
            )
        return record

    def _next(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}{self.counter}"

    # -- writes -----------------------------------------------------------------------------

    def insert(
        self, collection: str, body: dict[str, Any], parent: str | None = None
    ) -> dict[str, Any]:
        if collection not in CREATABLE:
            raise Refused(
                405, "BadRequest_MethodNotAllowed", f"'POST' on {collection} is not allowed."
            )
        with self.lock:
            record = {**schemas.empty_record(collection), **body}
            record["id"] = str(uuid.uuid4())
            if parent is not None:
                record[PARENT_FIELD[collection]] = parent
            record = self._apply_rules(collection, record, None)
            self.table(collection)[record["id"]] = record
            self.versions[record["id"]] = 1
            self._touch_parent(collection, record)
            return record

    def update(
        self, collection: str, record_id: str, body: dict[str, Any], if_match: str | None
    ) -> dict[str, Any]:
        with self.lock:
            record = self.find(collection, record_id)
            self._check_etag(record_id, if_match)
            if collection == "purchaseInvoices" and record["status"] != "Draft":
                raise Refused(
                    400, "Internal_RecordNotFound", "A posted purchase invoice cannot be changed."
                )
            updated = self._apply_rules(collection, {**record, **body}, record)
            self.table(collection)[record["id"]] = updated
            self.versions[record["id"]] = self.versions.get(record["id"], 1) + 1
            self._touch_parent(collection, updated)
            return updated

    def delete(self, collection: str, record_id: str, if_match: str | None) -> None:
        with self.lock:
            record = self.find(collection, record_id)
            self._check_etag(record_id, if_match)
            if collection == "purchaseInvoices" and record["status"] != "Draft":
                raise Refused(
                    400,
                    "Application_DialogException",
                    "A posted purchase invoice cannot be deleted.",
                )
            del self.table(collection)[record["id"]]
            for child, parent_field in PARENT_FIELD.items():  # BC deletes what hangs on it
                for found in list(self.table(child).values()):
                    if found[parent_field] == record["id"]:
                        del self.table(child)[found["id"]]

    def _check_etag(self, record_id: str, if_match: str | None) -> None:
        if if_match is None:
            raise Refused(
                428,
                "Application_PreconditionRequired",
                "An If-Match header is required to change a record.",
            )
        if if_match != "*" and if_match != self.etag(record_id.lower()):
            raise Refused(
                412,
                "Request_EntityChanged",
                "Another user has already changed the record.",
            )

    def set_content(self, record_id: str, content: bytes, if_match: str | None) -> None:
        with self.lock:
            record = self.find("documentAttachments", record_id)
            self._check_etag(record["id"], if_match)
            self.contents[record["id"]] = content
            record["byteSize"] = len(content)
            self.versions[record["id"]] = self.versions.get(record["id"], 1) + 1

    def post_invoice(self, record_id: str) -> None:
        """``Microsoft.NAV.post``: a draft with lines and a vendor invoice number becomes
        an open, posted invoice (BC keeps its id; it can no longer be changed)."""
        with self.lock:
            invoice = self.find("purchaseInvoices", record_id)
            if invoice["status"] != "Draft":
                raise Refused(
                    400, "Application_DialogException", "The purchase invoice is already posted."
                )
            if not invoice["vendorInvoiceNumber"]:
                raise Refused(
                    400,
                    "Application_DialogException",
                    "Vendor Invoice No. must have a value in Purchase Header: "
                    "Document Type=Invoice.",
                )
            if not self.children("purchaseInvoiceLines", invoice["id"]):
                raise Refused(400, "Application_DialogException", "There is nothing to post.")
            invoice["status"] = "Open"
            invoice["number"] = self._next("PPI")
            invoice["lastModifiedDateTime"] = now()
            self.versions[invoice["id"]] = self.versions.get(invoice["id"], 1) + 1

    def snapshot(self) -> tuple[Any, ...]:
        """Everything the company holds, to put back if an atomic batch fails."""
        return copy.deepcopy((self.tables, self.versions, self.contents, self.counter))

    def restore(self, saved: tuple[Any, ...]) -> None:
        self.tables, self.versions, self.contents, self.counter = saved

    def children(self, collection: str, parent: str) -> list[dict[str, Any]]:
        key = PARENT_FIELD[collection]
        return [r for r in self.table(collection).values() if r[key] == parent]

    # -- business rules ------------------------------------------------------------------------

    def _apply_rules(
        self, collection: str, record: dict[str, Any], old: dict[str, Any] | None
    ) -> dict[str, Any]:
        if "lastModifiedDateTime" in record:
            record["lastModifiedDateTime"] = now()
        if collection in NUMBERED:
            if not record["number"]:
                record["number"] = self._next(NUMBERED[collection])
            taken = {
                r["number"] for r in self.table(collection).values() if r["id"] != record["id"]
            }
            if record["number"] in taken:
                raise Refused(
                    400,
                    "Internal_EntityWithSameKeyExists",
                    f"The record in table {collection} already exists. Identification fields and "
                    f"values: No.='{record['number']}'",
                )
        rule = getattr(self, f"_rule_{collection}", None)
        if rule is not None:
            rule(record, old)
        return record

    def _account_ref(
        self, record: dict[str, Any], kind_field: str, id_field: str, number_field: str
    ) -> None:
        kind = record[kind_field] or "G/L Account"
        collection = {"G/L Account": "accounts", "Bank Account": "bankAccounts"}.get(kind)
        if collection is None:
            raise Refused(400, "BadRequest", f"The sandbox does not post to account type {kind}.")
        if record[id_field] == schemas.EMPTY_GUID and not record[number_field]:
            return
        found = (
            self.table(collection).get(record[id_field].lower())
            if record[id_field] != schemas.EMPTY_GUID
            else next(
                (r for r in self.table(collection).values() if r["number"] == record[number_field]),
                None,
            )
        )
        if found is None:
            raise Refused(
                400,
                "Internal_RecordNotFound",
                f"The {kind} does not exist. Identification fields and values: "
                f"{id_field}='{record[id_field]}'",
            )
        if found["blocked"]:
            raise Refused(
                400,
                "Application_DialogException",
                f"Blocked must be equal to 'No' in {kind}: No.={found['number']}.",
            )
        record[kind_field], record[id_field], record[number_field] = (
            kind,
            found["id"],
            found["number"],
        )

    def _rule_journals(self, record: dict[str, Any], old: dict[str, Any] | None) -> None:
        taken = {r["code"] for r in self.table("journals").values() if r["id"] != record["id"]}
        if not record["code"] or record["code"] in taken:
            raise Refused(
                400,
                "Internal_EntityWithSameKeyExists",
                f"The record in table Gen. Journal Batch already exists. Identification "
                f"fields and values: Name='{record['code']}'",
            )

    def _rule_journalLines(self, record: dict[str, Any], old: dict[str, Any] | None) -> None:
        journal = self.find("journals", record["journalId"])
        record["journalDisplayName"] = journal["code"]
        self._account_ref(record, "accountType", "accountId", "accountNumber")
        self._account_ref(
            record, "balanceAccountType", "balancingAccountId", "balancingAccountNumber"
        )
        if old is None and not record["lineNumber"]:
            lines = self.children("journalLines", journal["id"])
            record["lineNumber"] = max((r["lineNumber"] for r in lines), default=0) + 10000
        self._tax_code(record)

    def _tax_code(self, record: dict[str, Any]) -> None:
        if record["taxCode"] and record["taxCode"] not in {
            t["code"] for t in self.table("taxGroups").values()
        }:
            raise Refused(
                400,
                "Internal_RecordNotFound",
                f"The Tax Group does not exist. Identification fields and values: "
                f"Code='{record['taxCode']}'",
            )

    def _rule_purchaseInvoices(self, record: dict[str, Any], old: dict[str, Any] | None) -> None:
        vendor = self.table("vendors").get(record["vendorId"].lower())
        if vendor is None and record["vendorId"] == schemas.EMPTY_GUID:
            vendor = next(
                (
                    v
                    for v in self.table("vendors").values()
                    if v["number"] == record["vendorNumber"]
                ),
                None,
            )
        if vendor is None:
            raise Refused(
                400,
                "Internal_RecordNotFound",
                "The Vendor does not exist. Identification fields and values: "
                f"Id='{record['vendorId']}'",
            )
        record["vendorId"], record["vendorNumber"], record["vendorName"] = (
            vendor["id"],
            vendor["number"],
            vendor["displayName"],
        )
        record["payToVendorId"], record["payToVendorNumber"], record["payToName"] = (
            vendor["id"],
            vendor["number"],
            vendor["displayName"],
        )
        if old is None:
            record["number"], record["status"] = self._next("PI"), "Draft"
            if record["postingDate"] == "0001-01-01":
                record["postingDate"] = record["invoiceDate"]
            if record["dueDate"] == "0001-01-01":
                record["dueDate"] = record["invoiceDate"]
        taken = {
            r["vendorInvoiceNumber"]
            for r in self.table("purchaseInvoices").values()
            if r["id"] != record["id"]
            and r["vendorId"] == vendor["id"]
            and r["vendorInvoiceNumber"]
        }
        if record["vendorInvoiceNumber"] in taken:
            raise Refused(
                400,
                "Application_DialogException",
                f"Purchase Invoice {record['vendorInvoiceNumber']} already exists for this vendor.",
            )

    def _rule_purchaseInvoiceLines(
        self, record: dict[str, Any], old: dict[str, Any] | None
    ) -> None:
        invoice = self.find("purchaseInvoices", record["documentId"])
        if invoice["status"] != "Draft":
            raise Refused(
                400, "Application_DialogException", "A posted purchase invoice cannot be changed."
            )
        record["lineType"] = record["lineType"] or "Account"
        if record["lineType"] == "Account":
            account = (
                self.find("accounts", record["accountId"])
                if record["accountId"] != schemas.EMPTY_GUID
                else None
            )
            if account is None:
                raise Refused(400, "Internal_RecordNotFound", "The G/L Account does not exist.")
            record["lineObjectNumber"] = account["number"]
        if old is None and not record["sequence"]:
            record["sequence"] = 10000 * (
                len(self.children("purchaseInvoiceLines", invoice["id"])) + 1
            )
        self._tax_code(record)
        net = Decimal(str(record["unitCost"])) * Decimal(str(record["quantity"]))
        record["amountExcludingTax"] = record["netAmount"] = float(net)
        record["amountIncludingTax"] = record["netAmountIncludingTax"] = float(
            net + Decimal(str(record["totalTaxAmount"]))
        )

    def _touch_parent(self, collection: str, record: dict[str, Any]) -> None:
        if collection != "purchaseInvoiceLines":
            return
        invoice = self.find("purchaseInvoices", record["documentId"])
        lines = self.children("purchaseInvoiceLines", invoice["id"])
        invoice["totalAmountExcludingTax"] = float(
            sum(Decimal(str(r["amountExcludingTax"])) for r in lines)
        )
        invoice["totalAmountIncludingTax"] = float(
            sum(Decimal(str(r["amountIncludingTax"])) for r in lines)
        )

    def _rule_dimensionSetLines(self, record: dict[str, Any], old: dict[str, Any] | None) -> None:
        dimension = next(
            (d for d in self.table("dimensions").values() if d["code"] == record["code"]), None
        )
        if dimension is None:
            raise Refused(
                400,
                "Internal_RecordNotFound",
                f"The Dimension does not exist. Identification fields and values: "
                f"Code='{record['code']}'",
            )
        values = self.children("dimensionValues", dimension["id"])
        value = next(
            (
                v
                for v in values
                if v["id"] == record["valueId"]
                or (v["code"] == record["valueCode"] and record["valueCode"])
            ),
            None,
        )
        if value is None:
            raise Refused(
                400,
                "Internal_RecordNotFound",
                f"The Dimension Value does not exist for dimension {record['code']}.",
            )
        taken = [
            r
            for r in self.children("dimensionSetLines", record["parentId"])
            if r["code"] == record["code"] and r["id"] != record["id"]
        ]
        if taken and old is None:
            raise Refused(
                400,
                "Internal_EntityWithSameKeyExists",
                f"Dimension {record['code']} is already set on this record.",
            )
        # BC gives a set line the dimension's id; kept unique here, as the table's key.
        record["displayName"] = dimension["displayName"]
        record["valueId"], record["valueCode"], record["valueDisplayName"] = (
            value["id"],
            value["code"],
            value["displayName"],
        )

    def _rule_documentAttachments(self, record: dict[str, Any], old: dict[str, Any] | None) -> None:
        parent = {"Purchase Invoice": "purchaseInvoices", "Journal": "journalLines"}.get(
            record["parentType"]
        )
        if parent is None:
            raise Refused(
                400,
                "BadRequest",
                f"parentType '{record['parentType']}' is not one the sandbox holds.",
            )
        self.find(parent, record["parentId"])
        if not record["fileName"]:
            raise Refused(400, "BadRequest", "fileName must have a value.")
        if old is None:
            record["lineNumber"] = len(self.table("documentAttachments")) + 1
