"""Posting and attaching to a real trytond (SQLite and PostgreSQL backends), read back
through Tryton's own JSON-RPC: moves balance, accounts, amounts, parties, taxes,
analytic lines and currencies are the ones asked for, and every write lands once."""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from expense_sync.connectors.base import (
    Document,
    LinkContext,
    LinkedBooks,
    Posting,
    PostingLine,
    RetriableConnectorError,
    ValidationConnectorError,
)
from expense_sync.connectors.tryton import TrytonConnector
from expense_sync.connectors.tryton.client import TrytonClient
from expense_sync.connectors.tryton.session import TrytonSession
from tests.e2e.server import free_port
from tests.tryton_server import TrytonServer

TODAY = dt.date.today()
COMPANY = {"company": 1}


class Books:
    """The session under test, and a plain client to read what it wrote."""

    def __init__(self, server: TrytonServer, tmp_path: Path) -> None:
        connector = TrytonConnector()
        context = LinkContext(uuid.uuid4(), uuid.uuid4(), tmp_path, tmp_path, "Tryton Co")
        linked = connector.authorize(context, server.fields)
        self.session: TrytonSession = connector.open(
            LinkedBooks(linked.connection_info, linked.secrets, tmp_path)
        )
        self.rpc = TrytonClient(server.url, server.database, "admin", "admin")
        self.expense = self.account([["type.expense", "=", True], ["name", "=", "Services"]])
        self.revenue = self.account([["type.revenue", "=", True], ["name", "=", "Goods"]])
        self.cash = self.account([["name", "=", "Cash and Cash Equivalents"]])
        self.savings = self.account([["name", "=", "Restricted Cash and Financial Assets"]])
        self.payables = self.account([["name", "=", "Trade Payables"]])
        (tax,) = self.call("account.tax", "search_read", [], 0, None, None, ["invoice_account"])
        self.tax, self.tax_account = tax["id"], tax["invoice_account"]
        self.sales, self.engineering = (
            self.call("analytic_account.account", "search", [["name", "=", name]], 0, 1, None)[0]
            for name in ("Sales", "Engineering")
        )
        self.eur = self.call("currency.currency", "search", [["code", "=", "EUR"]], 0, 1, None)[0]
        (supplier,) = self.session.create("suppliers", [{"supplierName": "Paper Co"}])
        (employee,) = self.session.create("suppliers", [{"supplierName": "Pam Beesly"}])
        self.supplier, self.employee = int(supplier["id"]), int(employee["id"])

    def call(self, model: str, method: str, *args: Any) -> Any:
        return self.rpc.call(model, method, *args, context=COMPANY)

    def account(self, domain: list[Any]) -> int:
        return int(self.call("account.account", "search", domain, 0, 1, None)[0])

    def count(self, model: str, domain: list[Any] | None = None) -> int:
        return int(self.call(model, "search_count", domain or []))

    def lines(self, reference: str) -> list[dict[str, Any]]:
        model, record_id = reference.split(",")
        move = int(record_id)
        if model == "account.invoice":
            (invoice,) = self.call(model, "read", [move], ["move"])
            move = invoice["move"]
        (row,) = self.call("account.move", "read", [move], ["state", "lines"])
        assert row["state"] == "posted"
        return list(
            self.call(
                "account.move.line",
                "read",
                row["lines"],
                [
                    "account",
                    "debit",
                    "credit",
                    "party",
                    "second_currency",
                    "amount_second_currency",
                    "analytic_lines",
                    "tax_lines",
                ],
            )
        )

    def analytic(self, line: dict[str, Any]) -> dict[int, Decimal]:
        rows = self.call(
            "analytic_account.line", "read", line["analytic_lines"], ["account", "debit", "credit"]
        )
        return {row["account"]: row["debit"] - row["credit"] for row in rows}


@pytest.fixture
def books(tryton: TrytonServer, tmp_path: Path) -> Books:
    return Books(tryton, tmp_path)


