"""Postings: what the engine asks a connector to write for one submitted transaction.

The engine resolves everything the client left to defaults (bank account, supplier) and
hands the connector one ``Posting`` per transaction. The connector decides how that
becomes the platform's records (docs/posting.md has a table per platform) and stores
``key`` (the client's transaction id) and ``revision`` where it can find them again:
that is what makes a retried write land once.

Currencies are resolved before a posting is made (``domain.currencies``): ``currency``
is the request's, else the account's, else the company's. A transfer's two lines each
carry their account's currency (``PostingLine.currency``); when they differ, the
connector posts a conversion at the rate the two amounts imply.

``maybe_landed`` says whether an earlier try may have written the key: the engine marks
an item ``Pushing`` before any write (DESIGN.md §3), so an item never marked before, of
a transaction never sent in another sync, is a first try and cannot be in the books. A
connector whose key lookup costs a call (a cloud platform's rate limit) skips it for
first tries; one that looks up under its own lock anyway may ignore the flag. It is
``True`` unless the caller knows better, which is always safe.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

# Which way each expense type moves money on its lines: +1 debits them, -1 credits them
# (the bank/card or payable line takes the other side).
LINE_SIGN = {"Payment": 1, "Refund": -1, "Chargeback": -1, "Reward": -1, "ReimbursableExpense": 1}


@dataclass(frozen=True)
class PostingLine:
    account: str
    amount: Decimal  # net; signed for adjustments and transfers (+ debit, - credit)
    tax: Decimal = Decimal(0)
    tax_rate: str | None = None
    tracking: tuple[tuple[str, str], ...] = ()  # (dataType, id)
    description: str | None = None
    # A transfer's side is in its account's currency; None: the posting's ``currency``.
    currency: str | None = None


@dataclass(frozen=True)
class Posting:
    key: str
    revision: int
    kind: str  # expense | reimbursable | transfer | adjustment
    type: str  # one of the manifest's EXPENSE_TRANSACTION_TYPES
    date: dt.date
    currency: str | None  # a transfer's: its ``from`` side's
    currency_rate: Decimal | None
    lines: tuple[PostingLine, ...]
    counter_account: str | None = None  # the bank/card account of an expense
    contact: str | None = None
    contact_kind: str = "supplier"  # supplier | customer (a Reward's default) | employee
    payee: str | None = None
    narration: str | None = None
    due_date: dt.date | None = None
    # Codat's ``postAsDraft`` (Business Central only): leave the record unposted.
    draft: bool = False
    maybe_landed: bool = True  # False: a first try, nothing written under ``key`` yet

    @property
    def total(self) -> Decimal:
        return sum((line.amount + line.tax for line in self.lines), Decimal(0))


@dataclass(frozen=True)
class Posted:
    """Where a posting landed: the platform's reference, and which revision it holds."""

    key: str
    reference: str
    revision: int
