"""Postings as FreeAgent records (docs/posting.md has the table):

| expense type | FreeAgent record | key stored in |
|---|---|---|
| Payment | explanation(s) on the card's bank account, negative ``gross_value`` | ``description`` |
| Refund, Chargeback, Reward | the same, positive ``gross_value`` | ``description`` |
| ReimbursableExpense | bill to the employee's contact, one bill item per line | ``reference`` |
| Transfer | explanation with ``transfer_bank_account`` on the source account | ``description`` |
| Adjustment | journal set tagged ``EXPENSESYNC`` | ``description`` |

FreeAgent allows one category per explanation, so an expense of several lines becomes
one explanation per line (``[key]``, ``[key#2]``, ...), each with its own manual bank
transaction on the card's account. An explanation has no reference field: its
``description`` is the one free text FreeAgent returns and lists by bank account and
date, so the key leads it and a lost answer is found by listing that day's explanations.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from expense_sync.connectors.base import Posting, ValidationConnectorError

TAG = "EXPENSESYNC"
RECEIVE = {"Refund", "Chargeback", "Reward"}
MARKER = re.compile(r"^\[([^\]\s]+)\]")
DESCRIPTION_MAX = 255


@dataclass(frozen=True)
class Chart:
    """What postings need from the books: category and bank account URLs."""

    categories: dict[str, str]  # nominal code -> URL
    banks: dict[str, dict[str, Any]]  # bank account id -> FreeAgent record
    base_currency: str | None
    base_url: str  # FreeAgent's API, to name a contact by its URL


@dataclass(frozen=True)
class Planned:
    """One FreeAgent record a posting becomes."""

    collection: str  # bank_transaction_explanations | bills | journal_sets
    singular: str
    marker: str  # what its description (or a bill's reference) carries
    body: dict[str, Any]
    bank_account: str | None = None  # an explanation's bank account URL (its look-up)


def marker(key: str, index: int = 0) -> str:
    return f"[{key}]" if index == 0 else f"[{key}#{index + 1}]"


def marker_of(text: object) -> str | None:
    found = MARKER.match(str(text or ""))
    return found.group(0) if found else None


def _money(value: Decimal) -> str:
    return str(value.quantize(Decimal("0.01")))


def _described(mark: str, text: str | None) -> str:
    return f"{mark} {text or ''}".strip()[:DESCRIPTION_MAX]


def _category(account: str, chart: Chart, field: str) -> str:
    if account in chart.categories:
        return chart.categories[account]
    if account in chart.banks:
        raise ValidationConnectorError(
            f"{account} is a bank account; FreeAgent takes a category here "
            "(pick an account whose isBankAccount is false).",
            field=field,
        )
    raise ValidationConnectorError(f"Category {account} is not in FreeAgent.", field=field)


def _bank(account: str | None, chart: Chart, field: str) -> dict[str, Any]:
    if account is None or account not in chart.banks:
        raise ValidationConnectorError(
            f"{account or '(none)'} is not a FreeAgent bank account; pick one whose "
            "isBankAccount is true.",
            field=field,
        )
    return chart.banks[account]


def _no_tracking(posting: Posting) -> None:
    for index, line in enumerate(posting.lines):
        if line.tracking:
            raise ValidationConnectorError(
                f"lines[{index}]: FreeAgent has no tracking categories; leave trackingRefs out.",
                field="trackingRefs",
            )


def plan(posting: Posting, chart: Chart) -> list[Planned]:
    """The FreeAgent records of one posting; refuses what FreeAgent would refuse, before
    anything is sent."""
    _no_tracking(posting)
    if posting.kind == "expense":
        return _explanations(posting, chart)
    if posting.kind == "reimbursable":
        return [_bill(posting, chart)]
    if posting.kind == "transfer":
        return [_transfer(posting, chart)]
    return [_journal(posting, chart)]


def _currency(posting: Posting, bank: dict[str, Any]) -> None:
    if posting.currency and posting.currency != bank.get("currency"):
        raise ValidationConnectorError(
            f"FreeAgent explains a transaction in its bank account's currency "
            f"({bank.get('currency')}); send the amount in {bank.get('currency')}.",
            field="currency",
        )


def _explanations(posting: Posting, chart: Chart) -> list[Planned]:
    bank = _bank(posting.counter_account, chart, "bankAccountRef.id")
    _currency(posting, bank)
    sign = Decimal(1) if posting.type in RECEIVE else Decimal(-1)
    planned = []
    for index, line in enumerate(posting.lines):
        gross = sign * (line.amount + line.tax)
        if gross == 0:
            raise ValidationConnectorError(
                f"lines[{index}]: FreeAgent refuses an explanation of zero.", field="lines"
            )
        mark = marker(posting.key, index)
        body: dict[str, Any] = {
            "bank_account": bank["url"],
            "dated_on": posting.date.isoformat(),
            "description": _described(
                mark, line.description or posting.narration or posting.payee or posting.type
            ),
            "category": _category(line.account, chart, f"lines[{index}].accountRef.id"),
            "gross_value": _money(gross),
        }
        if line.tax:
            body["sales_tax_value"] = _money(sign * line.tax)
        planned.append(
            Planned(
                "bank_transaction_explanations",
                "bank_transaction_explanation",
                mark,
                body,
                bank["url"],
            )
        )
    return planned


def _bill(posting: Posting, chart: Chart) -> Planned:
    if not posting.contact:
        raise ValidationConnectorError(
            "A reimbursable expense is a bill to the employee: set contactRef to the "
            "employee's supplier record.",
            field="contactRef",
        )
    if posting.currency and chart.base_currency and posting.currency != chart.base_currency:
        raise ValidationConnectorError(
            f"This connector writes FreeAgent bills in the company's currency "
            f"({chart.base_currency}).",
            field="currency",
        )
    items = []
    for index, line in enumerate(posting.lines):
        item: dict[str, Any] = {
            "category": _category(line.account, chart, f"lines[{index}].accountRef.id"),
            "total_value": _money(line.amount + line.tax),
            "description": (line.description or posting.narration or "Expense claim")[:255],
        }
        if line.tax:
            item["sales_tax_value"] = _money(line.tax)
        items.append(item)
    body = {
        "contact": f"{chart.base_url}/v2/contacts/{posting.contact}",
        "reference": posting.key,
        "dated_on": posting.date.isoformat(),
        "due_on": (posting.due_date or posting.date).isoformat(),
        "bill_items": items,
    }
    return Planned("bills", "bill", posting.key, body)


def _transfer(posting: Posting, chart: Chart) -> Planned:
    source, target = posting.lines  # from (negative), to (positive)
    source_bank = _bank(source.account, chart, "from.accountRef.id")
    target_bank = _bank(target.account, chart, "to.accountRef.id")
    if source_bank.get("currency") != target_bank.get("currency"):
        raise ValidationConnectorError(
            "This connector moves money between FreeAgent bank accounts of one currency "
            f"({source_bank.get('currency')} to {target_bank.get('currency')} is not).",
            field="to.accountRef.id",
        )
    mark = marker(posting.key)
    body = {
        "bank_account": source_bank["url"],
        "dated_on": posting.date.isoformat(),
        "description": _described(mark, posting.narration or "Transfer"),
        "transfer_bank_account": target_bank["url"],
        "gross_value": _money(source.amount),
    }
    return Planned(
        "bank_transaction_explanations",
        "bank_transaction_explanation",
        mark,
        body,
        source_bank["url"],
    )


def _journal(posting: Posting, chart: Chart) -> Planned:
    mark = marker(posting.key)
    entries = [
        {
            "category": _category(line.account, chart, f"lines[{index}].accountRef.id"),
            "description": (line.description or posting.narration or "Adjustment")[:255],
            "debit_value": _money(line.amount),
        }
        for index, line in enumerate(posting.lines)
    ]
    body = {
        "dated_on": posting.date.isoformat(),
        "description": _described(mark, posting.narration or "Adjustment"),
        "tag": TAG,
        "journal_entries": entries,
    }
    return Planned("journal_sets", "journal_set", mark, body)
