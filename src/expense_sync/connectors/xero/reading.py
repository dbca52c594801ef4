"""Xero's records in Codat's shapes (the shapes Codat's own Xero integration gives).

Ids are Xero's: ``AccountID`` for accounts and bank accounts (a bank account is an
account whose ``Type`` is ``BANK``, so one id serves both lists), ``ContactID`` for
suppliers and customers (Xero keeps one contact list, so each contact is in both),
``TaxType`` for tax rates, and for tracking the category's ``TrackingCategoryID`` with
its options as children (``parentId``), an option's ``TrackingOptionID`` being what a
transaction's ``trackingRefs`` name.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from expense_sync.connectors.base import Record
from expense_sync.connectors.xero.api import xero_date

# Xero's account Class -> Codat's account type.
ACCOUNT_CLASS = {
    "ASSET": "Asset",
    "EQUITY": "Equity",
    "EXPENSE": "Expense",
    "LIABILITY": "Liability",
    "REVENUE": "Income",
}
ADDRESS_TYPE = {"POBOX": "Billing", "STREET": "Delivery", "DELIVERY": "Delivery"}


def _status(value: Any) -> str:
    return "Archived" if value in ("ARCHIVED", "DELETED") else "Active"


def account(item: dict[str, Any], base_currency: str | None) -> Record:
    kind = ACCOUNT_CLASS.get(str(item.get("Class") or ""), "Unknown")
    name = str(item.get("Name") or "")
    return {
        "id": str(item["AccountID"]),
        "nominalCode": item.get("Code"),
        "name": name,
        "description": item.get("Description"),
        "fullyQualifiedCategory": f"{kind}.{item.get('Type') or ''}".rstrip("."),
        "fullyQualifiedName": f"{kind}.{name}",
        "currency": item.get("CurrencyCode") or base_currency,
        "type": kind,
        "status": _status(item.get("Status")),
        "isBankAccount": item.get("Type") == "BANK",
        "modifiedDate": xero_date(item.get("UpdatedDateUTC")),
        "sourceModifiedDate": xero_date(item.get("UpdatedDateUTC")),
        "validDatatypeLinks": [],
    }


def bank_account(item: dict[str, Any], base_currency: str | None) -> Record:
    return {
        "id": str(item["AccountID"]),
        "accountName": item.get("Name"),
        "accountType": "Credit" if item.get("BankAccountType") == "CREDITCARD" else "Debit",
        "nominalCode": item.get("Code"),
        "accountNumber": item.get("BankAccountNumber"),
        "currency": item.get("CurrencyCode") or base_currency,
        "status": _status(item.get("Status")),
        "modifiedDate": xero_date(item.get("UpdatedDateUTC")),
        "sourceModifiedDate": xero_date(item.get("UpdatedDateUTC")),
    }


def _addresses(item: dict[str, Any]) -> list[dict[str, Any]]:
    found = []
    for address in item.get("Addresses") or []:
        if not any(address.get(k) for k in ("AddressLine1", "City", "PostalCode", "Country")):
            continue  # Xero lists an empty address of each type
        found.append(
            {
                "type": ADDRESS_TYPE.get(str(address.get("AddressType")), "Unknown"),
                "line1": address.get("AddressLine1"),
                "line2": address.get("AddressLine2"),
                "city": address.get("City"),
                "region": address.get("Region"),
                "country": address.get("Country"),
                "postalCode": address.get("PostalCode"),
            }
        )
    return found


def _phone(item: dict[str, Any]) -> str | None:
    for phone in item.get("Phones") or []:
        number = " ".join(
            str(phone[k])
            for k in ("PhoneCountryCode", "PhoneAreaCode", "PhoneNumber")
            if phone.get(k)
        )
        if number:
            return number
    return None


def contact(item: dict[str, Any], name_field: str) -> Record:
    person = " ".join(str(item[k]) for k in ("FirstName", "LastName") if item.get(k)) or None
    return {
        "id": str(item["ContactID"]),
        name_field: item.get("Name"),
        "contactName": person,
        "emailAddress": item.get("EmailAddress") or None,
        "phone": _phone(item),
        "addresses": _addresses(item),
        "registrationNumber": item.get("CompanyNumber"),
        "taxNumber": item.get("TaxNumber"),
        "status": _status(item.get("ContactStatus")),
        "defaultCurrency": item.get("DefaultCurrency"),
        "modifiedDate": xero_date(item.get("UpdatedDateUTC")),
        "sourceModifiedDate": xero_date(item.get("UpdatedDateUTC")),
    }


def tax_rate(item: dict[str, Any]) -> Record:
    effective = Decimal(str(item.get("EffectiveRate") or 0))
    return {
        "id": str(item["TaxType"]),
        "code": str(item["TaxType"]),
        "name": item.get("Name"),
        "effectiveTaxRate": float(effective),
        "totalTaxRate": float(Decimal(str(item.get("DisplayTaxRate") or effective))),
        "status": "Active" if item.get("Status") in (None, "ACTIVE") else "Archived",
        "components": [
            {
                "name": component.get("Name"),
                "rate": float(Decimal(str(component.get("Rate") or 0))),
                "isCompound": bool(component.get("IsCompound")),
            }
            for component in item.get("TaxComponents") or []
        ],
        "modifiedDate": None,
        "sourceModifiedDate": None,
    }


def tracking(categories: list[dict[str, Any]]) -> list[Record]:
    records: list[Record] = []
    for category in categories:
        options = category.get("Options") or []
        records.append(
            {
                "id": str(category["TrackingCategoryID"]),
                "name": category.get("Name"),
                "parentId": None,
                "hasChildren": bool(options),
                "status": _status(category.get("Status")),
                "modifiedDate": None,
            }
        )
        records += [
            {
                "id": str(option["TrackingOptionID"]),
                "name": option.get("Name"),
                "parentId": str(category["TrackingCategoryID"]),
                "hasChildren": False,
                "status": _status(option.get("Status")),
                "modifiedDate": None,
            }
            for option in options
        ]
    return records


def company(organisation: dict[str, Any], currencies: list[str]) -> Record:
    year_end = (organisation.get("FinancialYearEndMonth"), organisation.get("FinancialYearEndDay"))
    start = None
    if all(isinstance(part, int) for part in year_end):
        month = int(year_end[0] or 12) % 12 + 1
        start = f"2000-{month:02d}-01T00:00:00Z"  # Codat gives the start's month and day
    return {
        "id": str(organisation.get("OrganisationID") or ""),
        "companyName": organisation.get("Name"),
        "companyLegalName": organisation.get("LegalName"),
        "accountingPlatformRef": organisation.get("OrganisationID"),
        "baseCurrency": organisation.get("BaseCurrency"),
        "registrationNumber": organisation.get("RegistrationNumber"),
        "taxNumber": organisation.get("TaxNumber"),
        "financialYearStartDate": start,
        "addresses": _addresses(organisation),
        "phoneNumbers": [],
        "webLinks": [],
        "createdDate": xero_date(organisation.get("CreatedDateUTC")),
        "sourceUrls": {},
        "ledgerLockDate": None,
        "supplementalData": {"content": {"expenseSync": {"currencies": currencies}}},
    }
