"""Expense intake and syncs against a real Beancount ledger, read back with Beancount's loader."""

from __future__ import annotations

import uuid
from collections import Counter
from decimal import Decimal
from typing import Any

from beancount import loader
from beancount.core import data
from fastapi.testclient import TestClient

from tests.conftest import Tenant
from tests.integration.conftest import CARD
from tests.integration.test_ledger_data import Books
from tests.waiting import wait_for

BASE = "/sync/expenses"


def expense(**overrides: Any) -> dict[str, Any]:
    body = {
        "id": str(uuid.uuid4()),
        "type": "Payment",
        "issueDate": "2026-11-02T00:00:00Z",
        "currency": "USD",
        "merchantName": "Acme Air",
        "lines": [
            {
                "netAmount": 100,
                "taxAmount": 20,
                "taxRateRef": {"id": "VAT20"},
                "accountRef": {"id": "Expenses:Travel"},
                "trackingRefs": [{"id": "DEPT-ENG", "dataType": "trackingCategories"}],
            }
        ],
    }
    return body | overrides


def send(books: Books, method: str, path: str, body: Any) -> Any:
    response = books.api.request(
        method, books.company + BASE + path, json=body, headers=books.headers
    )
    return response


def finished(books: Books, sync_id: str) -> dict[str, Any]:
    path = f"{BASE}/syncs/{sync_id}/status"
    return wait_for(
        lambda: (s := books.get(path))["syncStatusCode"] not in (1000, 1010) and s,
        f"sync {sync_id}",
    )


def outcomes(books: Books, sync_id: str) -> dict[str, dict[str, Any]]:
    listed = books.get(f"{BASE}/syncs/{sync_id}/transactions", pageSize=100)
    return {t["transactionId"]: t for t in listed["results"]}


def postings_by_id(books: Books) -> dict[str, list[Any]]:
    entries, errors, _ = loader.load_file(str(books.ledger))
    assert errors == []
    found: dict[str, list[Any]] = {}
    for entry in entries:
        if isinstance(entry, data.Transaction) and "expense-sync-id" in entry.meta:
            found.setdefault(entry.meta["expense-sync-id"], []).append(entry)
    return found


def test_expenses_land_once_with_tax_tracking_and_the_card(books: Books) -> None:
    payment = expense()
    refund = expense(
        type="Refund",
        currency="EUR",
        currencyRate=0.92,
        lines=[{"netAmount": 40, "accountRef": {"id": "Expenses:Travel"}}],
    )
    reward = expense(
        type="Reward", lines=[{"netAmount": 5, "accountRef": {"id": "Income:CardRewards"}}]
    )
    created = send(books, "POST", "/expense-transactions", [payment, refund, reward])
    assert created.status_code == 200, created.text
    status = finished(books, created.json()["syncId"])
    assert status["syncStatusCode"] == 2000 and status["syncStatus"] == "Complete"
    assert status["dataPushed"] is True
    results = outcomes(books, created.json()["syncId"])
    assert {t["status"] for t in results.values()} == {"Completed"}
    assert "expense-sync-id" in results[payment["id"]]["message"]

    posted = postings_by_id(books)
    assert all(len(posted[t["id"]]) == 1 for t in (payment, refund, reward))
    legs = {p.account: p.units for p in posted[payment["id"]][0].postings}
    assert legs["Expenses:Travel"].number == Decimal(100)
    assert legs["Assets:Tax:InputTax"].number == Decimal(20)
    assert legs[CARD].number == Decimal(-120)
    travel = next(p for p in posted[payment["id"]][0].postings if p.account == "Expenses:Travel")
    assert travel.meta["tracking"] == "DEPT-ENG"
    refund_legs = {p.account: p.units for p in posted[refund["id"]][0].postings}
    assert refund_legs[CARD].number == Decimal(40) and refund_legs[CARD].currency == "EUR"
    assert posted[refund["id"]][0].meta["currency-rate"] == "0.92"
    assert books.get(f"{BASE}/syncs/latest/status")["syncId"] == created.json()["syncId"]
    assert books.get(f"{BASE}/syncs/lastSuccessful/status")["syncStatusCode"] == 2000

    again = send(books, "POST", "/expense-transactions", [payment])
    assert again.status_code == 400
    assert again.json()["validation"]["errors"][0]["itemId"] == "[0].id"
    assert len(postings_by_id(books)[payment["id"]]) == 1