def posting(books: Books, **overrides: Any) -> Posting:
    values: dict[str, Any] = {
        "key": str(uuid.uuid4()),
        "revision": 1,
        "kind": "expense",
        "type": "Payment",
        "date": TODAY,
        "currency": "USD",
        "currency_rate": None,
        "lines": (PostingLine(str(books.expense), Decimal("100.00")),),
        "counter_account": str(books.cash),
        "contact": str(books.supplier),
        "narration": "Acme Air",
    }
    return Posting(**(values | overrides))


def reimbursable(books: Books, **overrides: Any) -> Posting:
    """An expense claim owed to the employee (posted as a supplier invoice)."""
    values: dict[str, Any] = {
        "kind": "reimbursable",
        "type": "ReimbursableExpense",
        "counter_account": None,
        "contact": str(books.employee),
    }
    return posting(books, **(values | overrides))


def by_account(lines: list[dict[str, Any]]) -> dict[int, Decimal]:
    """Net debit (+) / credit (-) per account; the move balances if they add up to 0."""
    found: dict[int, Decimal] = {}
    for line in lines:
        found[line["account"]] = found.get(line["account"], Decimal(0)) + (
            line["debit"] - line["credit"]
        )
    assert sum(found.values()) == 0, found
    return found


def test_card_expenses_post_as_balanced_moves(books: Books) -> None:
    payment = posting(
        books,
        lines=(
            PostingLine(
                str(books.expense),
                Decimal("100.00"),
                tax=Decimal("10.00"),
                tax_rate=str(books.tax),
                tracking=(("trackingCategories", str(books.sales)),),
            ),
            PostingLine(str(books.payables), Decimal("5.00"), description="supplier bill"),
        ),
    )
    refund = posting(books, type="Refund", lines=(PostingLine(str(books.expense), Decimal(40)),))
    chargeback = posting(books, type="Chargeback")
    reward = posting(
        books, type="Reward", lines=(PostingLine(str(books.revenue), Decimal(5)),), contact=None
    )
    landed = books.session.post([payment, refund, chargeback, reward])
    assert [p.key for p in landed] == [payment.key, refund.key, chargeback.key, reward.key]
    assert all(p.revision == 1 and p.reference.startswith("account.move,") for p in landed)

    lines = books.lines(landed[0].reference)
    assert by_account(lines) == {
        books.expense: Decimal(100),
        books.tax_account: Decimal(10),
        books.payables: Decimal(5),
        books.cash: Decimal(-115),
    }
    parties = {line["account"]: line["party"] for line in lines}
    assert parties[books.payables] == books.supplier  # the account requires a party
    assert parties[books.expense] is None and parties[books.cash] is None
    expense_line = next(line for line in lines if line["account"] == books.expense)
    assert books.analytic(expense_line) == {books.sales: Decimal(100)}
    taxes = books.call(
        "account.tax.line",
        "read",
        [t for line in lines for t in line["tax_lines"]],
        ["type", "amount"],
    )
    assert sorted((t["type"], t["amount"]) for t in taxes) == [
        ("base", Decimal(100)),
        ("tax", Decimal(10)),
    ]
    assert by_account(books.lines(landed[1].reference)) == {
        books.expense: Decimal(-40),
        books.cash: Decimal(40),
    }
    assert by_account(books.lines(landed[2].reference)) == {
        books.expense: Decimal(-100),
        books.cash: Decimal(100),
    }
    assert by_account(books.lines(landed[3].reference)) == {
        books.revenue: Decimal(-5),
        books.cash: Decimal(5),
    }


def test_a_foreign_currency_expense_converts_with_codats_rate(books: Books) -> None:
    # Codat's rate is base units per foreign unit: EUR 33.33 at 1.1 is USD 36.66 (rounded).
    item = posting(
        books,
        currency="EUR",
        currency_rate=Decimal("1.1"),
        lines=(
            PostingLine(str(books.expense), Decimal("33.33")),
            PostingLine(str(books.expense), Decimal("33.33")),
        ),
    )
    (landed,) = books.session.post([item])
    lines = books.lines(landed.reference)
    assert by_account(lines) == {books.expense: Decimal("73.32"), books.cash: Decimal("-73.32")}
    assert {line["second_currency"] for line in lines} == {books.eur}
    assert sorted(line["amount_second_currency"] for line in lines) == [
        Decimal("-66.66"),
        Decimal("33.33"),
        Decimal("33.33"),
    ]
    with pytest.raises(ValidationConnectorError, match="currencyRate") as caught:
        books.session.post([replace(item, key=str(uuid.uuid4()), currency_rate=None)])
    assert caught.value.field == "currencyRate"


