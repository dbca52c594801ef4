"""Postings as Tryton records: the values ``create`` takes (the table is in docs/posting.md).

Pure functions over a ``Chart`` (what one batch needs to know about the books, read once
per session), so the mapping is testable without a server and the write protocol
(``ledger.py``) only moves values.

- card expenses, transfers and adjustments become an ``account.move`` whose
  ``description`` starts with the marker ``expense-sync:<key>/<revision>``; a replaced
  revision gets a reversing move marked ``expense-sync:<key>/<revision>/reversal`` whose
  ``origin`` is the move it reverses (Tryton's own cancel shape);
- reimbursable expenses become a supplier invoice (``account.invoice``, type ``in``) whose
  ``reference`` is the marker; a replaced revision is cancelled (Tryton's cancel button).

Amounts are signed here (+ debit, - credit). A foreign-currency move carries the
transaction's amounts in ``amount_second_currency`` and the company amounts
``amount * currencyRate`` (Codat's rate is base units per foreign unit: £20 at 1.277 is
$25.54 in a USD company), rounded per line; the rounding difference goes to the
counter line (or the largest line), so the move balances in the company currency.

A transfer's sides are each in their account's currency (an account with a second
currency, as Tryton keeps a foreign bank account); see ``_transfer_amounts``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from expense_sync.connectors.base import Posting, PostingLine, ValidationConnectorError
from expense_sync.connectors.base.posting import LINE_SIGN

MARK = "expense-sync:"
REVERSAL = "/reversal"
JOURNAL_TYPE = {"expense": "cash", "transfer": "cash", "adjustment": "general"}


@dataclass(frozen=True)
class Chart:
    """What a batch needs from the books; read once per session and kept (ledger.py)."""

    company: int
    currency: int
    currency_code: str
    quantum: Decimal  # the company currency's rounding, e.g. 0.01
    currencies: dict[str, int]  # ISO code -> id
    journals: dict[str, int]  # journal type -> first journal of that type
    periods: list[tuple[dt.date, dt.date, int]]
    party_required: dict[int, bool]  # account id -> whether its lines need a party
    taxes: dict[int, tuple[str, int | None, int | None]]  # name, invoice/credit note account
    payables: dict[int, int | None] = field(default_factory=dict)  # party -> payable account
    addresses: dict[int, int] = field(default_factory=dict)  # party -> its invoice address
    # (ISO code, date) -> company currency units per unit, Tryton's rate on that date
    rates: dict[tuple[str, dt.date], Decimal] = field(default_factory=dict)


def marker(key: str, revision: int) -> str:
    return f"{MARK}{key}/{revision}"


def parse_marker(text: str | None) -> tuple[str, int, bool] | None:
    """(key, revision, is a reversal) of a description or reference we wrote."""
    if not text or not text.startswith(MARK):
        return None
    token = text[len(MARK) :].split(" ", 1)[0]
    reversal = token.endswith(REVERSAL)
    key, _, revision = token.removesuffix(REVERSAL).rpartition("/")
    return (key, int(revision), reversal) if key and revision.isdigit() else None


def key_domain(field_name: str, keys: list[str]) -> list[Any]:
    """A Tryton domain matching records whose ``field_name`` carries one of ``keys``."""
    clauses: list[Any] = [[field_name, "like", f"{MARK}{_escaped(key)}/%"] for key in keys]
    return clauses[0] if len(clauses) == 1 else ["OR", *clauses]


def _escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def move_values(posting: Posting, chart: Chart) -> dict[str, Any]:
    """The ``account.move`` of an expense, transfer or adjustment."""
    journal = chart.journals.get(JOURNAL_TYPE[posting.kind])
    if journal is None:
        raise ValidationConnectorError(
            f"The Tryton books have no journal of type {JOURNAL_TYPE[posting.kind]}; create one "
            "(Financial > Configuration > Journals)."
        )
    legs = _legs(posting, chart)
    if posting.kind == "transfer":
        company, seconds = _transfer_amounts(posting, chart)
    else:
        currency, rate = _conversion(posting, chart)
        seconds = [currency] * len(legs)
        company = [_round(amount * rate, chart.quantum) for _, amount, _ in legs]
        difference = -sum(company, Decimal(0))
        if difference:
            # The counter line is last; without one the largest line absorbs the rounding.
            index = len(legs) - 1 if posting.counter_account else _largest(company)
            company[index] += difference
    narration = posting.narration or f"{posting.type} {posting.key}"
    return {
        "company": chart.company,
        "journal": journal,
        "period": period_of(posting.date, chart),
        "date": posting.date,
        "description": f"{marker(posting.key, posting.revision)} {narration}"[:1000],
        "lines": [
            ["create", [
                _move_line(posting, chart, leg, value, second)
                for leg, value, second in zip(legs, company, seconds, strict=True)
            ]],
        ],
    }  # fmt: skip


Leg = tuple[int, Decimal, dict[str, Any]]  # account, signed amount, extra line values


def _legs(posting: Posting, chart: Chart) -> list[Leg]:
    sign = LINE_SIGN.get(posting.type, 1) if posting.kind == "expense" else 1
    legs: list[Leg] = []
    for line in posting.lines:
        legs.append((_id(line.account, "accountRef"), sign * line.amount, _line_extras(line)))
        if line.tax:
            tax = _tax(line, chart)
            name, invoice_account, credit_account = chart.taxes[tax]
            account = invoice_account if sign > 0 else credit_account
            if account is None:
                raise ValidationConnectorError(
                    f"Tax {name} has no {'invoice' if sign > 0 else 'credit note'} account in "
                    "Tryton; set one (Financial > Configuration > Taxes).",
                    field="taxRateRef",
                )
            legs.append((account, sign * line.tax, {"tax": tax, "kind": "tax"}))
            legs[-2][2].update(tax=tax, kind="base")
    if posting.kind == "expense":
        if posting.counter_account is None:
            raise ValidationConnectorError(
                "A card expense needs a bank or card account.", field="bankAccountRef"
            )
        legs.append((_id(posting.counter_account, "bankAccountRef"), -sign * posting.total, {}))
    return legs


def _line_extras(line: PostingLine) -> dict[str, Any]:
    analytic = [int(ref) for kind, ref in line.tracking if kind == "trackingCategories"]
    others = [f"{kind} {ref}" for kind, ref in line.tracking if kind != "trackingCategories"]
    description = "; ".join(filter(None, [line.description, *others])) or None
    return {"analytic": analytic, "description": description}


def _move_line(
    posting: Posting, chart: Chart, leg: Leg, amount: Decimal, currency: int | None
) -> dict[str, Any]:
    account, foreign, extras = leg
    values: dict[str, Any] = {
        "account": account,
        "debit": max(amount, Decimal(0)),
        "credit": max(-amount, Decimal(0)),
    }
    if chart.party_required.get(account) and posting.contact:
        values["party"] = _id(posting.contact, "contactRef")
    if extras.get("description"):
        values["description"] = extras["description"]
    if currency is not None:
        values["second_currency"] = currency
        values["amount_second_currency"] = foreign
    if "tax" in extras:
        values["tax_lines"] = [
            ["create", [{"type": extras["kind"], "tax": extras["tax"], "amount": amount}]]
        ]
    if extras.get("analytic"):
        values["analytic_lines"] = [
            ["create", [analytic_line(ref, amount, posting.date) for ref in extras["analytic"]]]
        ]
    return values


def analytic_line(account: int, amount: Decimal, date: dt.date) -> dict[str, Any]:
    """The whole amount of a line on one analytic account (one line per tracking axis)."""
    return {
        "account": account,
        "debit": max(amount, Decimal(0)),
        "credit": max(-amount, Decimal(0)),
        "date": date,
    }


def reversal_values(move: dict[str, Any], key: str, revision: int) -> dict[str, Any]:
    """A move that reverses ``move`` (as read: lines with debit, credit, analytic lines)."""
    lines = []
    for line in move["lines"]:
        values: dict[str, Any] = {
            "account": line["account"],
            "debit": line["credit"],
            "credit": line["debit"],
            "party": line["party"],
            "description": line["description"],
            "origin": f"account.move.line,{line['id']}",
        }
        if line["second_currency"]:
            values["second_currency"] = line["second_currency"]
            values["amount_second_currency"] = -line["amount_second_currency"]
        lines.append(values)
    return {
        "company": move["company"],
        "journal": move["journal"],
        "period": move["period"],
        "date": move["date"],
        "origin": f"account.move,{move['id']}",
        "description": f"{marker(key, revision)}{REVERSAL} replaced by a new revision",
        "lines": [["create", lines]],
    }


def invoice_values(posting: Posting, chart: Chart) -> dict[str, Any]:
    """The posted supplier invoice of a reimbursable expense, owed to the employee."""
    journal = chart.journals.get("expense")
    if journal is None:
        raise ValidationConnectorError(
            "The Tryton books have no journal of type expense for supplier invoices; create "
            "one (Financial > Configuration > Journals)."
        )
    party = _id(posting.contact or "", "contactRef")
    payable = chart.payables.get(party)
    if payable is None:
        raise ValidationConnectorError(
            f"The employee's party {party} has no payable account in Tryton; set one on the "
            "party (Accounting tab) or a default (Financial > Configuration > Configuration).",
            field="contactRef",
        )
    currency = chart.currencies.get(posting.currency or chart.currency_code)
    if currency is None:
        raise ValidationConnectorError(
            f"Tryton has no currency {posting.currency}; add it (Currency > Currencies).",
            field="currency",
        )
    narration = posting.narration or f"Expense claim {posting.key}"
    lines, taxes = [], []
    for line in posting.lines:
        lines.append(
            {
                "type": "line",
                "company": chart.company,
                "currency": currency,
                "account": _id(line.account, "accountRef"),
                "quantity": 1.0,
                "unit_price": line.amount,
                "description": line.description or narration,
            }
        )
        if line.tax:
            tax = _tax(line, chart)
            name, account, _ = chart.taxes[tax]
            if account is None:
                raise ValidationConnectorError(
                    f"Tax {name} has no invoice account in Tryton; set one.", field="taxRateRef"
                )
            # Manual taxes keep the client's tax amount exactly (Tryton would recompute).
            taxes.append(
                {
                    "description": name,
                    "tax": tax,
                    "base": line.amount,
                    "amount": line.tax,
                    "account": account,
                    "manual": True,
                }
            )
    values: dict[str, Any] = {
        "type": "in",
        "company": chart.company,
        "party": party,
        "invoice_address": chart.addresses[party],
        "invoice_date": posting.date,
        "currency": currency,
        "journal": journal,
        "account": payable,
        "reference": marker(posting.key, posting.revision),
        "description": narration[:1000],
        "payment_term_date": posting.due_date,
        "lines": [["create", lines]],
    }
    if taxes:
        values["taxes"] = [["create", taxes]]
    return values


def period_of(date: dt.date, chart: Chart) -> int:
    for start, end, period in chart.periods:
        if start <= date <= end:
            return period
    raise ValidationConnectorError(
        f"The Tryton books have no period for {date.isoformat()}: create the fiscal year and "
        "its periods (Financial > Configuration > Fiscal Years).",
        field="issueDate",
    )


def _conversion(posting: Posting, chart: Chart) -> tuple[int | None, Decimal]:
    """The second currency of a foreign-currency move (None in the company's) and the rate."""
    if posting.currency is None or posting.currency == chart.currency_code:
        return None, Decimal(1)
    currency = chart.currencies.get(posting.currency)
    if currency is None:
        raise ValidationConnectorError(
            f"Tryton has no currency {posting.currency}; add it (Currency > Currencies).",
            field="currency",
        )
    if posting.currency_rate is None:
        raise ValidationConnectorError(
            f"currencyRate is required for a transaction in {posting.currency}: the company's "
            f"currency in Tryton is {chart.currency_code}.",
            field="currencyRate",
        )
    return currency, posting.currency_rate


def transfer_currencies(posting: Posting, chart: Chart) -> tuple[str, str]:
    """The currencies of a transfer's ``from`` and ``to`` sides (their accounts')."""
    source, target = posting.lines
    default = posting.currency or chart.currency_code
    return source.currency or default, target.currency or default


def _transfer_amounts(posting: Posting, chart: Chart) -> tuple[list[Decimal], list[int | None]]:
    """A transfer's company amounts and second currencies, ``from`` then ``to``.

    A side in the company's currency gives the amount, and the other side, in its own
    currency, is converted at the rate the two amounts imply (Tryton's move keeps the
    foreign amount as ``amount_second_currency``). Two sides in foreign currencies (one
    or two) are converted the way Tryton converts a line it is given in a second
    currency: with Tryton's own rate of the ``to`` side's currency on the transfer date
    (``Chart.rates``, read by ledger.py)."""
    source, target = posting.lines
    currencies = transfer_currencies(posting, chart)
    company_code = chart.currency_code
    if currencies[1] == company_code:
        moved = target.amount
    elif currencies[0] == company_code:
        moved = -source.amount
    else:
        rate = chart.rates.get((currencies[1], posting.date))
        if rate is None:
            raise ValidationConnectorError(
                f"Tryton has no rate for {currencies[1]} on {posting.date.isoformat()}; add "
                "one (Currency > Currencies > Rates).",
                field="to.accountRef",
            )
        moved = _round(target.amount * rate, chart.quantum)
    seconds: list[int | None] = []
    for currency in currencies:
        if currency == company_code:
            seconds.append(None)
        elif currency in chart.currencies:
            seconds.append(chart.currencies[currency])
        else:
            raise ValidationConnectorError(
                f"Tryton has no currency {currency}; add it (Currency > Currencies).",
                field="accountRef",
            )
    return [-moved, moved], seconds


def _tax(line: PostingLine, chart: Chart) -> int:
    tax = _id(line.tax_rate or "", "taxRateRef")
    if tax not in chart.taxes:
        raise ValidationConnectorError(f"No tax {line.tax_rate} in Tryton.", field="taxRateRef")
    return tax


def _id(value: str, field_name: str) -> int:
    if not value.isdigit():
        raise ValidationConnectorError(
            f"{field_name}.id must be a Tryton id (digits); got {value[:40]!r}.", field=field_name
        )
    return int(value)


def _round(value: Decimal, quantum: Decimal) -> Decimal:
    return value.quantize(quantum)


def _largest(amounts: list[Decimal]) -> int:
    return max(range(len(amounts)), key=lambda i: abs(amounts[i]))
