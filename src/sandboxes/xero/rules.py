"""Xero's business rules for what the connector writes, with Xero's own messages.

Each check appends to ``errors`` (Xero reports every problem of an element at once, as
``ValidationErrors``) and returns what the document will hold.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from sandboxes.xero.state import Record, Tenant
from sandboxes.xero.wire import cents, exact, money, number

LINE_AMOUNT_TYPES = ("Exclusive", "Inclusive", "NoTax")


class Invalid(Exception):
    """An element Xero refuses, with every message."""

    def __init__(self, messages: list[str]) -> None:
        super().__init__("; ".join(messages))
        self.messages = messages


def currency(tenant: Tenant, code: object, errors: list[str]) -> str:
    if code is None or code == "":
        return tenant.base_currency
    if code not in tenant.enabled_currencies:
        errors.append(
            f"The currency '{code}' is not enabled for this organisation. "
            "Add it in Settings > Currencies first."
        )
    return str(code)


def account(tenant: Tenant, code: object, account_id: object, errors: list[str]) -> Record | None:
    found = (
        tenant.accounts.get(str(account_id))
        if account_id
        else tenant.account_by_code(str(code))
        if code
        else None
    )
    if found is None:
        if code or account_id:
            errors.append(
                f"Account code '{code or account_id}' is not a valid code for this document."
            )
        else:
            errors.append("An account code must be specified for each line item.")
        return None
    if found["Status"] != "ACTIVE":
        errors.append(
            f"Account code '{found['Code']}' has been archived, or has been deleted. "
            "Each line item must reference a valid account."
        )
    return found


# Which flag of a tax rate lets it be used on an account of each class.
APPLIES_TO = {
    "ASSET": "CanApplyToAssets",
    "EQUITY": "CanApplyToEquity",
    "EXPENSE": "CanApplyToExpenses",
    "LIABILITY": "CanApplyToLiabilities",
    "REVENUE": "CanApplyToRevenue",
}


def tax_rate(
    tenant: Tenant, tax_type: object, errors: list[str], on: Record | None = None
) -> Decimal:
    """The rate of ``tax_type`` as a fraction; refused when unknown, inactive, or not for
    the class of account ``on`` (an income tax on an expense account)."""
    found = tenant.tax_rates.get(str(tax_type)) if tax_type else None
    if found is None or found["Status"] != "ACTIVE":
        errors.append(
            f"The TaxType code '{tax_type}' does not exist or cannot be used with this account."
        )
        return Decimal(0)
    flag = APPLIES_TO.get(str((on or {}).get("Class")))
    if flag and found.get(flag) is False:
        errors.append(
            f"The TaxType code '{tax_type}' cannot be used with account code '{on and on['Code']}'."
        )
    return Decimal(str(found["EffectiveRate"])) / 100


def bank_account(
    tenant: Tenant, ref: object, errors: list[str], label: str = "BankAccount"
) -> Record | None:
    found = tenant.account_ref(ref)
    if found is None:
        errors.append(f"{label}: a valid bank account (Code or AccountID) is required.")
        return None
    if found["Type"] != "BANK":
        errors.append(f"{label}: account '{found.get('Code')}' is not a bank account (Type BANK).")
    elif found["Status"] != "ACTIVE":
        errors.append(f"{label}: bank account '{found.get('Code')}' has been archived.")
    return found


def contact(tenant: Tenant, ref: object, errors: list[str]) -> Record | None:
    """The contact named by ``ContactID`` or ``Name``; a new name is a new contact (Xero),
    returned unsaved (see ``accounting.settle_contact``)."""
    if not isinstance(ref, dict):
        errors.append("A Contact (ContactID or Name) is required.")
        return None
    if ref.get("ContactID"):
        found = tenant.contacts.get(str(ref["ContactID"]))
        if found is None:
            errors.append(f"Contact '{ref['ContactID']}' does not exist.")
        elif found.get("ContactStatus") == "ARCHIVED":
            errors.append(f"Contact '{found['Name']}' has been archived.")
        return found
    if ref.get("Name"):
        found = tenant.contacts.find(Name=ref["Name"])
        # A new name makes a new contact, created when the document is stored (not when
        # a refused batch is only checked).
        return found or {"ContactID": str(uuid.uuid4()), "Name": ref["Name"]}
    errors.append("A Contact (ContactID or Name) is required.")
    return None


def tracking(tenant: Tenant, items: object, errors: list[str]) -> list[Record]:
    """Line tracking: at most 2, each an active category and option, named or by id."""
    if not items:
        return []
    if not isinstance(items, list) or len(items) > 2:
        errors.append("A line item can have at most 2 tracking categories.")
        return []
    kept: list[Record] = []
    for item in items:
        category = (
            tenant.tracking_categories.get(str(item.get("TrackingCategoryID")))
            if item.get("TrackingCategoryID")
            else tenant.tracking_categories.find(Name=item.get("Name"), Status="ACTIVE")
        )
        if category is None or category["Status"] != "ACTIVE":
            named = item.get("Name") or item.get("TrackingCategoryID")
            errors.append(f"Tracking category '{named}' does not exist.")
            continue
        wanted = item.get("TrackingOptionID") or item.get("Option")
        option = next(
            (
                o
                for o in category["Options"]
                if wanted in (o["TrackingOptionID"], o["Name"]) and o["Status"] == "ACTIVE"
            ),
            None,
        )
        if option is None:
            errors.append(f"Tracking option '{wanted}' does not exist in '{category['Name']}'.")
            continue
        kept.append(
            {
                "TrackingCategoryID": category["TrackingCategoryID"],
                "TrackingOptionID": option["TrackingOptionID"],
                "Name": category["Name"],
                "Option": option["Name"],
            }
        )
    return kept


def line_items(
    tenant: Tenant, items: object, amount_types: str, errors: list[str]
) -> tuple[list[Record], Decimal, Decimal]:
    """Checked lines with their tax, and the document's subtotal and total tax.

    Exclusive: tax on top of the line amount; Inclusive: tax inside it; NoTax: none.
    A ``LineAmount`` sent with ``Quantity`` and ``UnitAmount`` must equal their product.
    """
    if amount_types not in LINE_AMOUNT_TYPES:
        errors.append(f"LineAmountTypes must be one of {', '.join(LINE_AMOUNT_TYPES)}.")
        return [], Decimal(0), Decimal(0)
    if not isinstance(items, list) or not items:
        errors.append("At least one line item is required.")
        return [], Decimal(0), Decimal(0)
    lines: list[Record] = []
    subtotal = total_tax = Decimal(0)
    for item in items:
        line_errors: list[str] = []
        quantity = money(item.get("Quantity"))
        unit = money(item.get("UnitAmount"))
        given = money(item.get("LineAmount"))
        if unit is not None:
            quantity = Decimal(1) if quantity is None else quantity
            amount = cents(quantity * unit)
            if given is not None and cents(given) != amount:
                line_errors.append(
                    f"The line total {cents(given)} does not match "
                    f"the expected line total {amount}."
                )
        elif given is not None:
            amount = cents(given)
        else:
            line_errors.append("A line item needs a UnitAmount or a LineAmount.")
            amount = Decimal(0)
        found = account(tenant, item.get("AccountCode"), item.get("AccountID"), line_errors)
        tax_type = item.get("TaxType") or (found or {}).get("TaxType") or "NONE"
        rate = (
            Decimal(0)
            if amount_types == "NoTax"
            else tax_rate(tenant, tax_type, line_errors, on=found)
        )
        if amount_types == "Exclusive":
            tax = cents(amount * rate)
            net = amount
        elif amount_types == "Inclusive":
            tax = cents(amount * rate / (1 + rate))
            net = amount - tax
        else:
            tax, net = Decimal(0), amount
        sent_tax = money(item.get("TaxAmount"))
        if sent_tax is not None and abs(sent_tax - tax) > Decimal("0.01") * max(1, len(items)):
            line_errors.append(f"The TaxAmount {sent_tax} does not match the calculated tax {tax}.")
        tracked = tracking(tenant, item.get("Tracking"), line_errors)
        errors.extend(line_errors)
        subtotal += net
        total_tax += tax
        line: dict[str, Any] = {
            "LineItemID": str(uuid.uuid4()),
            "Description": item.get("Description", ""),
            "Quantity": exact(quantity or Decimal(1)),
            "UnitAmount": exact(unit) if unit is not None else number(amount),
            "LineAmount": number(amount),
            "TaxType": str(tax_type) if amount_types != "NoTax" else "NONE",
            "TaxAmount": number(tax),
            "Tracking": tracked,
        }
        if found is not None:
            line["AccountCode"] = found["Code"]
            line["AccountID"] = found["AccountID"]
        lines.append(line)
    return lines, subtotal, total_tax


def totals(item: Record, subtotal: Decimal, tax: Decimal, errors: list[str]) -> dict[str, Any]:
    """``SubTotal``/``TotalTax``/``Total``; a ``Total`` sent that differs is refused."""
    total = subtotal + tax
    sent = money(item.get("Total"))
    if sent is not None and cents(sent) != cents(total):
        errors.append(
            f"The document total {cents(sent)} does not equal the sum of the lines {cents(total)}."
        )
    return {"SubTotal": number(subtotal), "TotalTax": number(tax), "Total": number(total)}


def currency_rate(item: Record, code: str, tenant: Tenant, errors: list[str]) -> Decimal | None:
    rate = money(item.get("CurrencyRate"))
    if rate is not None and rate <= 0:
        errors.append("CurrencyRate must be greater than zero.")
    if code == tenant.base_currency:
        return None
    return rate if rate is not None else Decimal(1)
