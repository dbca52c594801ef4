"""Postings as Xero records (docs/posting.md has the table):

| expense type | Xero record | key stored in |
|---|---|---|
| Payment | ``BankTransaction`` ``SPEND`` | ``Reference`` |
| Refund, Chargeback, Reward | ``BankTransaction`` ``RECEIVE`` | ``Reference`` |
| ReimbursableExpense | ``Invoice`` ``ACCPAY`` (a bill) to the employee | ``InvoiceNumber`` |
| Transfer | ``BankTransfer`` | ``Reference`` |
| Adjustment | ``ManualJournal`` | ``Narration`` |

Lines name their account by ``AccountCode`` (the ``AccountID`` the client chose,
looked up in the chart), tax by ``TaxType`` with the client's ``TaxAmount``, tracking by
category and option ids. Xero allows two tracking categories per line: a line with
more, or with two options of one category, is refused here before anything is sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from expense_sync.connectors.base import Posting, PostingLine, ValidationConnectorError

MAX_TRACKING_CATEGORIES = 2
COLLECTION = {
    "expense": "BankTransactions",
    "reimbursable": "Invoices",
    "transfer": "BankTransfers",
    "adjustment": "ManualJournals",
}
RECEIVE = {"Refund", "Chargeback", "Reward"}


@dataclass(frozen=True)
class Chart:
    """What a posting needs from the books: account codes and option -> category."""

    codes: dict[str, str | None]  # AccountID -> Code
    option_category: dict[str, str]  # TrackingOptionID -> TrackingCategoryID


def collection_of(posting: Posting) -> str:
    return COLLECTION[posting.kind]


def record(posting: Posting, chart: Chart) -> dict[str, Any]:
    if posting.kind == "expense":
        return _bank_transaction(posting, chart)
    if posting.kind == "reimbursable":
        return _bill(posting, chart)
    if posting.kind == "transfer":
        return _transfer(posting)
    return _journal(posting, chart)


def _money(value: Decimal) -> float:
    """Xero's schema types amounts as JSON numbers; ours have at most 4 decimals, which
    a double carries exactly enough to print back the same."""
    return float(value)


def _account(account: str, chart: Chart, field: str) -> dict[str, Any]:
    if account not in chart.codes:
        raise ValidationConnectorError(f"Account {account} is not in Xero's chart.", field=field)
    code = chart.codes[account]
    return {"AccountCode": code} if code else {"AccountID": account}


def _tracking(line: PostingLine, chart: Chart, index: int) -> list[dict[str, str]]:
    options = [ref for kind, ref in line.tracking if kind == "trackingCategories"]
    categories = [chart.option_category.get(option) for option in options]
    if None in categories:
        bad = options[categories.index(None)]
        raise ValidationConnectorError(
            f"lines[{index}]: {bad} is a tracking category, not one of its options; "
            "Xero tracks by option (pick a trackingCategories record with a parentId).",
            field="trackingRefs",
        )
    if len(set(categories)) != len(categories):
        raise ValidationConnectorError(
            f"lines[{index}]: two options of one tracking category; Xero takes one per category.",
            field="trackingRefs",
        )
    if len(categories) > MAX_TRACKING_CATEGORIES:
        raise ValidationConnectorError(
            f"lines[{index}]: {len(categories)} tracking categories; Xero allows at most "
            f"{MAX_TRACKING_CATEGORIES} per line.",
            field="trackingRefs",
        )
    return [
        {"TrackingCategoryID": str(category), "TrackingOptionID": option}
        for category, option in zip(categories, options, strict=True)
    ]


def _line_items(posting: Posting, chart: Chart) -> list[dict[str, Any]]:
    items = []
    for index, line in enumerate(posting.lines):
        item: dict[str, Any] = {
            "Description": line.description or posting.narration or posting.type,
            "Quantity": 1,
            "UnitAmount": _money(line.amount),
            **_account(line.account, chart, f"lines[{index}].accountRef"),
            "TaxType": line.tax_rate or "NONE",
        }
        if line.tax_rate and line.tax:
            item["TaxAmount"] = _money(line.tax)
        tracking = _tracking(line, chart, index)
        if tracking:
            item["Tracking"] = tracking
        items.append(item)
    return items


def _contact(posting: Posting) -> dict[str, Any]:
    if posting.contact:
        return {"ContactID": posting.contact}
    return {"Name": (posting.payee or "Card expenses")[:255]}


def _currency(posting: Posting) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if posting.currency:
        values["CurrencyCode"] = posting.currency
    if posting.currency_rate is not None:
        values["CurrencyRate"] = float(posting.currency_rate)
    return values


def _bank_transaction(posting: Posting, chart: Chart) -> dict[str, Any]:
    if posting.counter_account is None:
        raise ValidationConnectorError(
            "A card expense needs a bank or card account.", field="bankAccountRef"
        )
    return {
        "Type": "RECEIVE" if posting.type in RECEIVE else "SPEND",
        "Reference": posting.key,
        "Date": posting.date.isoformat(),
        "Contact": _contact(posting),
        "BankAccount": {"AccountID": posting.counter_account},
        "LineAmountTypes": "Exclusive",
        "LineItems": _line_items(posting, chart),
        "Status": "AUTHORISED",
        **_currency(posting),
    }


def _bill(posting: Posting, chart: Chart) -> dict[str, Any]:
    if not posting.contact:
        raise ValidationConnectorError(
            "A reimbursable expense is a bill to the employee: set contactRef to the "
            "employee's supplier record.",
            field="contactRef",
        )
    return {
        "Type": "ACCPAY",
        "InvoiceNumber": posting.key,
        "Contact": {"ContactID": posting.contact},
        "Date": posting.date.isoformat(),
        "DueDate": (posting.due_date or posting.date).isoformat(),
        "LineAmountTypes": "Exclusive",
        "LineItems": _line_items(posting, chart),
        "Status": "AUTHORISED",
        **_currency(posting),
    }


def _transfer(posting: Posting) -> dict[str, Any]:
    source, target = posting.lines  # from (credit, negative), to (debit, positive)
    # Xero takes the amount in the source account's currency and sets the rate of a
    # transfer between currencies itself (its CurrencyRate is read-only).
    return {
        "FromBankAccount": {"AccountID": source.account},
        "ToBankAccount": {"AccountID": target.account},
        "Amount": _money(-source.amount),
        "Date": posting.date.isoformat(),
        "Reference": posting.key,
    }


def _journal(posting: Posting, chart: Chart) -> dict[str, Any]:
    lines = []
    for index, line in enumerate(posting.lines):
        journal_line: dict[str, Any] = {
            "LineAmount": _money(line.amount),
            **_account(line.account, chart, f"lines[{index}].accountRef"),
            "Description": line.description or posting.narration or "Adjustment",
        }
        tracking = _tracking(line, chart, index)
        if tracking:
            journal_line["Tracking"] = tracking
        lines.append(journal_line)
    return {
        "Narration": posting.key,
        "Date": posting.date.isoformat(),
        "JournalLines": lines,
        "LineAmountTypes": "NoTax",
        "Status": "POSTED",
    }
