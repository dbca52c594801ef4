"""Beancount entries read as Codat records, and Codat records written as Beancount text."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

from beancount.core import data

from expense_sync.connectors.base import Record, ValidationConnectorError
from expense_sync.connectors.beancount.directives import custom, open_account

ROOT_TYPES = {
    "Assets": "Asset",
    "Liabilities": "Liability",
    "Equity": "Equity",
    "Income": "Income",
    "Expenses": "Expense",
}
TYPE_ROOTS = {value: key for key, value in ROOT_TYPES.items()}
CONTACT_KINDS = {
    "suppliers": ("supplier", "supplierName"),
    "customers": ("customer", "customerName"),
}
# Codat field -> Beancount metadata key, for suppliers and customers.
CONTACT_META = {
    "contactName": "contact-name",
    "emailAddress": "email",
    "phone": "phone",
    "registrationNumber": "registration-number",
    "taxNumber": "tax-number",
    "defaultCurrency": "currency",
    "status": "status",
}
BANK_META = {
    "institution": "institution",
    "accountNumber": "account-number",
    "sortCode": "sort-code",
    "iBan": "iban",
}
ACCOUNT_NAME = re.compile(r"(Assets|Liabilities|Equity|Income|Expenses)(:[A-Z0-9][A-Za-z0-9-]*)+")


def _meta(entry: Any, key: str) -> str | None:
    value = entry.meta.get(key)
    return None if value is None else str(value)


def account_record(entry: data.Open, closed: set[str], default_currency: str) -> Record:
    root = entry.account.split(":", 1)[0]
    return {
        "id": entry.account,
        "nominalCode": _meta(entry, "nominal-code"),
        "name": _meta(entry, "name") or entry.account.rsplit(":", 1)[-1],
        "description": _meta(entry, "description"),
        "fullyQualifiedCategory": entry.account.rsplit(":", 1)[0],
        "fullyQualifiedName": entry.account,
        "currency": (entry.currencies or [default_currency])[0],
        "type": ROOT_TYPES.get(root, "Unknown"),
        "status": "Archived" if entry.account in closed else "Active",
        "isBankAccount": "bank-account-type" in entry.meta,
        "validDatatypeLinks": [],
        "metadata": {"isDeleted": False},
    }


def bank_account_record(entry: data.Open, closed: set[str], default_currency: str) -> Record:
    return {
        "id": entry.account,
        "accountName": _meta(entry, "name") or entry.account.rsplit(":", 1)[-1],
        "accountType": _meta(entry, "bank-account-type"),
        "nominalCode": _meta(entry, "nominal-code"),
        **{field: _meta(entry, key) for field, key in BANK_META.items()},
        "currency": (entry.currencies or [default_currency])[0],
        "status": "Archived" if entry.account in closed else "Active",
        "metadata": {"isDeleted": False},
    }


def contact_record(entry: data.Custom, data_type: str) -> Record:
    _, name_field = CONTACT_KINDS[data_type]
    record: Record = {"id": str(entry.values[0].value), name_field: _meta(entry, "name")}
    record.update({field: _meta(entry, key) for field, key in CONTACT_META.items()})
    record["status"] = record["status"] or "Active"
    addresses = _meta(entry, "addresses")
    record["addresses"] = json.loads(addresses) if addresses else []
    record["metadata"] = {"isDeleted": False}
    return record


def tax_rate_record(entry: data.Custom) -> Record:
    rate = float(Decimal(_meta(entry, "rate") or "0"))
    return {
        "id": str(entry.values[0].value),
        "name": _meta(entry, "name") or str(entry.values[0].value),
        "code": str(entry.values[0].value),
        "effectiveTaxRate": rate,
        "totalTaxRate": rate,
        "validTransactionTypes": ["Payment", "Refund", "Reward", "Chargeback"],
    }


def tracking_record(entry: data.Custom, parents: set[str]) -> Record:
    record_id = str(entry.values[0].value)
    return {
        "id": record_id,
        "name": _meta(entry, "name") or record_id,
        "hasChildren": record_id in parents,
        "parentId": _meta(entry, "parent"),
    }


def contact_text(date: str, data_type: str, record_id: str, record: Record) -> str:
    kind, name_field = CONTACT_KINDS[data_type]
    meta: dict[str, str | None] = {"name": record.get(name_field)}
    meta.update({key: record.get(field) for field, key in CONTACT_META.items()})
    if record.get("addresses"):
        meta["addresses"] = json.dumps(record["addresses"], separators=(",", ":"))
    return custom(date, kind, record_id, meta)


def account_text(date: str, record: Record) -> tuple[str, str]:
    account = str(record.get("fullyQualifiedName") or "")
    if not ACCOUNT_NAME.fullmatch(account):
        raise ValidationConnectorError(
            "fullyQualifiedName must be a Beancount account such as Expenses:Travel:Flights "
            "(a root of Assets, Liabilities, Equity, Income or Expenses, then capitalised parts).",
            field="fullyQualifiedName",
        )
    expected_root = TYPE_ROOTS[str(record["type"])]
    if not account.startswith(expected_root + ":"):
        raise ValidationConnectorError(
            f"An account of type {record['type']} must sit under {expected_root}:, "
            f"not {account.split(':', 1)[0]}:.",
            field="type",
        )
    meta = {
        "name": record.get("name"),
        "nominal-code": record.get("nominalCode"),
        "description": record.get("description"),
    }
    return account, open_account(date, account, [str(record["currency"])], meta)


def bank_account_text(date: str, record: Record) -> tuple[str, str]:
    words = re.findall(r"[A-Za-z0-9]+", str(record.get("accountName") or ""))
    leaf = "".join(word[:1].upper() + word[1:] for word in words)
    if not leaf or not leaf[0].isalpha():
        raise ValidationConnectorError(
            "accountName must start with a letter so it can name a Beancount account.",
            field="accountName",
        )
    parent = "Assets:Bank" if record["accountType"] == "Debit" else "Liabilities:CreditCard"
    account = f"{parent}:{leaf}"
    meta: dict[str, str | None] = {
        "name": record.get("accountName"),
        "nominal-code": record.get("nominalCode"),
        "bank-account-type": record.get("accountType"),
    }
    meta.update({key: record.get(field) for field, key in BANK_META.items()})
    return account, open_account(date, account, [str(record["currency"])], meta)
