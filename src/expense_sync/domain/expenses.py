"""Expense transactions as the contract shapes them, and the rules they must keep.

Four kinds arrive through the API: card ``expense`` transactions (Payment, Refund,
Reward, Chargeback), ``reimbursable`` expenses owed to an employee, ``transfer``s between
two accounts and ``adjustment`` journals. ``read_transaction`` checks one body against the
contract's shape and the domain rules and returns it normalised (money as ``Decimal``,
dates as ``datetime.date``) with every problem found, each naming its field; nothing here
knows about HTTP or the database.

``check_references`` then checks the ids a transaction points at against what the
company's books hold (``References``), at intake from the cache and again at sync time
from the books themselves.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from typing import Any

from expense_sync.domain.errors import Problem

EXPENSE_TYPES = ("Payment", "Refund", "Reward", "Chargeback")
# The v1 contract's extra expense types, and the type each posts as: money into the card
# or bank account from the line's account (In) moves like a Refund, money out like a Payment.
V1_POSTS_AS = {
    "TransferIn": "Refund",
    "TransferOut": "Payment",
    "AdjustmentIn": "Refund",
    "AdjustmentOut": "Payment",
}
MAX_TRANSACTIONS = 50
MAX_LINES = 100
MAX_TRACKING = 10
MAX_AMOUNT = Decimal("1e13")
RATE_PLACES = 9  # Codat's currencyRate precision
CURRENCY = re.compile(r"^[A-Z]{3}$")
# Amounts as clients send them: within MAX_AMOUNT and 4 decimal places, so the checks
# ``money`` makes on every other value cannot fail for these and are skipped.
PLAIN_AMOUNT = re.compile(r"-?[0-9]{1,13}(?:\.[0-9]{1,4})?")
CONFIGURATION = "configuration"  # the validator of problems the company configuration fixes
TRACKING_TYPES = {
    "expense": ("trackingCategories", "customers"),
    "reimbursable": ("trackingCategories", "customers"),
    "adjustment": ("trackingCategories", "customers", "suppliers"),
}


@dataclass
class Transaction:
    """One transaction, normalised. ``lines`` hold ``amount`` (net, or the signed journal
    amount for adjustments), ``tax``, and the refs; ``refs`` the transaction-level ones."""

    kind: str
    id: str
    type: str
    date: dt.date
    currency: str | None
    currency_rate: Decimal | None
    lines: list[dict[str, Any]]
    refs: dict[str, str | None]
    text: dict[str, str | None]
    due_date: dt.date | None = None

    @property
    def total(self) -> Decimal:
        return sum((line["amount"] + line["tax"] for line in self.lines), Decimal(0))

    @property
    def posts_as(self) -> str:
        """The type the books see: a v1 transfer or adjustment moves like a Refund or a
        Payment of the card account."""
        return V1_POSTS_AS.get(self.type, self.type)


@dataclass
class References:
    """What the company's books hold, by id. ``None`` means not known (not read yet),
    so references of that type are not checked."""

    accounts: dict[str, dict[str, Any]] | None = None
    tax_rates: set[str] | None = None
    tracking: set[str] | None = None
    suppliers: set[str] | None = None
    customers: set[str] | None = None
    base_currency: str | None = None
    currencies: set[str] | None = None


@dataclass
class _Reader:
    """Walks a JSON body, collecting problems under their field paths."""

    prefix: str
    problems: list[Problem] = field(default_factory=list)

    def path(self, name: str) -> str:
        return f"{self.prefix}.{name}" if self.prefix else name

    def fail(self, name: str, message: str) -> None:
        self.problems.append(Problem(self.path(name), message))

    def text(self, body: dict[str, Any], name: str, *, required: bool = False) -> str | None:
        value = body.get(name)
        if value is None:
            if required:
                self.fail(name, f"{name} is required.")
            return None
        if not isinstance(value, str) or (required and not value.strip()):
            self.fail(
                name,
                f"{name} must be a non-empty string." if required else f"{name} must be a string.",
            )
            return None
        if len(value) > 4000:
            self.fail(name, f"{name} is {len(value)} characters long; at most 4000 are kept.")
            return None
        return value

    def rate(self, body: dict[str, Any], name: str) -> Decimal | None:
        """A currency rate: Codat gives rates to 9 decimal places, so they are kept."""
        return self.money(body, name, places=RATE_PLACES)

    def money(
        self, body: dict[str, Any], name: str, *, required: bool = False, places: int = 4
    ) -> Decimal | None:
        value = body.get(name)
        if value is None:
            if required:
                self.fail(name, f"{name} is required.")
            return None
        if isinstance(value, str) and PLAIN_AMOUNT.fullmatch(value):
            return Decimal(value)
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            self.fail(name, f"{name} must be a number, e.g. 12.50.")
            return None
        try:
            amount = Decimal(str(value))
        except InvalidOperation:
            self.fail(name, f"{name} must be a number, e.g. 12.50; got {str(value)[:40]!r}.")
            return None
        if not amount.is_finite() or abs(amount) >= MAX_AMOUNT:
            self.fail(name, f"{name} must be a finite amount below {MAX_AMOUNT:,.0f}.")
            return None
        exponent = amount.as_tuple().exponent
        if isinstance(exponent, int) and exponent < -places:
            self.fail(name, f"{name} has more than {places} decimal places ({value}); round it.")
            return None
        return amount

    def ref(self, body: dict[str, Any], name: str, *, required: bool = False) -> str | None:
        value = body.get(name)
        if value is None:
            if required:
                self.fail(name, f'{name} is required: an object with the id, e.g. {{"id": "…"}}.')
            return None
        if not isinstance(value, dict):
            self.fail(name, f'{name} must be an object with an id, e.g. {{"id": "…"}}.')
            return None
        ref_id = value.get("id")
        if ref_id is None and not required:
            return None
        if not isinstance(ref_id, str) or not ref_id.strip() or len(ref_id) > 200:
            self.fail(
                f"{name}.id", f"{name}.id must be a non-empty string of at most 200 characters."
            )
            return None
        return ref_id

    def date(self, body: dict[str, Any], name: str) -> dt.date | None:
        value = body.get(name)
        if value is None:
            self.fail(name, f"{name} is required, e.g. 2024-05-21 or 2024-05-21T00:00:00Z.")
            return None
        parsed = parse_date(value)
        if parsed is None:
            self.fail(
                name,
                f"{name} must be an ISO 8601 date or date-time, e.g. "
                f"2024-05-21T00:00:00Z; got {str(value)[:40]!r}.",
            )
        return parsed

    def items(self, body: dict[str, Any], name: str, low: int, high: int) -> list[Any] | None:
        value = body.get(name)
        if value is None:
            if low:
                self.fail(name, f"{name} is required: between {low} and {high} entries.")
            return None
        if not isinstance(value, list) or not low <= len(value) <= high:
            size = len(value) if isinstance(value, list) else "not a list"
            self.fail(name, f"{name} must be a list of {low} to {high} entries ({size}).")
            return None
        return value


def parse_date(value: object) -> dt.date | None:
    """Codat's DateTime: a date, or a date-time with or without an offset; the date part
    is the one the books record."""
    if not isinstance(value, str) or len(value) > 40:
        return None
    try:
        if len(value) == 10:
            return dt.date.fromisoformat(value)
        return dt.datetime.fromisoformat(value.replace("Z", "+00:00")).date()
    except ValueError:
        return None


def read_batch(kind: str, body: object) -> tuple[list[Transaction], list[Problem]]:
    """A create request: a list of 1 to 50 transactions with distinct ids."""
    if not isinstance(body, list) or not 1 <= len(body) <= MAX_TRANSACTIONS:
        size = f"{len(body)} were sent" if isinstance(body, list) else "the body is not a list"
        return [], [
            Problem(
                "body",
                f"Send a JSON list of 1 to {MAX_TRANSACTIONS} "
                f"transactions ({size}); split bigger batches.",
            )
        ]
    transactions, problems = [], []
    seen: dict[str, int] = {}
    for index, item in enumerate(body):
        transaction, found = read_transaction(kind, item, prefix=f"[{index}]")
        problems += found
        if transaction is None:
            continue
        if transaction.id in seen:
            problems.append(
                Problem(
                    f"[{index}].id",
                    f"id {transaction.id} is also used by "
                    f"transaction [{seen[transaction.id]}]; ids must be unique.",
                )
            )
        seen.setdefault(transaction.id, index)
        transactions.append(transaction)
    return transactions, problems


def read_transaction(
    kind: str, body: object, *, prefix: str = "", transaction_id: str | None = None
) -> tuple[Transaction | None, list[Problem]]:
    """One transaction body; ``transaction_id`` is the path's id for updates and transfers."""
    reader = _Reader(prefix)
    if not isinstance(body, dict):
        reader.problems.append(Problem(prefix or "body", "Each transaction must be a JSON object."))
        return None, reader.problems
    if transaction_id is None:
        sent = reader.text(body, "id", required=True)
        transaction_id = canonical_id(sent) if sent is not None else None
        if sent is not None and transaction_id is None:
            reader.fail(
                "id",
                f"id must be a UUID (your own id for the transaction); got {sent[:60]!r}.",
            )
    reading = {
        "expense": _expense,
        "reimbursable": _reimbursable,
        "transfer": _transfer,
        "adjustment": _adjustment,
    }[kind]
    transaction = reading(reader, body, transaction_id or "")
    if reader.problems:
        return None, reader.problems
    return transaction, []


