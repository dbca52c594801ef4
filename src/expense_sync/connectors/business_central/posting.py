"""Postings as Business Central records, written as the calls of one atomic ``$batch``
(docs/posting.md has the table):

- Payment: a journal line per expense line (its G/L account, amount positive), balanced
  by the card's bank account; key in ``documentNumber``;
- Refund, Chargeback, Reward: the same with the amounts negative;
- ReimbursableExpense: a purchase invoice to the employee's vendor, posted with
  ``Microsoft.NAV.post`` unless ``postAsDraft``; key in ``vendorInvoiceNumber``;
- Transfer: one journal line, bank account balanced by bank account;
- Adjustment: journal lines on G/L or bank accounts, summing to zero.

The key is the transaction id's digest, ``XS`` + 18 base32 characters: BC's document
numbers are ``Code[20]`` and a Codat id may be longer; the id itself goes in
``externalDocumentNumber`` (35) or the line's description for people to read. Tracking
is a ``dimensionSetLines`` call per dimension value on its line, in the same batch.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from expense_sync.connectors.base import Posting, PostingLine, ValidationConnectorError
from expense_sync.connectors.base.posting import LINE_SIGN
from expense_sync.connectors.business_central.api import Call

JOURNAL_KINDS = ("expense", "transfer", "adjustment")


def document_number(key: str) -> str:
    digest = base64.b32encode(hashlib.sha256(key.encode()).digest()).decode()
    return f"XS{digest[:18]}"


@dataclass(frozen=True)
class Chart:
    """What postings need from the company: account kinds, tax group codes, dimension
    codes of each value, the journal, the base currency."""

    accounts: set[str]
    bank_accounts: set[str]
    tax_codes: dict[str, str]  # tax group id -> code
    dimension_of: dict[str, tuple[str, str]]  # value id -> (dimension code, value code)
    journal_id: str
    currency: str | None


def _money(value: Decimal) -> float:
    return float(value)


def _account_type(account: str, chart: Chart, field: str) -> str:
    if account in chart.accounts:
        return "G/L Account"
    if account in chart.bank_accounts:
        return "Bank Account"
    raise ValidationConnectorError(
        f"Account {account} is neither a G/L account nor a bank account in Business Central.",
        field=field,
    )


def _tax_code(line: PostingLine, chart: Chart, index: int) -> str:
    if not line.tax_rate:
        return ""
    if line.tax_rate not in chart.tax_codes:
        raise ValidationConnectorError(
            f"lines[{index}]: {line.tax_rate} is not a Business Central tax group.",
            field="taxRateRef",
        )
    return chart.tax_codes[line.tax_rate]


def _dimensions(line: PostingLine, chart: Chart, index: int) -> list[dict[str, str]]:
    found: list[dict[str, str]] = []
    for kind, ref in line.tracking:
        if kind != "trackingCategories":
            continue
        if ref not in chart.dimension_of:
            raise ValidationConnectorError(
                f"lines[{index}]: {ref} is not a dimension value; Business Central tracks by "
                "dimension value (pick a trackingCategories record with a parentId).",
                field="trackingRefs",
            )
        code, value = chart.dimension_of[ref]
        if any(d["code"] == code for d in found):
            raise ValidationConnectorError(
                f"lines[{index}]: two values of dimension {code}; BC takes one per dimension.",
                field="trackingRefs",
            )
        found.append({"code": code, "valueCode": value})
    return found


def check_currency(posting: Posting, chart: Chart) -> None:
    """API v2.0 journal lines carry no currency: they post in the company's currency."""
    if (
        posting.kind in JOURNAL_KINDS
        and posting.currency
        and chart.currency
        and posting.currency != chart.currency
    ):
        raise ValidationConnectorError(
            f"Business Central's API takes journal lines in the company's currency "
            f"({chart.currency}) only; this transaction is in {posting.currency}.",
            field="currency",
        )


class CallIds:
    """Unique request ids within one batch."""

    def __init__(self) -> None:
        self.count = 0

    def next(self) -> str:
        self.count += 1
        return str(self.count)


