"""Currencies of transactions against a real Beancount ledger (SQLite and PostgreSQL):
a transfer posts in its accounts' currencies, and every amount fits its currency's
ISO 4217 decimals or is refused at intake, naming the field."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from beancount import loader
from beancount.core import data
from fastapi.testclient import TestClient

from tests.conftest import Tenant
from tests.integration.conftest import CARD
from tests.integration.test_expenses import BASE, expense, finished, outcomes, send
from tests.integration.test_ledger_data import Books


def bank_account(books: Books, name: str, currency: str, kind: str = "Debit") -> str:
    pushed = books.push(
        "/push/bankAccounts", {"accountName": name, "accountType": kind, "currency": currency}
    )
    assert pushed["status"] == "Success", pushed
    return str(pushed["data"]["id"])


def transfer(source: str, sent: Any, target: str, received: Any) -> dict[str, Any]:
    return {
        "date": "2026-11-04",
        "description": "Move money",
        "from": {"accountRef": {"id": source}, "amount": sent},
        "to": {"accountRef": {"id": target}, "amount": received},
    }


def transactions(books: Books) -> dict[str, data.Transaction]:
    """The ledger as Beancount's loader reads it, which must report no error."""
    entries, errors, _ = loader.load_file(str(books.ledger))
    assert errors == [], errors
    return {
        e.meta["expense-sync-id"]: e
        for e in entries
        if isinstance(e, data.Transaction) and "expense-sync-id" in e.meta
    }


def test_a_transfer_posts_in_its_accounts_currencies_on_a_usd_ledger(books: Books) -> None:
    london = bank_account(books, "London Current", "GBP")
    reserve = bank_account(books, "London Reserve", "GBP")
    books.refresh()
    same, converted = str(uuid.uuid4()), str(uuid.uuid4())

    gbp_only = transfer(london, 250, reserve, 250)
    moved = send(books, "PUT", f"/transfer-transactions/{same}", gbp_only)
    assert moved.status_code == 200, moved.text
    status = finished(books, moved.json()["syncId"])
    assert status["syncStatusCode"] == 2000, status  # was 5130: posted in USD
    # GBP out of a GBP account, into a USD one: a conversion at the implied 1.277.
    home = "Assets:Bank:Checking"
    swapped = transfer(london, 100, home, "127.70")
    moved = send(books, "PUT", f"/transfer-transactions/{converted}", swapped)
    assert moved.status_code == 200, moved.text
    assert finished(books, moved.json()["syncId"])["syncStatusCode"] == 2000
    assert {t["status"] for t in outcomes(books, moved.json()["syncId"]).values()} == {"Completed"}

    posted = transactions(books)
    legs = {p.account: p for p in posted[same].postings}
    assert legs[london].units.number == Decimal(-250) and legs[london].units.currency == "GBP"
    assert legs[reserve].units.number == Decimal(250) and legs[reserve].units.currency == "GBP"
    assert all(p.price is None for p in posted[same].postings)
    legs = {p.account: p for p in posted[converted].postings}
    assert (legs[london].units.number, legs[london].units.currency) == (Decimal(-100), "GBP")
    assert (legs[home].units.number, legs[home].units.currency) == (Decimal("127.70"), "USD")
    price = legs[london].price
    assert price is not None and price.currency == "USD"
    assert price.number is not None and abs(price.number - Decimal("1.277")) < Decimal("1e-9")


def test_a_transfer_between_two_accounts_of_one_currency_moves_one_amount(books: Books) -> None:
    london = bank_account(books, "London Current", "GBP")
    reserve = bank_account(books, "London Reserve", "GBP")
    books.refresh()
    before = books.ledger.read_text()
    transfer_id = str(uuid.uuid4())

    cases = {
        "to.amount": transfer(london, 100, reserve, 99),
        "from.amount": transfer(london, "10.005", reserve, "10.005"),
    }
    for field, body in cases.items():
        refused = send(books, "PUT", f"/transfer-transactions/{transfer_id}", body)
        assert refused.status_code == 400, refused.text
        error = refused.json()["validation"]["errors"][0]
        assert error["itemId"] == field, refused.json()
    assert (
        "must equal from.amount (100)"
        in send(books, "PUT", f"/transfer-transactions/{transfer_id}", cases["to.amount"]).json()[
            "validation"
        ]["errors"][0]["message"]
    )
    assert books.get(f"{BASE}/syncs/list/status") == []
    assert books.ledger.read_text() == before


def test_an_expense_without_a_currency_takes_its_card_accounts(books: Books) -> None:
    sterling = bank_account(books, "Sterling Card", "GBP", kind="Credit")
    books.refresh()
    payment = {k: v for k, v in expense(bankAccountRef={"id": sterling}).items()}
    del payment["currency"]
    created = send(books, "POST", "/expense-transactions", [payment])
    assert created.status_code == 200, created.text
    assert finished(books, created.json()["syncId"])["syncStatusCode"] == 2000
    legs = {p.account: p.units for p in transactions(books)[payment["id"]].postings}
    assert legs[sterling].currency == "GBP" and legs[sterling].number == Decimal(-120)


def line(amount: Any, account: str = "Expenses:Travel") -> dict[str, Any]:
    return {"netAmount": amount, "accountRef": {"id": account}}


