"""Codat records pushed to Xero: accounts and bank accounts (``PUT /Accounts``, one
per call as Xero takes them) and suppliers and customers (``PUT /Contacts``, a batch).

A retried push must not create twice, and Xero refuses a second account with the same
code or a second contact with the same name anyway, so each create first looks for what
an earlier try left: accounts by ``Code``, contacts by ``Name``.
"""

from __future__ import annotations

from typing import Any

from expense_sync.connectors.base import Record, ValidationConnectorError
from expense_sync.connectors.base.records import typed_categories

ACCOUNT_TYPE = {
    "Expense": "EXPENSE",
    "Income": "REVENUE",
    "Asset": "CURRENT",
    "Liability": "CURRLIAB",
    "Equity": "EQUITY",
}
# Xero's account types by the class (Codat's type) they belong to, from the AccountType
# enum of Xero's accounting OpenAPI. ``Expense.OVERHEADS`` in fullyQualifiedCategory picks
# one; the type alone takes ACCOUNT_TYPE's.
XERO_TYPES = {
    "Asset": ("CURRENT", "FIXED", "INVENTORY", "NONCURRENT", "PREPAYMENT"),
    "Equity": ("EQUITY",),
    "Expense": ("DEPRECIATN", "DIRECTCOSTS", "EXPENSE", "OVERHEADS"),
    "Liability": ("CURRLIAB", "LIABILITY", "TERMLIAB"),
    "Income": ("OTHERINCOME", "REVENUE", "SALES"),
}
CATEGORIES = typed_categories(XERO_TYPES)
ADDRESS_TYPE = {"Billing": "POBOX", "Delivery": "STREET", "Unknown": "POBOX"}


def account(record: Record) -> dict[str, Any]:
    code = record.get("nominalCode")
    if not code:
        raise ValidationConnectorError(
            "Xero needs a nominalCode (its account Code, up to 10 characters) for an account.",
            field="nominalCode",
        )
    name = record.get("name") or str(record.get("fullyQualifiedName") or "").split(".")[-1]
    category = str(record.get("fullyQualifiedCategory") or record["type"])
    kind, _, xero_type = category.partition(".")
    return _drop_none(
        {
            "Code": str(code)[:10],
            "Name": name,
            "Type": xero_type or ACCOUNT_TYPE[kind],
            "Description": record.get("description"),
        }
    )


def bank_account(record: Record) -> dict[str, Any]:
    number = record.get("accountNumber") or record.get("iBan")
    if not number:
        raise ValidationConnectorError(
            "Xero needs the bank account's accountNumber (or iBan).", field="accountNumber"
        )
    return _drop_none(
        {
            "Code": record.get("nominalCode"),
            "Name": record["accountName"],
            "Type": "BANK",
            "BankAccountType": "CREDITCARD" if record.get("accountType") == "Credit" else "BANK",
            "BankAccountNumber": str(number),
            "CurrencyCode": record.get("currency"),
        }
    )


def contact(record: Record, name_field: str, *, replace: bool = False) -> dict[str, Any]:
    """A contact's fields; with ``replace`` (an update), those left out are sent empty,
    since Xero keeps what an update leaves out."""
    first, _, last = str(record.get("contactName") or "").partition(" ")
    body = _drop_none(
        {
            "Name": record[name_field],
            "FirstName": first or None,
            "LastName": last or None,
            "EmailAddress": record.get("emailAddress"),
            "CompanyNumber": record.get("registrationNumber"),
            "TaxNumber": record.get("taxNumber"),
            "DefaultCurrency": record.get("defaultCurrency"),
            "ContactStatus": "ARCHIVED" if record.get("status") == "Archived" else None,
            "IsSupplier": True if name_field == "supplierName" else None,
            "IsCustomer": True if name_field == "customerName" else None,
            "Phones": (
                [{"PhoneType": "DEFAULT", "PhoneNumber": record["phone"]}]
                if record.get("phone")
                else None
            ),
            "Addresses": [
                _drop_none(
                    {
                        "AddressType": ADDRESS_TYPE.get(str(address.get("type")), "POBOX"),
                        "AddressLine1": address.get("line1"),
                        "AddressLine2": address.get("line2"),
                        "City": address.get("city"),
                        "Region": address.get("region"),
                        "Country": address.get("country"),
                        "PostalCode": address.get("postalCode"),
                    }
                )
                for address in record.get("addresses") or []
            ]
            or None,
        }
    )
    if replace:
        cleared = {
            "FirstName": "",
            "LastName": "",
            "EmailAddress": "",
            "CompanyNumber": "",
            "TaxNumber": "",
            "Phones": [{"PhoneType": "DEFAULT", "PhoneNumber": ""}],
            "ContactStatus": "ACTIVE",
        }
        body = {**cleared, **body}
    return body


def _drop_none(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None}