def canonical_id(value: str) -> str | None:
    """A UUID in its one canonical spelling (lowercase, hyphenated), so ``927A72BE…`` and
    ``927a72be-…`` are the same transaction; ``None`` if ``value`` is not a UUID."""
    if len(value) not in (32, 36):
        return None
    try:
        return str(uuid.UUID(value))
    except ValueError:
        return None


def _currency(reader: _Reader, body: dict[str, Any]) -> tuple[str | None, Decimal | None]:
    # Codat requires it; left out, it is the account's or the company's (domain.currencies).
    currency = reader.text(body, "currency")
    if currency is not None and not CURRENCY.match(currency):
        reader.fail(
            "currency",
            f"currency must be an ISO 4217 code such as USD or GBP; got {currency[:20]!r}.",
        )
    rate = reader.rate(body, "currencyRate")
    if rate is not None and rate <= 0:
        reader.fail(
            "currencyRate",
            "currencyRate must be above 0: foreign currency units per "
            "unit of the company's base currency, or left out.",
        )
    return currency, rate


def _lines(reader: _Reader, kind: str, body: dict[str, Any]) -> list[dict[str, Any]]:
    raw = reader.items(body, "lines", 1, MAX_LINES) or []
    lines = []
    for index, item in enumerate(raw):
        line_reader = _Reader(reader.path(f"lines[{index}]"), reader.problems)
        if not isinstance(item, dict):
            line_reader.fail("", "Each line must be a JSON object.")
            continue
        amount_name = "amount" if kind == "adjustment" else "netAmount"
        amount = line_reader.money(item, amount_name, required=True)
        tax = line_reader.money(item, "taxAmount") if kind != "adjustment" else None
        tax_rate = line_reader.ref(item, "taxRateRef") if kind != "adjustment" else None
        account = line_reader.ref(item, "accountRef", required=True)
        if tax and tax_rate is None:
            line_reader.fail(
                "taxRateRef",
                "taxAmount is set but taxRateRef is not: name the "
                "tax rate (see mappingOptions.taxRates).",
            )
        if tax and amount and tax * amount < 0:
            line_reader.fail("taxAmount", "taxAmount and netAmount must have the same sign.")
        tracking = []
        for position, ref in enumerate(
            line_reader.items(item, "trackingRefs", 0, MAX_TRACKING) or []
        ):
            where = f"trackingRefs[{position}]"
            if not isinstance(ref, dict) or not isinstance(ref.get("id"), str) or not ref["id"]:
                line_reader.fail(where, f"{where} must be an object with an id.")
                continue
            data_type = ref.get("dataType") or "trackingCategories"
            if data_type not in TRACKING_TYPES[kind]:
                line_reader.fail(
                    f"{where}.dataType",
                    f"dataType must be one of {', '.join(TRACKING_TYPES[kind])}.",
                )
                continue
            tracking.append({"id": ref["id"], "dataType": data_type})
        lines.append(
            {
                "amount": amount or Decimal(0),
                "tax": tax or Decimal(0),
                "taxRate": tax_rate,
                "account": account,
                "tracking": tracking,
                "description": line_reader.text(item, "description"),
            }
        )
    return lines


