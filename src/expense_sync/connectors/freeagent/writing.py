"""Codat records pushed to FreeAgent, one per call (FreeAgent has no batch writes):
categories (``POST /v2/categories``: Codat's accounts), bank accounts, and contacts
(suppliers and customers share FreeAgent's one contact list).

Every record is checked against the books first, so a batch FreeAgent would refuse in
part (a nominal code, a bank account name or a contact name already taken) writes
nothing; with a ``key`` (a retried push), what an earlier try left is returned instead.
"""

from __future__ import annotations

from typing import Any

from expense_sync.connectors.base import Record, ValidationConnectorError
from expense_sync.connectors.freeagent import reading
from expense_sync.connectors.freeagent.api import FreeAgentApi, record_id

# Codat's account type -> the group a FreeAgent category is created in.
CATEGORY_GROUP = {
    "Expense": "admin_expenses",
    "Income": "income",
    "Asset": "current_assets",
    "Liability": "liabilities",
    "Equity": "equities",
}
NAME_FIELD = {"suppliers": "supplierName", "customers": "customerName"}


def category(record: Record) -> dict[str, Any]:
    code = str(record.get("nominalCode") or "")
    if not (len(code) == 3 and code.isdigit()):
        raise ValidationConnectorError(
            "FreeAgent names a category by a three-digit nominalCode (e.g. 290).",
            field="nominalCode",
        )
    kind = str(record.get("type") or record.get("fullyQualifiedCategory") or "").split(".")[0]
    if kind not in CATEGORY_GROUP:
        raise ValidationConnectorError(
            f"type must be one of {', '.join(CATEGORY_GROUP)} for a FreeAgent category.",
            field="type",
        )
    return {
        "description": str(
            record.get("name") or str(record.get("fullyQualifiedName") or code).split(".")[-1]
        ),
        "nominal_code": code,
        "category_group": CATEGORY_GROUP[kind],
    }


def bank_account(record: Record) -> dict[str, Any]:
    body = {
        "name": record["accountName"],
        "type": "CreditCardAccount"
        if record.get("accountType") == "Credit"
        else "StandardBankAccount",
        "currency": record.get("currency"),
        "account_number": record.get("accountNumber"),
        "sort_code": record.get("sortCode"),
        "iban": record.get("iBan"),
        "bank_name": record.get("institution"),
        "opening_balance": "0.0",
    }
    return {k: v for k, v in body.items() if v is not None}


def contact(record: Record, name_field: str) -> dict[str, Any]:
    first, _, last = str(record.get("contactName") or "").partition(" ")
    addresses: list[dict[str, Any]] = record.get("addresses") or []
    address = addresses[0] if addresses else {}
    body = {
        "organisation_name": record[name_field],
        "first_name": first or None,
        "last_name": last or None,
        "email": record.get("emailAddress"),
        "phone_number": record.get("phone"),
        "address1": address.get("line1"),
        "address2": address.get("line2"),
        "town": address.get("city"),
        "region": address.get("region"),
        "postcode": address.get("postalCode"),
        "country": address.get("country"),
        "sales_tax_registration_number": record.get("taxNumber"),
        "status": "Hidden" if record.get("status") == "Archived" else "Active",
    }
    return {k: v for k, v in body.items() if v is not None}


