"""Postings as Beancount transactions (the table is in docs/posting.md).

Every transaction carries ``expense-sync-id`` (the client's transaction id) and
``expense-sync-revision`` metadata: the engine asks for them before writing, so a write
repeated after a crash is found instead of posted twice.
"""

from __future__ import annotations

from decimal import Decimal

from expense_sync.connectors.base import Posting, PostingLine
from expense_sync.connectors.base.posting import LINE_SIGN
from expense_sync.connectors.beancount.directives import quote

ID_KEY = "expense-sync-id"
REVISION_KEY = "expense-sync-revision"
INPUT_TAX = "Assets:Tax:InputTax"
OUTPUT_TAX = "Liabilities:Tax:SalesTax"
EMPLOYEE_PAYABLE = "Liabilities:AccountsPayable:Employees"


def reference(file_name: str, key: str) -> str:
    """Where a posting can be found again: the file and the id metadata to search for."""
    return f"{file_name}#{ID_KEY}={key}"


def render(posting: Posting, tax_accounts: dict[str, str], currency: str) -> str:
    """The transaction's text; ``currency`` (the ledger's operating currency) is used
    where neither the posting nor its line has one. A transfer's sides are each in their
    account's currency (``PostingLine.currency``)."""
    unit = posting.currency or currency
    payee = posting.payee or ""
    narration = posting.narration or f"{posting.type} {posting.key}"
    lines = [f"{posting.date.isoformat()} * {quote(payee)} {quote(narration)}"]
    meta = {
        ID_KEY: posting.key,
        REVISION_KEY: str(posting.revision),
        "expense-sync-type": posting.type,
    }
    if posting.contact:
        meta[posting.contact_kind] = posting.contact
    if posting.currency_rate is not None:
        meta["currency-rate"] = format(posting.currency_rate, "f")
    if posting.due_date is not None:
        meta["due-date"] = posting.due_date.isoformat()
    lines += [f"  {key}: {quote(value)}" for key, value in meta.items()]
    for line in posting.lines:
        lines += _legs(posting, line, tax_accounts, unit)
    counter = _counter_account(posting)
    if counter is not None:
        sign = -LINE_SIGN[posting.type]
        lines.append(f"  {counter}  {_amount(sign * posting.total)} {unit}")
    return "\n".join(lines) + "\n"


def _legs(
    posting: Posting, line: PostingLine, tax_accounts: dict[str, str], unit: str
) -> list[str]:
    sign = LINE_SIGN.get(posting.type, 1)
    unit = line.currency or unit
    legs = [f"  {line.account}  {_amount(sign * line.amount)} {unit}{_price(posting, line)}"]
    if line.description:
        legs.append(f"    description: {quote(line.description)}")
    if line.tracking:
        legs.append(f"    tracking: {quote(','.join(ref for _, ref in line.tracking))}")
    if line.tax:
        default = OUTPUT_TAX if posting.type == "Reward" else INPUT_TAX
        account = tax_accounts.get(line.tax_rate or "", default)
        legs.append(f"  {account}  {_amount(sign * line.tax)} {unit}")
        legs.append(f"    tax-rate: {quote(line.tax_rate or '')}")
    return legs


def _price(posting: Posting, line: PostingLine) -> str:
    """A transfer between accounts in two currencies is a conversion: its ``from`` side
    carries a total price in the other side's amount (``-100 GBP @@ 127.70 USD``), so the
    entry balances at the rate the two amounts imply, which Beancount's loader checks."""
    if posting.kind != "transfer" or line is not posting.lines[0]:
        return ""
    target = posting.lines[1]
    if target.currency is None or target.currency == (line.currency or target.currency):
        return ""
    return f" @@ {_amount(abs(target.amount))} {target.currency}"


def _counter_account(posting: Posting) -> str | None:
    if posting.kind == "expense":
        return posting.counter_account
    if posting.kind == "reimbursable":
        return posting.counter_account or EMPLOYEE_PAYABLE
    return None  # transfers and adjustments balance on their own lines


def _amount(value: Decimal) -> str:
    return format(value + 0, "f")  # + 0 turns -0 into 0