def test_an_amount_finer_than_its_currency_is_a_400_naming_the_field(books: Books) -> None:
    yen = bank_account(books, "Tokyo Card", "JPY", kind="Credit")
    bank_account(books, "Kuwait Current", "KWD")
    employee = books.push("/push/suppliers", {"supplierName": "Jo", "status": "Active"})
    books.refresh()
    before = books.ledger.read_text()
    adjustment = {
        "id": str(uuid.uuid4()),
        "date": "2026-11-05",
        "currency": "USD",
        "lines": [
            {"amount": "12.501", "accountRef": {"id": "Expenses:BankFees"}},
            {"amount": "-12.501", "accountRef": {"id": "Assets:Bank:Checking"}},
        ],
    }
    claim = {
        "id": str(uuid.uuid4()),
        "contactRef": {"id": employee["data"]["id"]},
        "issueDate": "2026-11-03",
        "dueDate": "2026-11-30",
        "currency": "JPY",
        "lines": [line("1500.5")],
    }
    refused = {
        ("POST", "/expense-transactions", "[0].lines[1].netAmount", "2 decimal place"): [
            expense(lines=[line(10), line("5.123")])
        ],
        ("POST", "/expense-transactions", "[0].lines[0].taxAmount", "2 decimal place"): [
            expense(lines=[line(10) | {"taxAmount": "2.005", "taxRateRef": {"id": "VAT20"}}])
        ],
        ("POST", "/expense-transactions", "[1].lines[0].netAmount", "no decimal places"): [
            expense(currency="JPY", lines=[line(5)]),
            expense(currency="JPY", lines=[line("5.1")]),
        ],
        # no currency: the card account's (JPY) decides
        ("POST", "/expense-transactions", "[0].lines[0].netAmount", "JPY amounts"): [
            {k: v for k, v in expense(bankAccountRef={"id": yen}, lines=[line("7.5")]).items()
             if k != "currency"}
        ],
        ("POST", "/adjustment-transactions", "[0].lines[0].amount", "USD amounts"): [adjustment],
        ("POST", "/reimbursable-expense-transactions", "[0].lines[0].netAmount", "JPY"): [claim],
        ("POST", "/data/expense-transactions", "items[0].lines[0].netAmount", "USD"): {
            "items": [expense(lines=[line("5.123")])]
        },
    }  # fmt: skip
    for (method, path, field, words), body in refused.items():
        response = send(books, method, path, body)
        assert response.status_code == 400, (field, response.text)
        errors = response.json()["validation"]["errors"]
        assert errors[0]["itemId"] == field, response.json()
        assert words in errors[0]["message"] and "round it" in errors[0]["message"]
    dataset = {"items": [expense(lines=[line("5.12")])]}
    assert books.get(f"{BASE}/syncs/list/status") == []
    assert books.ledger.read_text() == before

    accepted = [
        expense(currency="JPY", currencyRate="0.0067", lines=[line(5), line("7.00")]),
        expense(currency="KWD", currencyRate="3.25", lines=[line("5.123")]),
        expense(currency="USD", lines=[line("5.10"), line("5.12")]),
    ]
    created = send(books, "POST", "/expense-transactions", accepted)
    assert created.status_code == 200, created.text
    finished(books, created.json()["syncId"])
    made = send(books, "POST", "/data/expense-transactions", dataset)
    assert made.status_code == 200, made.text


def test_a_currency_rate_keeps_codats_nine_decimals(books: Books) -> None:
    books.refresh()
    precise = expense(currency="EUR", currencyRate="1.134567891", lines=[line("20.00")])
    created = send(books, "POST", "/expense-transactions", [precise])
    assert created.status_code == 200, created.text  # was 400: more than 4 decimal places
    assert finished(books, created.json()["syncId"])["syncStatusCode"] == 2000
    assert transactions(books)[precise["id"]].meta["currency-rate"] == "1.134567891"
    finer = expense(currency="EUR", currencyRate="1.1345678912")
    refused = send(books, "POST", "/expense-transactions", [finer])
    assert refused.status_code == 400
    assert refused.json()["validation"]["errors"][0]["itemId"] == "[0].currencyRate"
    assert CARD in {p.account for p in transactions(books)[precise["id"]].postings}


def test_an_amount_checked_only_at_sync_time_fails_that_transaction_alone(
    api: TestClient, tenant: Tenant
) -> None:
    """With the books never read into the cache, a transfer's currencies are unknown at
    intake; the sync reads them from the books and refuses the amount there."""
    books = Books(api, tenant)
    yen = bank_account(books, "Tokyo Current", "JPY")
    before = books.ledger.read_text()
    transfer_id = str(uuid.uuid4())
    moved = send(
        books, "PUT", f"/transfer-transactions/{transfer_id}", transfer(yen, "100.5", CARD, 1)
    )
    assert moved.status_code == 200, moved.text  # nothing to check it against yet
    status = finished(books, moved.json()["syncId"])
    assert status["syncStatusCode"] == 5120 and status["dataPushed"] is False
    outcome = outcomes(books, moved.json()["syncId"])[transfer_id]
    assert outcome["status"] == "ValidationError"
    assert outcome["message"].startswith("from.amount: from.amount is 100.5, but JPY amounts")
    assert books.ledger.read_text() == before
