"""Which currency a transaction's amounts are in, and whether they fit that currency.

The currency comes from the request, else the account, else the company:

- a **transfer** has no currency field in the contract: each side's ``amount`` is in
  its own account's currency (Codat: "in the native currency of the account"), read
  from the books' chart of accounts; two sides in one currency must move the same
  amount, two sides in different currencies are a conversion at the rate their amounts
  imply (£100 out, $127.70 in: 1.277);
- an **expense** without ``currency`` is in its bank or card account's currency;
- a **reimbursable expense** or an **adjustment** without ``currency`` is in the
  currency its lines' accounts share, else the company's base currency.

An account whose currency the books do not give is taken to be in the company's base
currency. When neither is known (the cache was never refreshed), the currency stays
unknown at intake; the sync resolves it from the books as they are then, and a problem
found there fails that transaction alone (``ValidationError``) instead of the request.

Every amount must then fit its currency's ISO 4217 minor units (``domain.money``).
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any

from expense_sync.domain.errors import Problem
from expense_sync.domain.expenses import References, Transaction, check_references, line_paths
from expense_sync.domain.money import too_precise


def in_currency(transaction: Transaction, books: References) -> Transaction:
    """The transaction with its currency (and, for a transfer, each side's) resolved as
    far as ``books`` allow; apply ``with_defaults`` first, so a configured card counts."""
    base = books.base_currency

    def of(account: str | None) -> str | None:
        record = (books.accounts or {}).get(account or "")
        return (record.get("currency") if record else None) or base

    if transaction.kind == "transfer":
        lines = [line | {"currency": of(line["account"])} for line in transaction.lines]
        return replace(transaction, lines=lines, currency=lines[0]["currency"])
    if transaction.currency is not None:
        return transaction
    if transaction.kind == "expense":
        return replace(transaction, currency=of(transaction.refs.get("bankAccount")))
    shared = {of(line["account"]) for line in transaction.lines}
    return replace(transaction, currency=shared.pop() if len(shared) == 1 else base)


def check_against_books(
    transaction: Transaction, books: References, prefix: str = ""
) -> list[Problem]:
    """Everything the books decide about a transaction whose defaults are applied: the
    ids it uses (``check_references``) and its amounts in the currency they resolve."""
    resolved = in_currency(transaction, books)
    return check_references(resolved, books, prefix) + check_amounts(resolved, prefix)


def check_amounts(transaction: Transaction, prefix: str = "") -> list[Problem]:
    """Every amount whose currency is known must fit it; a transfer's two sides in one
    currency must move the same amount. Run on ``in_currency``'s result."""
    problems: list[Problem] = []
    for path, line in line_paths(transaction):
        currency = line.get("currency") or transaction.currency
        if currency is None:
            continue
        for name, amount in _amounts(transaction.kind, path, line):
            message = too_precise(name, amount, currency)
            if message:
                problems.append(Problem(f"{prefix}.{name}" if prefix else name, message))
    if transaction.kind == "transfer" and not problems:
        problems += _same_currency_same_amount(transaction, prefix)
    return problems


def _amounts(kind: str, path: str, line: dict[str, Any]) -> list[tuple[str, Decimal]]:
    """Each amount of a line under its field's path, as the request sent it."""
    if kind == "transfer":
        return [(f"{path}.amount", abs(line["amount"]))]  # sent positive, signed when read
    if kind == "adjustment":
        return [(f"{path}.amount", line["amount"])]
    return [(f"{path}.netAmount", line["amount"]), (f"{path}.taxAmount", line["tax"])]


def _same_currency_same_amount(transaction: Transaction, prefix: str) -> list[Problem]:
    source, target = transaction.lines
    sent, received = -source["amount"], target["amount"]
    currency = source.get("currency")
    if currency is None or currency != target.get("currency") or sent == received:
        return []
    name = f"{prefix}.to.amount" if prefix else "to.amount"
    return [
        Problem(
            name,
            f"Both accounts are in {currency}, so to.amount must equal from.amount "
            f"({format(sent, 'f')}); got {format(received, 'f')}. A transfer moves one "
            "amount; post a fee as an expense of its own.",
        )
    ]