def _expense(reader: _Reader, body: dict[str, Any], transaction_id: str) -> Transaction:
    kind_type = reader.text(body, "type", required=True)
    if kind_type is not None and kind_type not in EXPENSE_TYPES and kind_type not in V1_POSTS_AS:
        reader.fail(
            "type",
            f"type must be one of {', '.join(EXPENSE_TYPES)} (or, from the v1 API, "
            f"{', '.join(V1_POSTS_AS)}); got {kind_type[:30]!r}.",
        )
    date = reader.date(body, "issueDate")
    currency, rate = _currency(reader, body)
    contact = reader.ref(body, "contactRef")
    contact_body = body.get("contactRef")
    if isinstance(contact_body, dict) and contact_body.get("type") not in (None, "Supplier"):
        reader.fail("contactRef.type", "contactRef.type must be Supplier.")
    lines = _lines(reader, "expense", body)
    transaction = Transaction(
        "expense",
        transaction_id,
        kind_type or "",
        date or dt.date.min,
        currency,
        rate,
        lines,
        {"contact": contact, "bankAccount": reader.ref(body, "bankAccountRef")},
        {name: reader.text(body, name) for name in ("merchantName", "notes", "reference")},
    )
    if lines and not reader.problems and transaction.total <= 0:
        reader.fail(
            "lines",
            f"The lines add up to {transaction.total}; a {kind_type} must "
            "total more than 0 (the type says which way the money moves).",
        )
    return transaction