def calls(posting: Posting, chart: Chart, company: str, ids: CallIds) -> list[Call]:
    """The batch requests that write ``posting`` (the first names its main record)."""
    check_currency(posting, chart)
    if posting.kind == "reimbursable":
        return _invoice(posting, chart, company, ids)
    lines = _journal_lines(posting, chart)
    found: list[Call] = []
    for body, dimensions in lines:
        line = Call(
            ids.next(), "POST", f"{company}/journals({chart.journal_id})/journalLines", body
        )
        found.append(line)
        found += [
            Call(ids.next(), "POST", f"${line.id}/dimensionSetLines", dimension)
            for dimension in dimensions
        ]
    return found


def _line_base(posting: Posting) -> dict[str, Any]:
    return {
        "postingDate": posting.date.isoformat(),
        "documentNumber": document_number(posting.key),
        "externalDocumentNumber": posting.key[:35],
    }


def _journal_lines(
    posting: Posting, chart: Chart
) -> list[tuple[dict[str, Any], list[dict[str, str]]]]:
    base = _line_base(posting)
    text = posting.narration or posting.payee or posting.type
    if posting.kind == "transfer":
        source, target = posting.lines
        for line, field in ((source, "lines[0].accountRef"), (target, "lines[1].accountRef")):
            if _account_type(line.account, chart, field) != "Bank Account":
                raise ValidationConnectorError(
                    "A transfer moves money between two Business Central bank accounts.",
                    field=field,
                )
        transfer = {
            **base,
            "accountType": "Bank Account",
            "accountId": target.account,
            "balanceAccountType": "Bank Account",
            "balancingAccountId": source.account,
            "amount": _money(target.amount),
            "description": (target.description or text)[:100],
        }
        return [(transfer, [])]
    if posting.kind == "expense" and posting.counter_account is None:
        raise ValidationConnectorError(
            "A card expense needs the card's bank account.", field="bankAccountRef"
        )
    if posting.kind == "expense" and posting.counter_account not in chart.bank_accounts:
        raise ValidationConnectorError(
            f"{posting.counter_account} is not a Business Central bank account.",
            field="bankAccountRef",
        )
    sign = LINE_SIGN.get(posting.type, 1) if posting.kind == "expense" else 1
    found = []
    for index, line in enumerate(posting.lines):
        field = f"lines[{index}].accountRef"
        body: dict[str, Any] = {
            **base,
            "accountType": _account_type(line.account, chart, field),
            "accountId": line.account,
            "amount": _money(sign * (line.amount + line.tax)),
            "description": (line.description or text)[:100],
            "taxCode": _tax_code(line, chart, index),
        }
        if posting.kind == "expense":
            body["balanceAccountType"] = "Bank Account"
            body["balancingAccountId"] = posting.counter_account
        found.append((body, _dimensions(line, chart, index)))
    return found


def _invoice(posting: Posting, chart: Chart, company: str, ids: CallIds) -> list[Call]:
    if not posting.contact:
        raise ValidationConnectorError(
            "A reimbursable expense is a purchase invoice to the employee's vendor: set "
            "contactRef to that vendor.",
            field="contactRef",
        )
    header: dict[str, Any] = {
        "vendorId": posting.contact,
        "vendorInvoiceNumber": document_number(posting.key),
        "invoiceDate": posting.date.isoformat(),
        "postingDate": posting.date.isoformat(),
        "dueDate": (posting.due_date or posting.date).isoformat(),
    }
    if posting.currency and posting.currency != chart.currency:
        header["currencyCode"] = posting.currency
    invoice = Call(ids.next(), "POST", f"{company}/purchaseInvoices", header)
    found = [invoice]
    for index, line in enumerate(posting.lines):
        if line.account not in chart.accounts:
            raise ValidationConnectorError(
                f"Account {line.account} is not a G/L account in Business Central.",
                field=f"lines[{index}].accountRef",
            )
        item = {
            "lineType": "Account",
            "accountId": line.account,
            "description": (line.description or posting.narration or posting.key)[:100],
            "quantity": 1,
            "unitCost": _money(line.amount),
            "taxCode": _tax_code(line, chart, index),
        }
        call = Call(ids.next(), "POST", f"${invoice.id}/purchaseInvoiceLines", item)
        found.append(call)
        found += [
            Call(ids.next(), "POST", f"${call.id}/dimensionSetLines", dimension)
            for dimension in _dimensions(line, chart, index)
        ]
    if not posting.draft:
        found.append(Call(ids.next(), "POST", f"${invoice.id}/Microsoft.NAV.post"))
    return found
