"""FreeAgent's records in Codat's shapes.

- ``chartOfAccounts``: FreeAgent's categories (id: the nominal code, which is how
  FreeAgent names a category: ``/v2/categories/285``) and its bank accounts (id: the bank
  account's FreeAgent id, ``isBankAccount: true``; FreeAgent keeps bank accounts apart
  from categories, but Codat's chart holds both, and expenses name the card by it);
- ``bankAccounts``: bank accounts (``CreditCardAccount`` is Codat's ``Credit``);
- ``suppliers`` and ``customers``: FreeAgent's one contact list, in both;
- ``company``: ``/v2/company``; ``taxRates`` and ``trackingCategories``: none (FreeAgent
  takes a VAT rate as a number, not a code, and tracks by project, not by category).
"""

from __future__ import annotations

from typing import Any

from expense_sync.connectors.base import Record
from expense_sync.connectors.freeagent.api import record_id

GROUP_TYPE = {
    "income_categories": "Income",
    "cost_of_sales_categories": "Expense",
    "admin_expenses_categories": "Expense",
}


def general_type(code: str) -> str:
    """A general category's type from its nominal code (FreeAgent's ranges: 6xx-7xx
    assets, 8xx liabilities, 9xx equity)."""
    head = code[:1]
    return {"8": "Liability", "9": "Equity"}.get(head, "Asset")


def category(item: dict[str, Any], group: str, base_currency: str | None) -> Record:
    code = str(item["nominal_code"])
    kind = GROUP_TYPE.get(group) or general_type(code)
    name = str(item.get("description") or code)
    return {
        "id": code,
        "nominalCode": code,
        "name": name,
        "description": item.get("tax_reporting_name"),
        "fullyQualifiedCategory": f"{kind}.{group.removesuffix('_categories')}",
        "fullyQualifiedName": f"{kind}.{name}",
        "currency": base_currency,
        "type": kind,
        "status": "Active",
        "isBankAccount": False,
        "modifiedDate": None,
        "sourceModifiedDate": None,
        "validDatatypeLinks": [],
    }


def bank_as_account(item: dict[str, Any]) -> Record:
    kind = "Liability" if item.get("type") == "CreditCardAccount" else "Asset"
    name = str(item.get("name") or "")
    return {
        "id": record_id(str(item["url"])),
        "nominalCode": item.get("nominal_code"),
        "name": name,
        "description": None,
        "fullyQualifiedCategory": f"{kind}.Bank",
        "fullyQualifiedName": f"{kind}.{name}",
        "currency": item.get("currency"),
        "type": kind,
        "status": "Archived" if item.get("status") == "hidden" else "Active",
        "isBankAccount": True,
        "modifiedDate": item.get("updated_at"),
        "sourceModifiedDate": item.get("updated_at"),
        "validDatatypeLinks": [],
    }


def bank_account(item: dict[str, Any]) -> Record:
    return {
        "id": record_id(str(item["url"])),
        "accountName": item.get("name"),
        "accountType": "Credit" if item.get("type") == "CreditCardAccount" else "Debit",
        "nominalCode": item.get("nominal_code"),
        "accountNumber": item.get("account_number"),
        "sortCode": item.get("sort_code"),
        "iBan": item.get("iban"),
        "institution": item.get("bank_name"),
        "currency": item.get("currency"),
        "balance": float(item.get("current_balance") or 0),
        "status": "Archived" if item.get("status") == "hidden" else "Active",
        "modifiedDate": item.get("updated_at"),
        "sourceModifiedDate": item.get("updated_at"),
    }


def contact_name(item: dict[str, Any]) -> str:
    person = " ".join(str(item[k]) for k in ("first_name", "last_name") if item.get(k))
    return str(item.get("organisation_name") or person)


def contact(item: dict[str, Any], name_field: str) -> Record:
    person = " ".join(str(item[k]) for k in ("first_name", "last_name") if item.get(k)) or None
    address = {
        "type": "Billing",
        "line1": item.get("address1"),
        "line2": item.get("address2"),
        "city": item.get("town"),
        "region": item.get("region"),
        "country": item.get("country"),
        "postalCode": item.get("postcode"),
    }
    return {
        "id": record_id(str(item["url"])),
        name_field: contact_name(item),
        "contactName": person,
        "emailAddress": item.get("email") or None,
        "phone": item.get("phone_number") or None,
        "addresses": [address] if any(v for k, v in address.items() if k != "type") else [],
        "registrationNumber": None,
        "taxNumber": item.get("sales_tax_registration_number") or None,
        "status": "Archived" if item.get("status") == "Hidden" else "Active",
        "defaultCurrency": None,
        "modifiedDate": item.get("updated_at"),
        "sourceModifiedDate": item.get("updated_at"),
    }


def company(item: dict[str, Any]) -> Record:
    return {
        "id": str(item.get("subdomain") or ""),
        "companyName": item.get("name"),
        "companyLegalName": item.get("name"),
        "accountingPlatformRef": item.get("url"),
        "baseCurrency": item.get("currency"),
        "registrationNumber": item.get("company_registration_number"),
        "taxNumber": item.get("sales_tax_registration_number"),
        "financialYearStartDate": None,
        "addresses": [
            {
                "type": "Billing",
                "line1": item.get("address1"),
                "city": item.get("town"),
                "postalCode": item.get("postcode"),
                "country": item.get("country"),
            }
        ]
        if item.get("address1")
        else [],
        "phoneNumbers": [],
        "webLinks": [],
        "createdDate": item.get("created_at"),
        "sourceUrls": {},
        "ledgerLockDate": None,
        "supplementalData": {"content": {"expenseSync": {"currencies": [item.get("currency")]}}},
    }