def _reimbursable(reader: _Reader, body: dict[str, Any], transaction_id: str) -> Transaction:
    date = reader.date(body, "issueDate")
    due = reader.date(body, "dueDate")
    if date and due and due < date:
        reader.fail("dueDate", f"dueDate {due} is before issueDate {date}.")
    currency, rate = _currency(reader, body)
    contact = reader.ref(body, "contactRef", required=True)
    lines = _lines(reader, "reimbursable", body)
    transaction = Transaction(
        "reimbursable",
        transaction_id,
        "ReimbursableExpense",
        date or dt.date.min,
        currency,
        rate,
        lines,
        {"contact": contact},
        {name: reader.text(body, name) for name in ("notes", "reference")},
        due_date=due,
    )
    if lines and not reader.problems and transaction.total <= 0:
        reader.fail(
            "lines",
            f"The lines add up to {transaction.total}; an expense claim must total more than 0.",
        )
    return transaction


def _transfer(reader: _Reader, body: dict[str, Any], transaction_id: str) -> Transaction:
    date = reader.date(body, "date")
    lines: list[dict[str, Any]] = []
    for side, sign in (("from", -1), ("to", 1)):
        value = body.get(side)
        if not isinstance(value, dict):
            reader.fail(
                side, f'{side} is required: {{"accountRef": {{"id": "…"}}, "amount": 100}}.'
            )
            continue
        side_reader = _Reader(reader.path(side), reader.problems)
        account = side_reader.ref(value, "accountRef", required=True)
        amount = side_reader.money(value, "amount", required=True) or Decimal(0)
        if amount <= 0:
            side_reader.fail("amount", "amount must be above 0.")
        lines.append(
            {
                "amount": sign * amount,
                "tax": Decimal(0),
                "taxRate": None,
                "account": account,
                "tracking": [],
                "description": None,
            }
        )
    if len(lines) == 2 and lines[0]["account"] == lines[1]["account"]:
        reader.fail("to.accountRef.id", "A transfer needs two different accounts.")
    return Transaction(
        "transfer",
        transaction_id,
        "Transfer",
        date or dt.date.min,
        None,
        None,
        lines,
        {},
        {"description": reader.text(body, "description")},
    )


def _adjustment(reader: _Reader, body: dict[str, Any], transaction_id: str) -> Transaction:
    date = reader.date(body, "date")
    currency, rate = _currency(reader, body)
    lines = _lines(reader, "adjustment", body)
    transaction = Transaction(
        "adjustment",
        transaction_id,
        "Adjustment",
        date or dt.date.min,
        currency,
        rate,
        lines,
        {},
        {"reference": reader.text(body, "reference")},
    )
    if lines and not reader.problems and transaction.total != 0:
        reader.fail(
            "lines",
            f"The lines add up to {transaction.total}, not 0: an adjustment is a "
            "journal, so its debits (positive) and credits (negative) must balance.",
        )
    return transaction


def line_paths(transaction: Transaction) -> Iterator[tuple[str, dict[str, Any]]]:
    """Each line under the path the request gave it (``lines[0]``, or ``from``/``to``)."""
    if transaction.kind == "transfer":
        yield "from", transaction.lines[0]
        yield "to", transaction.lines[1]
        return
    for index, line in enumerate(transaction.lines):
        yield f"lines[{index}]", line


def with_defaults(transaction: Transaction, defaults: dict[str, str | None]) -> Transaction:
    """The transaction with what it left out taken from the company configuration
    (``bankAccount`` / ``supplier`` / ``customer``): the card account of an expense, and
    its contact (the customer for a Reward, the supplier otherwise)."""
    if transaction.kind != "expense":
        return transaction
    refs = dict(transaction.refs)
    refs["bankAccount"] = refs.get("bankAccount") or defaults.get("bankAccount")
    if refs.get("contact") is None and transaction.type not in V1_POSTS_AS:
        kind = "customer" if transaction.type == "Reward" else "supplier"
        refs["contact"], refs["contactKind"] = defaults.get(kind), kind
    return replace(transaction, refs=refs)


