"""Codat records pushed to QuickBooks Online: accounts and bank accounts as ``Account``,
suppliers as ``Vendor``, customers as ``Customer``.

QuickBooks keeps an account's ``Name`` unique, and a ``DisplayName`` unique across
vendors, customers and employees, so a retried push finds what an earlier try left by
that name instead of writing again.
"""

from __future__ import annotations

from typing import Any

from expense_sync.connectors.base import Record, ValidationConnectorError
from expense_sync.connectors.base.records import typed_categories

# Codat's account type -> QuickBooks' AccountType (its Classification follows from it).
ACCOUNT_TYPE = {
    "Expense": "Expense",
    "Income": "Income",
    "Asset": "Other Current Asset",
    "Liability": "Other Current Liability",
    "Equity": "Equity",
}
# QuickBooks' AccountType values (Intuit's AccountTypeEnum) under each Codat type, for
# fullyQualifiedCategory (``Expense.Other Expense``); bank and card accounts go through
# bankAccounts. The type alone takes ACCOUNT_TYPE's.
QUICKBOOKS_TYPES = {
    "Asset": ("Other Current Asset", "Fixed Asset", "Other Asset"),
    "Equity": ("Equity",),
    "Expense": ("Expense", "Other Expense", "Cost of Goods Sold"),
    "Liability": ("Other Current Liability", "Long Term Liability"),
    "Income": ("Income", "Other Income"),
}
CATEGORIES = typed_categories(QUICKBOOKS_TYPES)
NAME_MAX = 100  # QuickBooks' Account.Name and DisplayName
ACCOUNT_NUMBER_MAX = 7  # QuickBooks' AcctNum in most regions


def _name(value: Any, field: str) -> str:
    name = str(value or "").strip()
    if not name:
        raise ValidationConnectorError(f"QuickBooks needs a {field}.", field=field)
    if len(name) > NAME_MAX or ":" in name or '"' in name:
        raise ValidationConnectorError(
            f"{field} must be at most {NAME_MAX} characters without ':' or '\"' in QuickBooks.",
            field=field,
        )
    return name


def _currency(record: Record) -> dict[str, Any]:
    currency = record.get("currency") or record.get("defaultCurrency")
    return {"CurrencyRef": {"value": str(currency)}} if currency else {}


def _number(record: Record) -> dict[str, Any]:
    code = record.get("nominalCode")
    if not code:
        return {}
    if len(str(code)) > ACCOUNT_NUMBER_MAX:
        raise ValidationConnectorError(
            f"QuickBooks keeps account numbers to {ACCOUNT_NUMBER_MAX} characters.",
            field="nominalCode",
        )
    return {"AcctNum": str(code)}


def account(record: Record) -> dict[str, Any]:
    category = str(record.get("fullyQualifiedCategory") or record.get("type") or "")
    kind, _, quickbooks_type = category.partition(".")
    if kind not in ACCOUNT_TYPE:
        raise ValidationConnectorError(
            f"QuickBooks takes accounts of type {', '.join(ACCOUNT_TYPE)}.", field="type"
        )
    given = record.get("name") or str(record.get("fullyQualifiedName") or "").split(".")[-1]
    name = _name(given, "name")
    body: dict[str, Any] = {"Name": name, **_number(record)}
    if record.get("description"):
        body["Description"] = str(record["description"])[:100]
    return body | {"AccountType": quickbooks_type or ACCOUNT_TYPE[kind]} | _currency(record)


def bank_account(record: Record) -> dict[str, Any]:
    name = _name(record.get("accountName"), "accountName")
    kind = "Credit Card" if record.get("accountType") == "Credit" else "Bank"
    return {"Name": name, **_number(record), "AccountType": kind} | _currency(record)


def contact(record: Record, name_field: str) -> dict[str, Any]:
    """A Vendor's or Customer's fields (the same names in both)."""
    name = _name(record.get(name_field), name_field)
    first, _, last = str(record.get("contactName") or "").partition(" ")
    body: dict[str, Any] = {}
    if first:
        body["GivenName"] = first[:100]
    if last:
        body["FamilyName"] = last[:100]
    body["DisplayName"] = name
    if record.get("phone"):
        body["PrimaryPhone"] = {"FreeFormNumber": str(record["phone"])[:30]}
    if record.get("emailAddress"):
        body["PrimaryEmailAddr"] = {"Address": str(record["emailAddress"])}
    addresses = record.get("addresses") or []
    if addresses:
        address = addresses[0]
        body["BillAddr"] = {
            k: v
            for k, v in {
                "Line1": address.get("line1"),
                "Line2": address.get("line2"),
                "City": address.get("city"),
                "Country": address.get("country"),
                "CountrySubDivisionCode": address.get("region"),
                "PostalCode": address.get("postalCode"),
            }.items()
            if v
        }
    body["Active"] = record.get("status") != "Archived"
    return body | _currency(record)