def test_transfers_and_adjustments_post_as_moves(books: Books) -> None:
    transfer = posting(
        books,
        kind="transfer",
        type="Transfer",
        currency=None,
        counter_account=None,
        contact=None,
        lines=(
            PostingLine(str(books.cash), Decimal(-250)),
            PostingLine(str(books.savings), Decimal(250)),
        ),
    )
    adjustment = posting(
        books,
        kind="adjustment",
        type="Adjustment",
        counter_account=None,
        contact=None,
        lines=(
            PostingLine(
                str(books.expense),
                Decimal(50),
                tracking=(("trackingCategories", str(books.engineering)),),
            ),
            PostingLine(str(books.savings), Decimal(-50)),
        ),
    )
    moved, adjusted = books.session.post([transfer, adjustment])
    assert by_account(books.lines(moved.reference)) == {
        books.cash: Decimal(-250),
        books.savings: Decimal(250),
    }
    lines = books.lines(adjusted.reference)
    assert by_account(lines) == {books.expense: Decimal(50), books.savings: Decimal(-50)}
    expense_line = next(line for line in lines if line["account"] == books.expense)
    assert books.analytic(expense_line) == {books.engineering: Decimal(50)}
    ids = {int(p.reference.split(",")[1]): p.key for p in (moved, adjusted)}
    journals = books.call("account.move", "read", sorted(ids), ["journal.type"])
    assert {ids[j["id"]]: j["journal."]["type"] for j in journals} == {
        transfer.key: "cash",
        adjustment.key: "general",
    }


def test_a_reimbursable_expense_is_a_posted_supplier_invoice_to_the_employee(
    books: Books,
) -> None:
    claim = reimbursable(
        books,
        contact_kind="employee",
        due_date=TODAY + dt.timedelta(days=30),
        lines=(
            PostingLine(
                str(books.expense),
                Decimal("80.00"),
                tax=Decimal("8.00"),
                tax_rate=str(books.tax),
                tracking=(("trackingCategories", str(books.engineering)),),
                description="Hotel",
            ),
        ),
    )
    (landed,) = books.session.post([claim])
    assert landed.reference.startswith("account.invoice,")
    invoice_id = int(landed.reference.split(",")[1])
    (invoice,) = books.call(
        "account.invoice",
        "read",
        [invoice_id],
        ["type", "state", "party", "total_amount", "tax_amount", "reference", "payment_term_date"],
    )
    assert invoice["type"] == "in" and invoice["state"] == "posted"
    assert invoice["party"] == books.employee
    assert (invoice["total_amount"], invoice["tax_amount"]) == (Decimal(88), Decimal(8))
    assert invoice["reference"] == f"expense-sync:{claim.key}/1"
    assert invoice["payment_term_date"] == claim.due_date
    lines = books.lines(landed.reference)
    assert by_account(lines) == {
        books.expense: Decimal(80),
        books.tax_account: Decimal(8),
        books.payables: Decimal(-88),
    }
    expense_line = next(line for line in lines if line["account"] == books.expense)
    assert books.analytic(expense_line) == {books.engineering: Decimal(80)}


def test_posting_again_writes_nothing(books: Books) -> None:
    batch = [posting(books), posting(books, type="Refund")]
    first = books.session.post(batch)
    moves = books.count("account.move")
    again = books.session.post(batch)
    assert again == first
    assert books.count("account.move") == moves == 2


