"""Postings as QuickBooks Online entities (docs/posting.md has the table):

| expense type | QuickBooks entity |
|---|---|
| Payment | ``Purchase``, PaymentType ``CreditCard`` (card), ``Check`` (bank), ``Cash`` |
| Refund, Chargeback, Reward | ``Purchase`` with ``Credit: true`` (card); ``Deposit`` (bank) |
| ReimbursableExpense | ``Bill`` to the employee's vendor record |
| Transfer | ``Transfer`` |
| Adjustment | ``JournalEntry`` |

**Where the key is kept.** QuickBooks' query language filters transactions on few
fields, and ``DocNumber`` is one of them while ``PrivateNote`` is not, so the key goes in
``DocNumber`` (as it is when it fits QuickBooks' 21 characters, else ``ES`` and 19
characters of its SHA-256 in base 32) and whole in ``PrivateNote``, which is checked when
a ``DocNumber`` is found so a look-up can never take someone else's document for ours.

**Tax by region.** A US company computes sales tax itself (automated sales tax) and
takes no tax code on purchase lines: the line carries the gross amount. A UK, Canadian
or Australian company needs a ``TaxCodeRef`` on every line, with the client's tax amount
(``GlobalTaxCalculation: TaxExcluded``); a line without one is refused here, before
anything is sent. **Tracking**: ``class_<id>`` refs become each line's ``ClassRef``;
``department_<id>`` (a location) is one per transaction, ``DepartmentRef``, so lines
naming different locations are refused. **Currency**: a document in another currency
than the company's carries ``CurrencyRef`` and ``ExchangeRate`` (home units per unit),
and only where the company has multi-currency on.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from expense_sync.connectors.base import Posting, PostingLine, ValidationConnectorError

DOC_NUMBER_MAX = 21
RECEIVE = {"Refund", "Chargeback", "Reward"}
NOTE_PREFIX = "expense-sync transaction "
ENTITY_TYPE = {"supplier": "Vendor", "customer": "Customer", "employee": "Employee"}


@dataclass(frozen=True)
class Chart:
    """What a posting needs from the company: account types, region and currencies."""

    account_types: dict[str, str]  # Account Id -> AccountType
    taxed_lines: bool  # False for a US company (no tax codes on purchases)
    home_currency: str | None
    multi_currency: bool


def doc_number(key: str) -> str:
    if len(key) <= DOC_NUMBER_MAX:
        return key
    digest = base64.b32encode(hashlib.sha256(key.encode()).digest()).decode()
    return "ES" + digest[: DOC_NUMBER_MAX - 2]


def note(key: str) -> str:
    return NOTE_PREFIX + key


def holds_key(entity: dict[str, Any], key: str) -> bool:
    """Whether a found entity is ours for ``key`` (its note names the key)."""
    return str(entity.get("DocNumber")) == doc_number(key) and str(
        entity.get("PrivateNote") or ""
    ).startswith(f"{note(key)} (revision ")


def entity_of(posting: Posting, chart: Chart) -> str:
    if posting.kind == "reimbursable":
        return "Bill"
    if posting.kind == "transfer":
        return "Transfer"
    if posting.kind == "adjustment":
        return "JournalEntry"
    card = chart.account_types.get(posting.counter_account or "") == "Credit Card"
    return "Deposit" if posting.type in RECEIVE and not card else "Purchase"


def record(posting: Posting, chart: Chart, revision: int = 1) -> dict[str, Any]:
    """The entity's body, its fields in the order of Intuit's schema (``Transaction``'s
    own, then the entity's)."""
    entity = entity_of(posting, chart)
    head: dict[str, Any] = {
        "DocNumber": doc_number(posting.key),
        "TxnDate": posting.date.isoformat(),
    }
    department = _department(posting)
    if department and entity != "JournalEntry":  # a journal keeps it per line
        head["DepartmentRef"] = {"value": department}
    head |= _currency(posting, chart)
    narration = f" — {posting.narration}" if posting.narration else ""
    head["PrivateNote"] = (f"{note(posting.key)} (revision {revision}){narration}")[:4000]
    build = {
        "Transfer": _transfer,
        "JournalEntry": _journal,
        "Bill": _bill,
        "Deposit": _deposit,
        "Purchase": _purchase,
    }[entity]
    return {**head, **build(posting, chart)}


def _money(value: Decimal) -> float:
    """Amounts are JSON numbers in QuickBooks; ours have at most 4 decimals."""
    return float(value)


def _account(account: str, chart: Chart, index: int) -> dict[str, str]:
    if account not in chart.account_types:
        raise ValidationConnectorError(
            f"lines[{index}]: account {account} is not in QuickBooks' chart.",
            field="lines.accountRef",
        )
    return {"value": account}


def _currency(posting: Posting, chart: Chart) -> dict[str, Any]:
    if not posting.currency or posting.currency == chart.home_currency:
        return {}
    if not chart.multi_currency:
        raise ValidationConnectorError(
            f"This QuickBooks company keeps its books in {chart.home_currency} only "
            f"(multi-currency is off); {posting.currency} cannot be posted.",
            field="currency",
        )
    values: dict[str, Any] = {"CurrencyRef": {"value": posting.currency}}
    if posting.currency_rate is not None:
        values["ExchangeRate"] = float(posting.currency_rate)
    return values


def _classes(line: PostingLine, index: int) -> dict[str, Any]:
    classes = [ref for kind, ref in line.tracking if kind == "trackingCategories"]
    picked = [ref.removeprefix("class_") for ref in classes if ref.startswith("class_")]
    unknown = [ref for ref in classes if not ref.startswith(("class_", "department_"))]
    if unknown or len(picked) > 1:
        raise ValidationConnectorError(
            f"lines[{index}]: QuickBooks takes one class (class_<id>) and one location "
            f"(department_<id>) per line; got {', '.join(classes)}.",
            field="trackingRefs",
        )
    return {"ClassRef": {"value": picked[0]}} if picked else {}


def _department(posting: Posting) -> str | None:
    found = {
        ref.removeprefix("department_")
        for line in posting.lines
        for kind, ref in line.tracking
        if kind == "trackingCategories" and ref.startswith("department_")
    }
    if len(found) > 1:
        raise ValidationConnectorError(
            "QuickBooks keeps one location (department) per transaction; the lines name "
            f"{len(found)}.",
            field="trackingRefs",
        )
    return found.pop() if found else None


def _tax(line: PostingLine, chart: Chart, index: int) -> tuple[Decimal, dict[str, Any]]:
    """The line's amount and its tax fields, by the company's region."""
    if not chart.taxed_lines:
        return line.amount + line.tax, {}  # US: tax is part of the cost
    if not line.tax_rate:
        raise ValidationConnectorError(
            f"lines[{index}]: this QuickBooks company needs a tax code on every line "
            "(taxRateRef; use NON's id for no tax).",
            field="taxRateRef",
        )
    return line.amount, {"TaxCodeRef": {"value": line.tax_rate}}


def _tax_mode(chart: Chart) -> dict[str, str]:
    return {"GlobalTaxCalculation": "TaxExcluded"} if chart.taxed_lines else {}


def _expense_lines(posting: Posting, chart: Chart) -> list[dict[str, Any]]:
    lines = []
    for index, line in enumerate(posting.lines):
        amount, tax = _tax(line, chart, index)
        lines.append(
            {
                "Description": line.description or posting.narration or posting.type,
                "Amount": _money(amount),
                "DetailType": "AccountBasedExpenseLineDetail",
                "AccountBasedExpenseLineDetail": {
                    **_classes(line, index),
                    "AccountRef": _account(line.account, chart, index),
                    **tax,
                },
            }
        )
    return lines


def _entity(posting: Posting) -> dict[str, Any]:
    if not posting.contact:
        return {}
    return {"value": posting.contact, "type": ENTITY_TYPE.get(posting.contact_kind, "Vendor")}


def _counter(posting: Posting, chart: Chart) -> str:
    account = posting.counter_account
    if account is None or account not in chart.account_types:
        raise ValidationConnectorError(
            f"The bank or card account {account} is not in QuickBooks' chart.",
            field="bankAccountRef",
        )
    return account


def _purchase(posting: Posting, chart: Chart) -> dict[str, Any]:
    account = _counter(posting, chart)
    kind = chart.account_types[account]
    payment = {"Credit Card": "CreditCard", "Bank": "Check"}.get(kind, "Cash")
    body: dict[str, Any] = {
        "Line": _expense_lines(posting, chart),
        "AccountRef": {"value": account},
        "PaymentType": payment,
    }
    entity = _entity(posting)
    if entity:
        body["EntityRef"] = entity
    if posting.type in RECEIVE:
        body["Credit"] = True  # a credit-card credit
    return body | _tax_mode(chart)


def _deposit(posting: Posting, chart: Chart) -> dict[str, Any]:
    account = _counter(posting, chart)
    lines = []
    entity = _entity(posting)
    for index, line in enumerate(posting.lines):
        amount, tax = _tax(line, chart, index)
        detail: dict[str, Any] = {"Entity": entity} if entity else {}
        detail |= {**_classes(line, index), "AccountRef": _account(line.account, chart, index)}
        detail |= tax
        lines.append(
            {
                "Description": line.description or posting.narration or posting.type,
                "Amount": _money(amount),
                "DetailType": "DepositLineDetail",
                "DepositLineDetail": detail,
            }
        )
    return {"Line": lines, "DepositToAccountRef": {"value": account}, **_tax_mode(chart)}


def _bill(posting: Posting, chart: Chart) -> dict[str, Any]:
    if not posting.contact:
        raise ValidationConnectorError(
            "A reimbursable expense is a bill to the employee: set contactRef to the "
            "employee's supplier (vendor) record.",
            field="contactRef",
        )
    return {
        "Line": _expense_lines(posting, chart),
        "VendorRef": {"value": posting.contact},
        **_tax_mode(chart),
        "DueDate": (posting.due_date or posting.date).isoformat(),
    }


def _transfer(posting: Posting, chart: Chart) -> dict[str, Any]:
    source, target = posting.lines  # from (credit, negative), to (debit, positive)
    return {
        "FromAccountRef": _account(source.account, chart, 0),
        "ToAccountRef": _account(target.account, chart, 1),
        "Amount": _money(-source.amount),
    }


def _journal(posting: Posting, chart: Chart) -> dict[str, Any]:
    department = _department(posting)
    lines = []
    entity = _entity(posting)
    for index, line in enumerate(posting.lines):
        detail: dict[str, Any] = {"PostingType": "Debit" if line.amount >= 0 else "Credit"}
        if entity:
            detail["Entity"] = {"Type": entity["type"], "EntityRef": {"value": entity["value"]}}
        detail |= {
            "AccountRef": _account(line.account, chart, index),
            **_classes(line, index),
        }
        if department:
            detail["DepartmentRef"] = {"value": department}
        lines.append(
            {
                "Description": line.description or posting.narration or "Adjustment",
                "Amount": _money(abs(line.amount)),
                "DetailType": "JournalEntryLineDetail",
                "JournalEntryLineDetail": detail,
            }
        )
    return {"Line": lines}
