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
CATEGORY_PATTERN = r"(Asset|Liability|Equity|Income|Expense)(\.[A-Z0-9][A-Za-z0-9-]*)*"
DOTTED_NAME = re.compile(r"(Asset|Liability|Equity|Income|Expense)(\.[A-Z0-9][A-Za-z0-9-]*)+")


def dotted(account: str) -> str:
    """A Beancount account (or group) in Codat's category notation:
    ``Expenses:Travel`` is ``Expense.Travel``."""
    root, *parts = account.split(":")
    return ".".join([ROOT_TYPES.get(root, root), *parts])


def undotted(category: str) -> str:
    """Codat's notation back to Beancount's: ``Expense.Travel`` is ``Expenses:Travel``."""
    kind, *parts = category.split(".")
    return ":".join([TYPE_ROOTS.get(kind, kind), *parts])


def ledger_categories(accounts: list[Record]) -> list[str]:
    """The categories a new account can take, from the ledger's accounts as read: the
    five types, and every open account and group (Beancount nests an account under any
    other), e.g. ``Expense.Travel`` for ``Expenses:Travel``."""
    found = set(TYPE_ROOTS)
    for account in accounts:
        name = str(account.get("fullyQualifiedName") or "")
        if account.get("status") == "Active" and ACCOUNT_NAME.fullmatch(name):
            parts = name.split(":")
            found.update(dotted(":".join(parts[:end])) for end in range(2, len(parts) + 1))
    return sorted(found)


def _leaf(text: str) -> str:
    """A Beancount account part from free text: ``Rail travel`` is ``RailTravel``."""
    words = re.findall(r"[A-Za-z0-9]+", text)
    return "".join(word[:1].upper() + word[1:] for word in words)


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
        "fullyQualifiedCategory": dotted(entry.account.rsplit(":", 1)[0]),
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


def account_name(record: Record) -> str:
    """The Beancount account a pushed account opens: its ``fullyQualifiedName`` (in
    Beancount's notation or Codat's dotted one), else its ``fullyQualifiedCategory`` (or
    bare ``type``) with ``name`` as the last part."""
    given = str(record.get("fullyQualifiedName") or "")
    category = str(record.get("fullyQualifiedCategory") or "")
    if given:
        account = undotted(given) if DOTTED_NAME.fullmatch(given) else given
        if not ACCOUNT_NAME.fullmatch(account):
            raise ValidationConnectorError(
                "fullyQualifiedName must be a Beancount account such as Expenses:Travel:Flights "
                "(a root of Assets, Liabilities, Equity, Income or Expenses, then capitalised "
                "parts), or be left out to derive it from fullyQualifiedCategory and name.",
                field="fullyQualifiedName",
            )
        if category and account.rsplit(":", 1)[0] != undotted(category):
            raise ValidationConnectorError(
                f"fullyQualifiedName {given} is not in fullyQualifiedCategory {category} "
                f"(it is in {dotted(account.rsplit(':', 1)[0])}); make them agree, or send "
                "only one.",
                field="fullyQualifiedCategory",
            )
        return account
    leaf = _leaf(str(record.get("name") or ""))
    if not leaf:
        raise ValidationConnectorError(
            "name is needed to name the account (its last part, e.g. Flights), unless "
            "fullyQualifiedName gives the whole account.",
            field="name",
        )
    account = f"{undotted(category or str(record.get('type') or ''))}:{leaf}"
    if not ACCOUNT_NAME.fullmatch(account):
        raise ValidationConnectorError(
            f"name {record.get('name')!r} cannot end a Beancount account ({account}): "
            "start it with a letter or a digit.",
            field="name",
        )
    return account


def account_text(date: str, record: Record, default_currency: str) -> tuple[str, str]:
    account = account_name(record)
    kind = record.get("type") or ROOT_TYPES.get(account.split(":", 1)[0])
    expected_root = TYPE_ROOTS[str(kind)]
    if not account.startswith(expected_root + ":"):
        raise ValidationConnectorError(
            f"An account of type {kind} must sit under {expected_root}:, "
            f"not {account.split(':', 1)[0]}:.",
            field="type",
        )
    meta = {
        "name": record.get("name"),
        "nominal-code": record.get("nominalCode"),
        "description": record.get("description"),
    }
    currency = str(record.get("currency") or default_currency)
    return account, open_account(date, account, [currency], meta)


def bank_account_text(date: str, record: Record) -> tuple[str, str]:
    leaf = _leaf(str(record.get("accountName") or ""))
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