def test_bad_requests_are_400_per_field_and_store_nothing(books: Books) -> None:
    cases = {
        "[1].lines[0].accountRef.id": [
            expense(),
            expense(lines=[{"netAmount": 1, "accountRef": {"id": "Expenses:Nope"}}]),
        ],
        "[0].lines[0].taxRateRef.id": [
            expense(
                lines=[
                    {
                        "netAmount": 1,
                        "taxAmount": 1,
                        "taxRateRef": {"id": "NOPE"},
                        "accountRef": {"id": "Expenses:Travel"},
                    }
                ]
            )
        ],
        "[0].currency": [expense(currency="usd")],
        "[0].type": [expense(type="Gift")],
        "[0].issueDate": [expense(issueDate="yesterday")],
        "[0].lines": [expense(lines=[{"netAmount": -5, "accountRef": {"id": "Expenses:Travel"}}])],
        "body": [expense() for _ in range(51)],
    }
    dup = expense()
    cases["[1].id"] = [dup, dup]
    for field, body in cases.items():
        response = send(books, "POST", "/expense-transactions", body)
        assert response.status_code == 400, (field, response.text)
        items = [e["itemId"] for e in response.json()["validation"]["errors"]]
        assert field in items, (field, response.json())
    unbalanced = send(
        books,
        "POST",
        "/adjustment-transactions",
        [
            {
                "id": str(uuid.uuid4()),
                "date": "2026-11-02",
                "currency": "USD",
                "lines": [
                    {"amount": 10, "accountRef": {"id": "Expenses:Travel"}},
                    {"amount": -9, "accountRef": {"id": "Assets:Bank:Checking"}},
                ],
            }
        ],
    )
    assert unbalanced.status_code == 400 and "balance" in unbalanced.text
    assert books.get(f"{BASE}/syncs/list/status") == []
    assert postings_by_id(books) == {}


def test_one_bad_transaction_fails_alone_and_can_be_fixed_under_its_id(books: Books) -> None:
    good = [expense() for _ in range(3)]
    # dated before the ledger opened its accounts: Beancount refuses it when it is posted
    bad = expense(issueDate="1990-01-02T00:00:00Z")
    created = send(books, "POST", "/expense-transactions", [good[0], bad, *good[1:]])
    assert created.status_code == 200, created.text
    status = finished(books, created.json()["syncId"])
    assert status["syncStatusCode"] == 5130 and status["dataPushed"] is True
    assert "1 of 4" in status["errorMessage"]
    results = outcomes(books, created.json()["syncId"])
    assert [results[g["id"]]["status"] for g in good] == ["Completed"] * 3
    assert results[bad["id"]]["status"] == "PushError"
    assert "inactive" in results[bad["id"]]["message"], results[bad["id"]]["message"]

    fixed = {k: v for k, v in bad.items() if k != "id"} | {
        "currency": "GBP",
        "issueDate": "2026-11-02T00:00:00Z",
    }
    updated = send(books, "PUT", f"/expense-transactions/{bad['id']}", fixed)
    assert updated.status_code == 202, updated.text
    assert finished(books, updated.json()["syncId"])["syncStatusCode"] == 2000
    posted = postings_by_id(books)
    assert Counter(len(posted[t["id"]]) for t in [*good, bad]) == Counter({1: 4})
    assert posted[bad["id"]][0].postings[0].units.currency == "GBP"

    # An update of a posted transaction replaces it in place: still one entry.
    moved = fixed | {"lines": [{"netAmount": 75, "accountRef": {"id": "Expenses:Meals"}}]}
    replaced = send(books, "PUT", f"/expense-transactions/{bad['id']}", moved)
    assert finished(books, replaced.json()["syncId"])["syncStatusCode"] == 2000
    entries = postings_by_id(books)[bad["id"]]
    assert len(entries) == 1 and entries[0].postings[0].account == "Expenses:Meals"


def test_reimbursable_transfer_and_adjustment_post(books: Books) -> None:
    supplier = books.push("/push/suppliers", {"supplierName": "Jo Employee", "status": "Active"})
    employee = supplier["data"]["id"]
    books.refresh("suppliers")
    claim = {
        "id": str(uuid.uuid4()),
        "contactRef": {"id": employee},
        "issueDate": "2026-11-03",
        "dueDate": "2026-11-30",
        "currency": "USD",
        "reference": "Trip",
        "lines": [
            {"description": "Hotel", "netAmount": 250, "accountRef": {"id": "Expenses:Travel"}}
        ],
    }
    created = send(books, "POST", "/reimbursable-expense-transactions", [claim])
    assert created.status_code == 200, created.text
    claimed = finished(books, created.json()["syncId"])
    assert claimed["syncStatusCode"] == 2000, claimed["errorMessage"]
    transfer_id = str(uuid.uuid4())
    transfer = send(
        books,
        "PUT",
        f"/transfer-transactions/{transfer_id}",
        {
            "date": "2026-11-04",
            "description": "Card top-up",
            "from": {"accountRef": {"id": "Assets:Bank:Checking"}, "amount": 500},
            "to": {"accountRef": {"id": CARD}, "amount": 500},
        },
    )
    assert transfer.status_code == 200, transfer.text
    assert finished(books, transfer.json()["syncId"])["syncStatusCode"] == 2000
    adjustment = {
        "id": str(uuid.uuid4()),
        "date": "2026-11-05",
        "currency": "USD",
        "lines": [
            {"amount": 12.5, "accountRef": {"id": "Expenses:BankFees"}},
            {"amount": -12.5, "accountRef": {"id": "Assets:Bank:Checking"}},
        ],
    }
    adjusted = send(books, "POST", "/adjustment-transactions", [adjustment])
    assert finished(books, adjusted.json()["syncId"])["syncStatusCode"] == 2000

    posted = postings_by_id(books)
    legs = {p.account: p.units.number for p in posted[claim["id"]][0].postings}
    assert legs == {
        "Expenses:Travel": Decimal(250),
        "Liabilities:AccountsPayable:Employees": Decimal(-250),
    }
    assert posted[claim["id"]][0].meta["employee"] == employee
    legs = {p.account: p.units.number for p in posted[transfer_id][0].postings}
    assert legs == {"Assets:Bank:Checking": Decimal(-500), CARD: Decimal(500)}
    assert len(posted[adjustment["id"]][0].postings) == 2


