"""Conformance of ``post``: every expense type the manifest declares lands once, a re-post
finds it instead of writing again, a newer revision replaces it, and a refused posting
takes nothing else of its batch with it."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

import pytest

from expense_sync.connectors.base import (
    LedgerSession,
    Posting,
    PostingLine,
    ValidationConnectorError,
)

WHEN = dt.date(2026, 11, 2)
Written = Callable[[], int] | None


@dataclass(frozen=True)
class Refs:
    """Ids in the books under test that a posting can use."""

    expense_account: str
    income_account: str
    bank_account: str
    other_account: str  # the other side of a transfer: a second bank or asset account
    supplier: str
    customer: str
    employee: str

    @classmethod
    def found_in(cls, books: LedgerSession) -> Refs:
        """Read from the books: their first active expense and income accounts and bank
        account, and contacts created for the test."""
        accounts = [a for a in books.read("chartOfAccounts") if a.get("status") != "Archived"]
        banks = [b["id"] for b in books.read("bankAccounts")]
        assert banks, "the books hold no bank account to post card expenses against"
        others = [*banks[1:], *(a["id"] for a in accounts if a.get("type") == "Asset")]
        other = next(i for i in others if i != banks[0])
        tag = uuid.uuid4().hex[:6]
        supplier, employee = books.create(
            "suppliers",
            [{"supplierName": f"Conformance supplier {tag}"},
             {"supplierName": f"Conformance employee {tag}"}],
        )  # fmt: skip
        (customer,) = books.create("customers", [{"customerName": f"Conformance customer {tag}"}])
        return cls(
            expense_account=_first(accounts, "Expense"),
            income_account=_first(accounts, "Income"),
            bank_account=banks[0],
            other_account=other,
            supplier=supplier["id"],
            customer=customer["id"],
            employee=employee["id"],
        )


def _first(accounts: list[dict[str, Any]], kind: str) -> str:
    found = [a["id"] for a in accounts if a.get("type") == kind]
    assert found, f"the books hold no {kind} account"
    return str(found[0])


def posting_of(transaction_type: str, refs: Refs, amount: Decimal = Decimal("42.50")) -> Posting:
    """A valid posting of ``transaction_type`` (one of EXPENSE_TRANSACTION_TYPES)."""
    key = str(uuid.uuid4())
    if transaction_type == "Transfer":
        lines = (PostingLine(refs.bank_account, -amount), PostingLine(refs.other_account, amount))
        return Posting(key, 1, "transfer", "Transfer", WHEN, None, None, lines,
                       narration="Conformance transfer")  # fmt: skip
    if transaction_type == "Adjustment":
        lines = (PostingLine(refs.expense_account, amount),
                 PostingLine(refs.bank_account, -amount))  # fmt: skip
        return Posting(key, 1, "adjustment", "Adjustment", WHEN, None, None, lines,
                       narration="Conformance adjustment")  # fmt: skip
    if transaction_type == "ReimbursableExpense":
        line = PostingLine(refs.expense_account, amount, description="Taxi")
        return Posting(key, 1, "reimbursable", transaction_type, WHEN, None, None, (line,),
                       contact=refs.employee, contact_kind="employee", payee="Employee",
                       due_date=WHEN + dt.timedelta(days=30))  # fmt: skip
    reward = transaction_type == "Reward"
    line = PostingLine(refs.income_account if reward else refs.expense_account, amount,
                       description=f"Conformance {transaction_type}")  # fmt: skip
    return Posting(key, 1, "expense", transaction_type, WHEN, None, None, (line,),
                   counter_account=refs.bank_account,
                   contact=refs.customer if reward else refs.supplier,
                   contact_kind="customer" if reward else "supplier",
                   payee="Conformance Merchant")  # fmt: skip


class PostChecks:
    """``post`` (see the package's text for the fixtures). ``unknown_account`` is an id
    no books hold; override it where the platform's ids look different."""

    unknown_account = "Expenses:NoSuchAccount:Conformance"

    @pytest.fixture
    def refs(self, books: LedgerSession) -> Refs:
        return Refs.found_in(books)

    @pytest.fixture
    def written(self) -> Written:
        """How many postings the books hold, counted apart from ``post``'s answers, or
        None if the connector's tests cannot count them (those parts are then skipped)."""
        return None

    def test_every_expense_type_posts_once(
        self, connector: Any, books: LedgerSession, refs: Refs, written: Written
    ) -> None:
        for transaction_type in connector.manifest.transaction_types:
            posting = posting_of(transaction_type, refs)
            before = written() if written else 0
            (landed,) = books.post([posting])
            assert (landed.key, landed.revision) == (posting.key, 1), transaction_type
            assert landed.reference, transaction_type
            if written:
                assert written() == before + 1, f"{transaction_type} wrote {written() - before}"

    def test_a_repost_of_the_same_revision_writes_nothing(
        self, connector: Any, books: LedgerSession, refs: Refs, written: Written
    ) -> None:
        postings = [posting_of(t, refs) for t in connector.manifest.transaction_types[:3]]
        first = books.post(postings)
        before = written() if written else 0
        again = books.post(postings)  # a retry after a crash: found, not written again
        assert again == first
        if written:
            assert written() == before

    def test_a_new_revision_replaces_the_posting(
        self, books: LedgerSession, refs: Refs, written: Written
    ) -> None:
        posting = posting_of("Payment", refs)
        (first,) = books.post([posting])
        line = replace(posting.lines[0], amount=Decimal("99"))
        corrected = replace(posting, revision=2, lines=(line,))
        (second,) = books.post([corrected])
        assert (second.key, second.revision) == (posting.key, 2)
        # The old revision, sent again late, does not take its place back.
        (late,) = books.post([posting])
        assert (late.revision, late.reference) == (2, second.reference)
        assert first.revision == 1

    def test_a_refused_posting_fails_alone(
        self, books: LedgerSession, refs: Refs, written: Written
    ) -> None:
        good = posting_of("Payment", refs)
        bad = replace(posting_of("Payment", refs),
                      lines=(PostingLine(self.unknown_account, Decimal(5)),))  # fmt: skip
        before = written() if written else 0
        with pytest.raises(ValidationConnectorError) as refused:
            books.post([good, bad])  # a batch is all or nothing...
        assert refused.value.message
        if written:
            assert written() == before
        (landed,) = books.post([good])  # ...so its good postings land when sent alone
        assert landed.key == good.key
        with pytest.raises(ValidationConnectorError):
            books.post([bad])
        if written:
            assert written() == before + 1