def test_a_new_revision_replaces_the_old_one(books: Books) -> None:
    card = posting(books)
    claim = reimbursable(books)
    old_move, old_invoice = books.session.post([card, claim])
    newer = [
        replace(card, revision=2, lines=(PostingLine(str(books.expense), Decimal(70)),)),
        replace(claim, revision=2, lines=(PostingLine(str(books.expense), Decimal(30)),)),
    ]
    new_move, new_invoice = books.session.post(newer)
    assert (new_move.revision, new_invoice.revision) == (2, 2)
    assert new_move.reference != old_move.reference
    # The old move is reversed by a posted move that names it as its origin.
    reversal = books.call(
        "account.move",
        "search_read",
        [["origin", "=", old_move.reference]],
        0,
        None,
        None,
        ["state"],
    )
    assert [r["state"] for r in reversal] == ["posted"]
    old_id = int(old_invoice.reference.split(",")[1])
    (cancelled,) = books.call("account.invoice", "read", [old_id], ["state"])
    assert cancelled["state"] == "cancelled"
    # What the books say now is only revision 2.
    (expense,) = books.call("account.account", "read", [books.expense], ["balance"])
    assert expense["balance"] == Decimal(100)  # 70 (card) + 30 (claim)
    # Asking again for revision 1 or 2 writes nothing and names revision 2.
    moves = books.count("account.move")
    assert books.session.post([card, *newer]) == [new_move, new_move, new_invoice]
    assert books.count("account.move") == moves


def test_a_refused_posting_fails_the_batch_with_trytons_message(books: Books) -> None:
    good = posting(books)
    # Trade Payables needs a party, and this card expense has none: Tryton refuses it.
    bad = posting(books, lines=(PostingLine(str(books.payables), Decimal(10)),), contact=None)
    with pytest.raises(ValidationConnectorError, match="Tryton refused the request") as caught:
        books.session.post([good, bad])
    assert "party" in caught.value.message.lower()
    assert books.count("account.move") == 0
    (alone,) = books.session.post([good])  # the good one posts on its own
    assert books.count("account.move") == 1 and alone.revision == 1


def test_a_refused_invoice_leaves_no_moves_behind(books: Books) -> None:
    card = posting(books)
    claim = reimbursable(
        books,
        date=TODAY.replace(year=TODAY.year + 5),
    )  # no period that year
    with pytest.raises(ValidationConnectorError):
        books.session.post([card, claim])
    assert books.count("account.move") == 0
    assert books.count("account.invoice") == 0


def test_attaching_twice_makes_one_attachment(books: Books, tmp_path: Path) -> None:
    (landed,) = books.session.post([item := posting(books)])
    receipt = tmp_path / "receipt.pdf"
    receipt.write_bytes(b"%PDF-1.4 a receipt")
    document = Document(
        id=str(uuid.uuid4()),
        file_name="receipt.pdf",
        content_type="application/pdf",
        path=receipt,
        size=receipt.stat().st_size,
        sha256=hashlib.sha256(receipt.read_bytes()).hexdigest(),
    )
    first = books.session.attach(item.key, document)
    assert books.session.attach(item.key, document) == first
    attachments = books.call(
        "ir.attachment",
        "search_read",
        [["resource", "=", landed.reference]],
        0,
        None,
        None,
        ["name", "data"],
    )
    assert len(attachments) == 1
    assert attachments[0]["data"] == b"%PDF-1.4 a receipt"
    assert attachments[0]["name"].endswith("receipt.pdf")
    with pytest.raises(ValidationConnectorError, match="Nothing is posted"):
        books.session.attach(str(uuid.uuid4()), document)


def test_an_unreachable_server_is_retriable_when_posting() -> None:
    client = TrytonClient(f"http://127.0.0.1:{free_port()}", "books", "admin", "admin")
    session = TrytonSession(client, 1)
    item = Posting(
        str(uuid.uuid4()),
        1,
        "expense",
        "Payment",
        TODAY,
        "USD",
        None,
        (PostingLine("1", Decimal(1)),),
        counter_account="2",
    )
    with pytest.raises(RetriableConnectorError, match="cannot be reached"):
        session.post([item])
