"""QuickBooks Online's records in Codat's shapes.

Ids are QuickBooks' own: an ``Account``'s ``Id`` for accounts and bank accounts (a bank
account is an account of type Bank or Credit Card, so one id serves both lists),
``Vendor``/``Customer`` ids for suppliers and customers, a ``TaxCode``'s ``Id`` for a tax
rate (what a purchase line's ``TaxCodeRef`` names; its rate is the sum of its purchase
``TaxRate``s). Tracking categories are two trees: ``class`` (QuickBooks' classes) and
``department`` (its locations), each record's id prefixed with its tree
(``class_5``, ``department_2``) so a transaction's ``trackingRefs`` say which it is.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from expense_sync.connectors.base import Record

# QuickBooks' account Classification -> Codat's account type.
CLASSIFICATION = {
    "Asset": "Asset",
    "Equity": "Equity",
    "Expense": "Expense",
    "Liability": "Liability",
    "Revenue": "Income",
}
# Where an answer leaves Classification out, it follows from the AccountType.
TYPE_CLASSIFICATION = {
    "Bank": "Asset",
    "Other Current Asset": "Asset",
    "Fixed Asset": "Asset",
    "Other Asset": "Asset",
    "Accounts Receivable": "Asset",
    "Equity": "Equity",
    "Expense": "Expense",
    "Other Expense": "Expense",
    "Cost of Goods Sold": "Expense",
    "Accounts Payable": "Liability",
    "Credit Card": "Liability",
    "Long Term Liability": "Liability",
    "Other Current Liability": "Liability",
    "Income": "Revenue",
    "Other Income": "Revenue",
}
BANK_TYPES = {"Bank": "Debit", "Credit Card": "Credit"}
TRACKING_TREES = (("class", "Class", "Classes"), ("department", "Department", "Locations"))


def _ref(item: dict[str, Any], name: str) -> str | None:
    ref = item.get(name)
    return str(ref["value"]) if isinstance(ref, dict) and ref.get("value") else None


def _modified(item: dict[str, Any]) -> str | None:
    meta = item.get("MetaData") or {}
    value = meta.get("LastUpdatedTime")
    return str(value) if value else None


def _status(item: dict[str, Any]) -> str:
    return "Active" if item.get("Active", True) else "Archived"


def account(item: dict[str, Any], home_currency: str | None) -> Record:
    classification = item.get("Classification") or TYPE_CLASSIFICATION.get(
        str(item.get("AccountType"))
    )
    kind = CLASSIFICATION.get(str(classification or ""), "Unknown")
    name = str(item.get("Name") or "")
    qualified = str(item.get("FullyQualifiedName") or name)
    return {
        "id": str(item["Id"]),
        "nominalCode": item.get("AcctNum"),
        "name": name,
        "description": item.get("Description"),
        "fullyQualifiedCategory": f"{kind}.{item.get('AccountType') or ''}".rstrip("."),
        "fullyQualifiedName": f"{kind}.{qualified}",
        "currency": _ref(item, "CurrencyRef") or home_currency,
        "type": kind,
        "status": _status(item),
        "isBankAccount": item.get("AccountType") in BANK_TYPES,
        "modifiedDate": _modified(item),
        "sourceModifiedDate": _modified(item),
        "validDatatypeLinks": [],
    }


def is_bank(item: dict[str, Any]) -> bool:
    return item.get("AccountType") in BANK_TYPES


def bank_account(item: dict[str, Any], home_currency: str | None) -> Record:
    return {
        "id": str(item["Id"]),
        "accountName": item.get("Name"),
        "accountType": BANK_TYPES.get(str(item.get("AccountType")), "Debit"),
        "nominalCode": item.get("AcctNum"),
        "accountNumber": item.get("AcctNum"),
        "currency": _ref(item, "CurrencyRef") or home_currency,
        "balance": item.get("CurrentBalance"),
        "status": _status(item),
        "modifiedDate": _modified(item),
        "sourceModifiedDate": _modified(item),
    }


def _address(address: Any, kind: str) -> list[dict[str, Any]]:
    if not isinstance(address, dict) or not any(
        address.get(k) for k in ("Line1", "City", "PostalCode", "Country")
    ):
        return []
    return [
        {
            "type": kind,
            "line1": address.get("Line1"),
            "line2": address.get("Line2"),
            "city": address.get("City"),
            "region": address.get("CountrySubDivisionCode"),
            "country": address.get("Country"),
            "postalCode": address.get("PostalCode"),
        }
    ]


def _text(item: dict[str, Any], name: str, inner: str) -> str | None:
    value = item.get(name)
    return str(value[inner]) if isinstance(value, dict) and value.get(inner) else None


def contact(item: dict[str, Any], name_field: str) -> Record:
    person = " ".join(str(item[k]) for k in ("GivenName", "FamilyName") if item.get(k)) or None
    return {
        "id": str(item["Id"]),
        name_field: item.get("DisplayName"),
        "contactName": person,
        "emailAddress": _text(item, "PrimaryEmailAddr", "Address"),
        "phone": _text(item, "PrimaryPhone", "FreeFormNumber"),
        "addresses": _address(item.get("BillAddr"), "Billing")
        + _address(item.get("ShipAddr"), "Delivery"),
        "registrationNumber": item.get("BusinessNumber"),
        "taxNumber": item.get("TaxIdentifier") or item.get("PrimaryTaxIdentifier"),
        "status": _status(item),
        "defaultCurrency": _ref(item, "CurrencyRef"),
        "modifiedDate": _modified(item),
        "sourceModifiedDate": _modified(item),
    }


def tax_rate(code: dict[str, Any], rates: dict[str, dict[str, Any]]) -> Record:
    """A ``TaxCode`` with the purchase rates it applies (``PurchaseTaxRateList``)."""
    details = (code.get("PurchaseTaxRateList") or {}).get("TaxRateDetail") or []
    components = []
    for detail in details:
        rate = rates.get(_ref(detail, "TaxRateRef") or "", {})
        components.append(
            {
                "name": rate.get("Name") or _text(detail, "TaxRateRef", "name"),
                "rate": float(Decimal(str(rate.get("RateValue") or 0))),
                "isCompound": detail.get("TaxTypeApplicable") == "TaxOnTax",
            }
        )
    total = sum((Decimal(str(c["rate"])) for c in components), Decimal(0))
    return {
        "id": str(code["Id"]),
        "code": str(code.get("Name") or code["Id"]),
        "name": code.get("Name"),
        "effectiveTaxRate": float(total),
        "totalTaxRate": float(total),
        "status": _status(code),
        "components": components,
        "modifiedDate": _modified(code),
        "sourceModifiedDate": _modified(code),
    }


def tracking(tree: str, entity_name: str, label: str, items: list[dict[str, Any]]) -> list[Record]:
    """One tree: its root (the kind, which a line cannot name) and its records."""
    records: list[Record] = [
        {
            "id": tree,
            "name": label,
            "parentId": None,
            "hasChildren": bool(items),
            "status": "Active",
            "modifiedDate": None,
        }
    ]
    parents = {_ref(item, "ParentRef") for item in items}
    for item in items:
        parent = _ref(item, "ParentRef")
        records.append(
            {
                "id": f"{tree}_{item['Id']}",
                "name": item.get("FullyQualifiedName") or item.get("Name"),
                "parentId": f"{tree}_{parent}" if parent else tree,
                "hasChildren": str(item["Id"]) in parents,
                "status": _status(item),
                "modifiedDate": _modified(item),
            }
        )
    return records


def company(
    realm_id: str, info: dict[str, Any], preferences: dict[str, Any], currencies: list[str]
) -> Record:
    """The company's facts; its id is the realm (CompanyInfo's own ``Id`` is always 1)."""
    currency_prefs = preferences.get("CurrencyPrefs") or {}
    month = str(info.get("FiscalYearStartMonth") or "January")
    months = [
        "January", "February", "March", "April", "May", "June", "July",
        "August", "September", "October", "November", "December",
    ]  # fmt: skip
    start_month = months.index(month) + 1 if month in months else 1
    return {
        "id": realm_id,
        "companyName": info.get("CompanyName"),
        "companyLegalName": info.get("LegalName"),
        "accountingPlatformRef": realm_id,
        "baseCurrency": _ref(currency_prefs, "HomeCurrency"),
        "registrationNumber": None,
        "taxNumber": None,
        "financialYearStartDate": f"2000-{start_month:02d}-01T00:00:00Z",
        "addresses": _address(info.get("CompanyAddr"), "Billing"),
        "phoneNumbers": [],
        "webLinks": [],
        "createdDate": (info.get("MetaData") or {}).get("CreateTime"),
        "sourceUrls": {},
        "ledgerLockDate": None,
        "supplementalData": {
            "content": {
                "expenseSync": {
                    "currencies": currencies,
                    "country": info.get("Country"),
                    "multiCurrencyEnabled": bool(currency_prefs.get("MultiCurrencyEnabled")),
                }
            }
        },
    }