def check_references(
    transaction: Transaction, books: References, prefix: str = ""
) -> list[Problem]:
    """Every id the transaction uses must exist in the books (apply ``with_defaults``
    first, so configured defaults are checked too)."""
    problems: list[Problem] = []

    def fail(name: str, message: str, validator: str = "references") -> None:
        problems.append(Problem(f"{prefix}.{name}" if prefix else name, message, validator))

    accounts, taxes, tracking = books.accounts, books.tax_rates, books.tracking
    for path, line in line_paths(transaction):
        account = line["account"]
        where = f"{path}.accountRef.id"
        if accounts is not None and account not in accounts:
            fail(
                where,
                f"Account {account!r} is not in the books; pick one from mappingOptions.accounts.",
            )
        elif accounts is not None and accounts[account].get("status") == "Archived":
            fail(where, f"Account {account!r} is archived in the books; pick an active one.")
        if line["taxRate"] is not None and taxes is not None and line["taxRate"] not in taxes:
            fail(
                f"{path}.taxRateRef.id",
                f"Tax rate {line['taxRate']!r} is not in the books; "
                "pick one from mappingOptions.taxRates.",
            )
        for position, ref in enumerate(line["tracking"]):
            known = {
                "trackingCategories": tracking,
                "customers": books.customers,
                "suppliers": books.suppliers,
            }[ref["dataType"]]
            if known is not None and ref["id"] not in known:
                fail(
                    f"{path}.trackingRefs[{position}].id",
                    f"{ref['dataType']} {ref['id']!r} is "
                    "not in the books; pick one from mappingOptions.",
                )
    if transaction.kind == "expense":
        bank = transaction.refs.get("bankAccount")
        if bank is None:
            fail(
                "bankAccountRef.id",
                "No bank or card account: set bankAccountRef, or the "
                "company configuration's bankAccount (POST .../sync/expenses/config).",
                CONFIGURATION,
            )
        elif accounts is not None and (
            bank not in accounts or not accounts[bank].get("isBankAccount")
        ):
            fail(
                "bankAccountRef.id",
                f"{bank!r} is not a bank or card account in the books; "
                "pick one whose isBankAccount is true in mappingOptions.accounts.",
            )
    contact, kind = transaction.refs.get("contact"), transaction.refs.get("contactKind")
    known = books.customers if kind == "customer" else books.suppliers
    if contact is not None and known is not None and contact not in known:
        plural = f"{kind or 'supplier'}s"
        fail(
            "contactRef.id",
            f"{plural[:-1].capitalize()} {contact!r} is not in the books; list them at "
            f".../data/{plural} or create one with a push.",
        )
    if (
        transaction.currency is not None
        and books.currencies is not None
        and transaction.currency not in books.currencies
    ):
        fail(
            "currency",
            f"The books have no {transaction.currency} currency (they have "
            f"{', '.join(sorted(books.currencies))}); add it to the books, or send the "
            "transaction in one of those.",
        )
    if (
        books.base_currency
        and transaction.currency == books.base_currency
        and transaction.currency_rate not in (None, Decimal(1))
    ):
        fail(
            "currencyRate",
            f"currency is the company's base currency ({books.base_currency}), "
            "so currencyRate must be 1 or left out.",
        )
    return problems


def references_from(records: dict[str, list[dict[str, Any]] | None]) -> References:
    """References from records in Codat's shape, by data type (``None``: not read)."""

    def ids(data_type: str) -> set[str] | None:
        rows = records.get(data_type)
        return None if rows is None else {str(row["id"]) for row in rows}

    accounts = records.get("chartOfAccounts")
    company = records.get("company") or []
    return References(
        accounts=None if accounts is None else {str(row["id"]): row for row in accounts},
        tax_rates=ids("taxRates"),
        tracking=ids("trackingCategories"),
        suppliers=ids("suppliers"),
        customers=ids("customers"),
        base_currency=company[0].get("baseCurrency") if company else None,
        currencies=_currencies(company[0]) if company else None,
    )


def _currencies(company: dict[str, Any]) -> set[str] | None:
    """The currencies a connector listed in the company's supplemental data, if any."""
    content = (company.get("supplementalData") or {}).get("content") or {}
    listed = (content.get("expenseSync") or {}).get("currencies")
    return set(listed) if isinstance(listed, list) else None
