"""Business Central's records in Codat's shapes (as Codat's Business Central
integration gives them).

Ids are BC's GUIDs: ``accounts`` for the chart, ``bankAccounts`` for bank and card
accounts (BC keeps them apart from G/L accounts, each posting to a G/L account through
its posting group), ``vendors`` as suppliers, ``customers``, ``taxGroups`` as tax rates
(BC US: the tax group a line carries), and tracking as ``dimensions`` with their
``dimensionValues`` as children (``parentId``); a value's id is what ``trackingRefs``
name.
"""

from __future__ import annotations

from typing import Any

from expense_sync.connectors.base import Record

EMPTY_GUID = "00000000-0000-0000-0000-000000000000"
CATEGORY = {
    "Assets": "Asset",
    "Liabilities": "Liability",
    "Equity": "Equity",
    "Income": "Income",
    "Cost of Goods Sold": "Expense",
    "Expense": "Expense",
}


def _text(value: Any) -> str | None:
    return str(value) if value not in (None, "") else None


def _modified(item: dict[str, Any]) -> str | None:
    value = item.get("lastModifiedDateTime")
    return None if not value or str(value).startswith("0001") else str(value)


def account(item: dict[str, Any], currency: str | None) -> Record:
    kind = CATEGORY.get(str(item.get("category") or ""), "Unknown")
    name = str(item.get("displayName") or "")
    return {
        "id": str(item["id"]),
        "nominalCode": _text(item.get("number")),
        "name": name,
        "description": None,
        "fullyQualifiedCategory": f"{kind}.{item.get('subCategory') or ''}".rstrip("."),
        "fullyQualifiedName": f"{kind}.{name}",
        "currency": currency,
        "type": kind,
        "status": "Archived" if item.get("blocked") else "Active",
        "isBankAccount": False,
        "modifiedDate": _modified(item),
        "sourceModifiedDate": _modified(item),
        "validDatatypeLinks": [],
    }


def bank_as_account(item: dict[str, Any], currency: str | None) -> Record:
    """A bank account in the chart (``isBankAccount``): BC keeps bank accounts apart
    from G/L accounts, and a card expense's ``bankAccountRef`` names one of them."""
    name = str(item.get("displayName") or "")
    return {
        **account({**item, "category": "Assets", "subCategory": "Bank"}, currency),
        "currency": _text(item.get("currencyCode")) or currency,
        "fullyQualifiedName": f"Asset.{name}",
        "isBankAccount": True,
    }


def bank_account(item: dict[str, Any], currency: str | None) -> Record:
    return {
        "id": str(item["id"]),
        "accountName": item.get("displayName"),
        # BC does not type a bank account as a card; Codat reads them all as Debit.
        "accountType": "Debit",
        "nominalCode": _text(item.get("number")),
        "accountNumber": _text(item.get("bankAccountNumber")),
        "iBan": _text(item.get("iban")),
        "currency": _text(item.get("currencyCode")) or currency,
        "status": "Archived" if item.get("blocked") else "Active",
        "modifiedDate": _modified(item),
        "sourceModifiedDate": _modified(item),
    }


def contact(item: dict[str, Any], name_field: str, currency: str | None) -> Record:
    address = {
        "type": "Billing",
        "line1": _text(item.get("addressLine1")),
        "line2": _text(item.get("addressLine2")),
        "city": _text(item.get("city")),
        "region": _text(item.get("state")),
        "country": _text(item.get("country")),
        "postalCode": _text(item.get("postalCode")),
    }
    blocked = str(item.get("blocked") or "").strip()
    return {
        "id": str(item["id"]),
        name_field: item.get("displayName"),
        "contactName": None,
        "emailAddress": _text(item.get("email")),
        "phone": _text(item.get("phoneNumber")),
        "addresses": [address] if any(v for k, v in address.items() if k != "type") else [],
        "registrationNumber": None,
        "taxNumber": _text(item.get("taxRegistrationNumber")),
        "status": "Archived" if blocked and blocked != "_x0020_" else "Active",
        "defaultCurrency": _text(item.get("currencyCode")) or currency,
        "modifiedDate": _modified(item),
        "sourceModifiedDate": _modified(item),
    }


def tax_rate(item: dict[str, Any]) -> Record:
    return {
        "id": str(item["id"]),
        "code": item.get("code"),
        "name": item.get("displayName"),
        # A BC tax group carries no rate: the rate comes from the tax area's jurisdictions.
        "effectiveTaxRate": 0.0,
        "totalTaxRate": 0.0,
        "status": "Active",
        "components": [],
        "modifiedDate": _modified(item),
        "sourceModifiedDate": _modified(item),
    }


def tracking(dimensions: list[dict[str, Any]], values: list[dict[str, Any]]) -> list[Record]:
    records: list[Record] = []
    for dimension in dimensions:
        children = [v for v in values if v.get("dimensionId") == dimension["id"]]
        records.append(
            {
                "id": str(dimension["id"]),
                "name": dimension.get("displayName") or dimension.get("code"),
                "parentId": None,
                "hasChildren": bool(children),
                "status": "Active",
                "modifiedDate": _modified(dimension),
            }
        )
        records += [
            {
                "id": str(value["id"]),
                "name": value.get("displayName") or value.get("code"),
                "parentId": str(dimension["id"]),
                "hasChildren": False,
                "status": "Active",
                "modifiedDate": _modified(value),
            }
            for value in children
        ]
    return records


def company(info: dict[str, Any], company_record: dict[str, Any]) -> Record:
    start = info.get("currentFiscalYearStartDate")
    return {
        "id": str(company_record.get("id") or info.get("id") or ""),
        "companyName": info.get("displayName") or company_record.get("displayName"),
        "companyLegalName": company_record.get("name"),
        "accountingPlatformRef": company_record.get("id"),
        "baseCurrency": _text(info.get("currencyCode")),
        "registrationNumber": None,
        "taxNumber": _text(info.get("taxRegistrationNumber")),
        "financialYearStartDate": f"{start}T00:00:00Z" if start and start != "0001-01-01" else None,
        "addresses": [],
        "phoneNumbers": [],
        "webLinks": [],
        "createdDate": company_record.get("systemCreatedAt"),
        "sourceUrls": {},
        "ledgerLockDate": None,
        # What the books take: journal lines only the company's own currency (API v2.0
        # journal lines carry none), so that is the one listed.
        "supplementalData": {
            "content": {
                "expenseSync": {"currencies": [c for c in [_text(info.get("currencyCode"))] if c]}
            }
        },
    }
