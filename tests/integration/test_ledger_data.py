"""Manage data, push operations and mapping options against a real Beancount ledger."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from beancount import loader
from beancount.core import data
from fastapi.testclient import TestClient

from expense_sync.connectors.beancount.directives import custom
from tests.conftest import Tenant
from tests.waiting import wait_for


class Books:
    """A company with a Beancount connection linked to a fresh ledger."""

    def __init__(self, api: TestClient, tenant: Tenant) -> None:
        self.api, self.headers = api, tenant.headers
        company = api.post("/companies", json={"name": "Books Ltd"}, headers=self.headers).json()
        self.company = f"/companies/{company['id']}"
        connection = api.post(
            f"{self.company}/connections", json={"platformKey": "bean"}, headers=self.headers
        ).json()
        self.connection = f"{self.company}/connections/{connection['id']}"
        linked = api.put(f"{self.connection}/authorization", json={}, headers=self.headers)
        self.ledger = Path(linked.json()["connectionInfo"]["ledgerPath"])

    def get(self, path: str, **params: Any) -> Any:
        response = self.api.get(self.company + path, params=params, headers=self.headers)
        assert response.status_code == 200, response.text
        return response.json()

    def refresh(self, data_type: str | None = None) -> None:
        if data_type is None:
            assert (
                self.api.post(f"{self.company}/data/all", headers=self.headers).status_code == 204
            )
        else:
            queued = self.api.post(f"{self.company}/data/queue/{data_type}", headers=self.headers)
            assert queued.status_code == 200, queued.text
            assert queued.json()["status"] in ("Queued", "Fetching", "Complete")
        wait_for(
            lambda: all(p["isCompleted"] for p in self.get("/data/history")["results"]),
            "pulls to finish",
        )

    def push(self, path: str, body: dict[str, Any], method: str = "POST") -> dict[str, Any]:
        response = self.api.request(method, self.connection + path, json=body, headers=self.headers)
        assert response.status_code == 200, response.text
        key = response.json()["pushOperationKey"]
        return wait_for(
            lambda: (op := self.get(f"/push/{key}"))["status"] != "Pending" and op,
            f"push {key}",
        )


@pytest.fixture
def books(api: TestClient, tenant: Tenant) -> Books:
    return Books(api, tenant)


def test_refresh_all_fills_the_cache_and_data_status(books: Books) -> None:
    books.refresh()
    status = books.get("/dataStatus")
    assert set(status) == {
        "chartOfAccounts",
        "bankAccounts",
        "suppliers",
        "customers",
        "taxRates",
        "trackingCategories",
        "company",
    }
    assert all(s["currentStatus"] == "Complete" for s in status.values())
    history = books.get("/data/history", pageSize=3)
    assert history["totalResults"] == 7 and len(history["results"]) == 3
    one = history["results"][0]
    assert books.get(f"/data/history/{one['id']}")["dataType"] == one["dataType"]
    info = books.get("/data/info")
    assert info["companyName"] == "Books Ltd" and info["baseCurrency"] == "USD"


def test_refresh_follows_edits_made_in_the_ledger(books: Books) -> None:
    """Added, changed and removed records all reach the cache; the rest keep their rows."""
    original = books.ledger.read_text()
    suppliers = [
        custom("2020-01-01", "supplier", f"SUP-{n}", {"name": f"Supplier {n}"}) for n in range(3)
    ]
    books.ledger.write_text(original + "\n" + "\n".join(suppliers))
    books.refresh("suppliers")
    first = {s["id"]: s for s in books.get("/data/suppliers")["results"]}
    assert {"SUP-0", "SUP-1", "SUP-2"} <= set(first)

    renamed = suppliers[1].replace('"Supplier 1"', '"Renamed Supplier"')
    added = custom("2020-01-01", "supplier", "SUP-9", {"name": "Newcomer"})
    books.ledger.write_text(original + "\n" + "\n".join([suppliers[0], renamed, added]))
    books.refresh("suppliers")
    second = {s["id"]: s for s in books.get("/data/suppliers")["results"]}
    assert "SUP-2" not in second
    assert second["SUP-1"]["supplierName"] == "Renamed Supplier"
    assert second["SUP-9"]["supplierName"] == "Newcomer"
    assert second["SUP-0"] == first["SUP-0"]
    renamed_only = books.get("/data/suppliers", query='supplierName="Renamed Supplier"')
    assert [s["id"] for s in renamed_only["results"]] == ["SUP-1"]


def test_mapping_options_come_from_the_ledger(books: Books) -> None:
    books.refresh()
    options = books.get("/sync/expenses/mappingOptions")
    accounts = {a["id"]: a for a in options["accounts"]}
    travel = accounts["Expenses:Travel"]
    assert travel["accountType"] == "Expense"
    assert travel["validTransactionTypes"] == ["Payment", "Refund", "Chargeback"]
    assert "reimbursable-expense-transactions" in travel["validFor"]
    card = accounts["Liabilities:CreditCard:Corporate"]
    assert card["isBankAccount"] is True and "transfer-transactions" in card["validFor"]
    assert {t["id"] for t in options["taxRates"]} >= {"VAT20", "NONE"}
    assert next(t for t in options["taxRates"] if t["id"] == "VAT20")["effectiveTaxRate"] == 20
    tracking = {t["id"]: t for t in options["trackingCategories"]}
    assert tracking["DEPT"]["hasChildren"] and tracking["DEPT-ENG"]["parentId"] == "DEPT"


def _ledger_entries(path: Path) -> list[Any]:
    entries, errors, _ = loader.load_file(str(path))
    assert errors == []
    return entries


def test_push_supplier_then_update_lands_in_the_ledger(books: Books) -> None:
    created = books.push(
        "/push/suppliers",
        {
            "supplierName": "Acme Travel",
            "emailAddress": "ap@acme.test",
            "addresses": [{"type": "Billing", "city": "Leeds"}],
            "defaultCurrency": "GBP",
        },
    )
    assert created["status"] == "Success", created
    assert created["changes"][0]["type"] == "Created"
    supplier_id = created["data"]["id"]
    customs = [e for e in _ledger_entries(books.ledger) if isinstance(e, data.Custom)]
    supplier = next(e for e in customs if e.type == "supplier")
    assert supplier.values[0].value == supplier_id and supplier.meta["name"] == "Acme Travel"
    listed = books.get("/data/suppliers", query="supplierName~acme")
    assert [s["id"] for s in listed["results"]] == [supplier_id]
    updated = books.push(
        f"/push/suppliers/{supplier_id}",
        {"supplierName": "Acme Travel Ltd", "status": "Archived"},
        "PUT",
    )
    assert updated["status"] == "Success" and updated["changes"][0]["type"] == "Modified"
    books.refresh("suppliers")
    fetched = books.get(f"/data/suppliers/{supplier_id}")
    assert (fetched["supplierName"], fetched["status"]) == ("Acme Travel Ltd", "Archived")
    assert (
        len(
            [
                e
                for e in _ledger_entries(books.ledger)
                if isinstance(e, data.Custom) and e.type == "supplier"
            ]
        )
        == 1
    )


def test_push_accounts_and_bank_accounts(books: Books) -> None:
    account = books.push(
        "/push/accounts",
        {
            "fullyQualifiedName": "Expenses:Travel:Flights",
            "name": "Flights",
            "type": "Expense",
            "currency": "EUR",
            "nominalCode": "6051",
        },
    )
    assert account["status"] == "Success" and account["data"]["id"] == "Expenses:Travel:Flights"
    bank = books.push(
        "/push/bankAccounts",
        {"accountName": "Amex Gold", "accountType": "Credit", "currency": "USD"},
    )
    assert bank["status"] == "Success"
    opened = {e.account: e for e in _ledger_entries(books.ledger) if isinstance(e, data.Open)}
    assert opened["Expenses:Travel:Flights"].currencies == ["EUR"]
    assert opened["Liabilities:CreditCard:AmexGold"].meta["bank-account-type"] == "Credit"
    again = books.push(
        "/push/accounts",
        {
            "fullyQualifiedName": "Expenses:Travel:Flights",
            "type": "Expense",
            "currency": "EUR",
        },
    )
    assert again["status"] == "Failed" and "already exists" in again["errorMessage"]
    wrong_root = books.push(
        "/push/accounts",
        {
            "fullyQualifiedName": "Income:Oops",
            "type": "Expense",
            "currency": "EUR",
        },
    )
    assert wrong_root["status"] == "Failed"
    assert wrong_root["validation"]["errors"][0]["itemId"] == "type"
    history = books.get("/push", query="status=Failed")
    assert history["totalResults"] == 2


@pytest.mark.parametrize(
    ("path", "body", "items"),
    [
        ("/push/suppliers", {}, {"supplierName"}),
        ("/push/suppliers", {"supplierName": "x", "emailAddress": "nope"}, {"emailAddress"}),
        ("/push/customers", {"customerName": 5, "colour": "red"}, {"customerName", "colour"}),
        (
            "/push/accounts",
            {"fullyQualifiedName": "Expenses:X", "type": "Cost", "currency": "usd"},
            {"type", "currency"},
        ),
        (
            "/push/bankAccounts",
            {"accountName": "A", "accountType": "Debit", "currency": "usd"},
            {"currency"},
        ),
        (
            "/push/suppliers",
            {"supplierName": "x", "addresses": [{"city": "Leeds"}]},
            {"addresses[0].type"},
        ),
    ],
)
def test_invalid_pushes_are_400_per_field_and_write_nothing(
    books: Books, path: str, body: dict[str, Any], items: set[str]
) -> None:
    before = books.ledger.read_bytes()
    response = books.api.post(books.connection + path, json=body, headers=books.headers)
    assert response.status_code == 400, response.text
    assert {e["itemId"] for e in response.json()["validation"]["errors"]} == items
    assert books.get("/push")["totalResults"] == 0
    assert books.ledger.read_bytes() == before


def test_create_models_are_generated_from_the_manifest(books: Books) -> None:
    model = books.api.get(f"{books.connection}/options/chartOfAccounts", headers=books.headers)
    assert model.status_code == 200
    properties = model.json()["properties"]
    assert properties["fullyQualifiedName"]["required"] is False  # derived when left out
    assert [o["value"] for o in properties["type"]["options"]] == [
        "Asset",
        "Expense",
        "Income",
        "Liability",
        "Equity",
    ]
    bank = books.api.get(f"{books.connection}/options/bankAccounts", headers=books.headers)
    assert bank.json()["properties"]["accountType"]["required"] is True


def test_unknown_data_type_lists_the_valid_ones(books: Books) -> None:
    response = books.api.post(f"{books.company}/data/queue/invoices", headers=books.headers)
    assert response.status_code == 400
    assert "chartOfAccounts" in response.json()["error"]
    assert "trackingCategories" in response.json()["error"]


def test_a_ledger_broken_by_hand_shows_beancounts_error_and_takes_no_writes(books: Books) -> None:
    with books.ledger.open("a") as ledger:
        ledger.write('\n2024-01-01 * "Typo"\n  Expenses:Nope  5 USD\n  Assets:Bank:Checking\n')
    broken = books.ledger.read_bytes()
    books.refresh("chartOfAccounts")
    status = books.get("/dataStatus")["chartOfAccounts"]
    assert status["currentStatus"] == "FetchError"
    assert "Expenses:Nope" in status["errorMessage"]
    connection = books.api.get(books.connection, headers=books.headers).json()
    assert "Expenses:Nope" in connection["dataConnectionErrors"][0]["errorMessage"]
    failed = books.push("/push/suppliers", {"supplierName": "Blocked"})
    assert failed["status"] == "Failed" and "Beancount reports" in failed["errorMessage"]
    assert books.ledger.read_bytes() == broken


def test_push_needs_a_linked_connection(api: TestClient, tenant: Tenant) -> None:
    company = api.post("/companies", json={"name": "Unlinked"}, headers=tenant.headers).json()
    connection = api.post(
        f"/companies/{company['id']}/connections",
        json={"platformKey": "bean"},
        headers=tenant.headers,
    ).json()
    response = api.post(
        f"/companies/{company['id']}/connections/{connection['id']}/push/suppliers",
        json={"supplierName": "x"},
        headers=tenant.headers,
    )
    # "Cannot be done now" is our 422; each Codat operation answers it with a status its
    # spec declares (409, else 400, else 404: api/codat_statuses.py), saying the same.
    assert response.status_code == 400 and "PendingAuth" in response.json()["error"]
    refresh = api.post(f"/companies/{company['id']}/data/all", headers=tenant.headers)
    assert (
        refresh.status_code == 400 and "no linked accounting connection" in refresh.json()["error"]
    )
    base = f"/companies/{company['id']}"
    for path, status, says in (
        (f"{base}/connections/{connection['id']}/options/chartOfAccounts", 404, "PendingAuth"),
        (f"{base}/sync/expenses/mappingOptions", 404, "no linked accounting connection"),
        (f"{base}/data/info", 409, "no linked accounting connection"),
    ):
        answer = api.get(path, headers=tenant.headers)
        assert answer.status_code == status and says in answer.json()["error"], (path, answer.text)


def test_the_cache_shows_only_the_linked_connection(books: Books) -> None:
    """Records read through a connection that was unlinked since are not listed."""
    books.push("/push/suppliers", {"supplierName": "Old Books Supplier"})
    assert (
        books.api.patch(
            books.connection, json={"status": "Unlinked"}, headers=books.headers
        ).status_code
        == 200
    )
    fresh = Books.__new__(Books)
    fresh.api, fresh.headers, fresh.company = books.api, books.headers, books.company
    connection = books.api.post(
        f"{books.company}/connections", json={"platformKey": "bean"}, headers=books.headers
    ).json()
    fresh.connection = f"{books.company}/connections/{connection['id']}"
    books.api.put(f"{fresh.connection}/authorization", json={}, headers=books.headers)
    fresh.push("/push/suppliers", {"supplierName": "New Books Supplier"})
    names = [s["supplierName"] for s in books.get("/data/suppliers")["results"]]
    assert names == ["New Books Supplier"]
    assert books.get("/data/suppliers/SUP-0001")["supplierName"] == "New Books Supplier"


def test_an_unexpected_error_in_a_pull_is_retried_not_left_running(
    books: Books, monkeypatch: pytest.MonkeyPatch
) -> None:
    from expense_sync.services import manage_data

    real_store = manage_data._store
    failures = []

    def fail_once(*args: Any) -> None:
        if not failures:
            failures.append(1)
            raise RuntimeError("disk on fire")
        real_store(*args)

    monkeypatch.setattr(manage_data, "_store", fail_once)
    queued = books.api.post(f"{books.company}/data/queue/taxRates", headers=books.headers).json()
    url = f"/data/history/{queued['id']}"
    waiting = wait_for(lambda: (p := books.get(url))["errorMessage"] and p, "the failed try")
    assert waiting["status"] == "Queued" and "RuntimeError: disk on fire" in waiting["errorMessage"]
    done = wait_for(lambda: (p := books.get(url))["status"] == "Complete" and p, "the retry")
    assert done["errorMessage"] is None