class PushMixin:
    """``create`` and ``update`` of the FreeAgent session."""

    api: FreeAgentApi
    _cache: dict[str, Any]

    def read(self, data_type: str) -> list[Record]:
        raise NotImplementedError

    def _contacts(self) -> list[dict[str, Any]]:
        raise NotImplementedError

    def _banks(self) -> list[dict[str, Any]]:
        raise NotImplementedError

    def create(
        self, data_type: str, records: list[Record], *, key: str | None = None
    ) -> list[Record]:
        if data_type == "chartOfAccounts":
            ids = self._create_categories(records, key)
            self._cache.pop("categories", None)
        elif data_type == "bankAccounts":
            ids = self._create_banks(records, key)
            self._cache.pop("bank_accounts", None)
        elif data_type in NAME_FIELD:
            ids = self._create_contacts(data_type, records, key)
            self._cache.pop("contacts", None)
        else:
            raise ValidationConnectorError(f"FreeAgent cannot create {data_type}.")
        stored = {r["id"]: r for r in self.read(data_type)}
        return [stored[i] for i in ids]

    def _create_categories(self, records: list[Record], key: str | None) -> list[str]:
        bodies = [category(r) for r in records]
        taken = {
            str(item["nominal_code"]): str(item.get("description"))
            for items in self.api.get("categories").values()
            for item in items
        }
        codes = [b["nominal_code"] for b in bodies]
        if len(codes) != len(set(codes)):
            raise ValidationConnectorError("Two accounts share a nominalCode.", field="nominalCode")
        for body in bodies:
            code = body["nominal_code"]
            same = taken.get(code) == body["description"]
            if code in taken and not (key is not None and same):
                raise ValidationConnectorError(
                    f"FreeAgent already has category {code} ({taken[code]}); choose another "
                    "nominalCode.",
                    field="nominalCode",
                )
        for body in bodies:
            if body["nominal_code"] not in taken:
                self.api.create("categories", "category", body)
        return codes

    def _create_banks(self, records: list[Record], key: str | None) -> list[str]:
        bodies = [bank_account(r) for r in records]
        by_name = {str(b["name"]).lower(): record_id(str(b["url"])) for b in self._banks()}
        names = [str(b["name"]).lower() for b in bodies]
        if len(names) != len(set(names)):
            raise ValidationConnectorError("Two bank accounts share a name.", field="accountName")
        if key is None and any(name in by_name for name in names):
            raise ValidationConnectorError(
                "FreeAgent already has a bank account of that name.", field="accountName"
            )
        for body, name in zip(bodies, names, strict=True):
            if name not in by_name:
                created = self.api.create("bank_accounts", "bank_account", body)
                by_name[name] = record_id(str(created["url"]))
        return [by_name[name] for name in names]

    def _create_contacts(self, data_type: str, records: list[Record], key: str | None) -> list[str]:
        bodies = [contact(r, NAME_FIELD[data_type]) for r in records]
        by_name = {
            reading.contact_name(c).lower(): record_id(str(c["url"])) for c in self._contacts()
        }
        names = [str(b["organisation_name"]).lower() for b in bodies]
        if len(names) != len(set(names)):
            raise ValidationConnectorError("Two records share a name.", field=data_type)
        if key is None and any(name in by_name for name in names):
            raise ValidationConnectorError(
                "FreeAgent already has a contact of that name; choose another name.",
                field=NAME_FIELD[data_type],
            )
        for body, name in zip(bodies, names, strict=True):
            if name not in by_name:
                created = self.api.create("contacts", "contact", body)
                by_name[name] = record_id(str(created["url"]))
        return [by_name[name] for name in names]

    def update(self, data_type: str, record_id_: str, record: Record) -> Record:
        """Replace a supplier's or customer's fields (those left out are cleared)."""
        if data_type not in NAME_FIELD:
            raise ValidationConnectorError(f"FreeAgent connector does not update {data_type}.")
        known = {record_id(str(c["url"])) for c in self._contacts()}
        if record_id_ not in known:
            raise ValidationConnectorError(f"No {data_type[:-1]} {record_id_} in FreeAgent.")
        cleared = dict.fromkeys(
            (
                "first_name",
                "last_name",
                "email",
                "phone_number",
                "address1",
                "address2",
                "town",
                "region",
                "postcode",
                "country",
                "sales_tax_registration_number",
            ),
            "",
        )
        body = {**cleared, **contact(record, NAME_FIELD[data_type])}
        self.api.update("contacts", "contact", record_id_, body)
        self._cache.pop("contacts", None)
        stored = {r["id"]: r for r in self.read(data_type)}
        return stored[record_id_]