def test_a_company_without_a_linked_connection_gets_4040(api: TestClient, tenant: Tenant) -> None:
    company = api.post("/companies", json={"name": "No Books"}, headers=tenant.headers).json()
    path = f"/companies/{company['id']}{BASE}"
    created = api.post(
        f"{path}/expense-transactions",
        headers=tenant.headers,
        json=[expense(bankAccountRef={"id": CARD})],
    )
    assert created.status_code == 200, created.text
    sync_id = created.json()["syncId"]
    status = wait_for(
        lambda: (
            (s := api.get(f"{path}/syncs/{sync_id}/status", headers=tenant.headers).json())[
                "syncStatusCode"
            ]
            != 1000
            and s
        ),
        "sync",
    )
    assert status["syncStatusCode"] == 4040 and status["dataPushed"] is False
    listed = api.get(f"{path}/syncs/{sync_id}/transactions", headers=tenant.headers).json()
    assert listed["results"][0]["status"] == "PushError"
    assert "link" in listed["results"][0]["message"]


def test_a_transaction_id_in_another_spelling_is_the_same_transaction(books: Books) -> None:
    """UUIDs are compared canonically: upper case or no hyphens never posts twice."""
    payment = expense()
    shouting = payment | {"id": payment["id"].upper()}
    created = send(books, "POST", "/expense-transactions", [shouting])
    assert finished(books, created.json()["syncId"])["syncStatusCode"] == 2000
    again = send(
        books, "POST", "/expense-transactions", [payment | {"id": payment["id"].replace("-", "")}]
    )
    assert again.status_code == 400 and "already submitted" in again.text
    fixed = {k: v for k, v in payment.items() if k != "id"} | {"merchantName": "Renamed"}
    updated = send(books, "PUT", f"/expense-transactions/{payment['id'].upper()}", fixed)
    assert updated.status_code == 202, updated.text
    assert finished(books, updated.json()["syncId"])["syncStatusCode"] == 2000
    status = books.get(
        f"{BASE}/syncs/{updated.json()['syncId']}/transactions/{payment['id'].upper()}"
    )
    assert status[0]["transactionId"] == payment["id"]
    posted = postings_by_id(books)
    assert list(posted) == [payment["id"]] and posted[payment["id"]][0].payee == "Renamed"


def test_a_currency_the_ledger_lacks_is_a_400_naming_it(books: Books) -> None:
    company = books.get("/data/info")
    assert company["supplementalData"]["content"]["expenseSync"]["currencies"] == [
        "EUR",
        "GBP",
        "USD",
    ]
    refused = send(books, "POST", "/expense-transactions", [expense(), expense(currency="CHF")])
    assert refused.status_code == 400
    error = refused.json()["validation"]["errors"][0]
    assert error["itemId"] == "[1].currency"
    assert "no CHF currency" in error["message"] and "EUR, GBP, USD" in error["message"]
    assert books.get(f"{BASE}/syncs/list/status") == []


def test_a_company_whose_books_were_unlinked_gets_4220_and_can_resubmit(books: Books) -> None:
    payment = expense()
    unlinked = books.api.patch(books.connection, json={"status": "Unlinked"}, headers=books.headers)
    assert unlinked.status_code == 200, unlinked.text
    created = send(books, "POST", "/expense-transactions", [payment])
    assert created.status_code == 200, created.text
    status = finished(books, created.json()["syncId"])
    assert (
        status["syncStatusCode"] == 4220 and status["syncStatus"] == "Company deleted/de-authorized"
    )
    outcome = outcomes(books, created.json()["syncId"])[payment["id"]]
    assert outcome["status"] == "PushError" and "link it again" in outcome["message"]

    relinked = books.api.put(
        f"{books.connection}/authorization",
        json={"ledgerPath": books.ledger.name},
        headers=books.headers,
    )
    assert relinked.status_code == 200, relinked.text
    body = {k: v for k, v in payment.items() if k != "id"}
    fixed = send(books, "PUT", f"/expense-transactions/{payment['id']}", body)
    assert finished(books, fixed.json()["syncId"])["syncStatusCode"] == 2000
    assert len(postings_by_id(books)[payment["id"]]) == 1
