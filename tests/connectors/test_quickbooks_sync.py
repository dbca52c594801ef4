"""Syncs through the API and the engine into the QuickBooks sandbox (a US company):
mixed expenses land once (read back from the sandbox), a reimbursable, a transfer and an
adjustment, a receipt attached to the posted purchase; one expense QuickBooks refuses
fails alone with QuickBooks' words and is fixed under its id; a revoked connection fails
the sync without losing anything."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient

from expense_sync.api.runtime import Runtime
from expense_sync.config import Settings
from sandboxes.quickbooks import RunningSandbox
from tests.conftest import Tenant
from tests.connectors.cloud import BASE, PNG, SyncedBooks
from tests.connectors.quickbooks_sandbox import Linked, link, quickbooks_settings
from tests.connectors.quickbooks_sandbox import sandbox as sandbox  # the fixture
from tests.connectors.xero_sandbox import books_of
from tests.waiting import wait_for


@pytest.fixture
def settings(settings: Settings, sandbox: RunningSandbox) -> Settings:
    return quickbooks_settings(settings, sandbox)


class QuickBooksBooks(SyncedBooks):
    """A company linked to a fresh sandbox US company, its data read, its card configured."""

    def __init__(self, runtime: Runtime, api: TestClient, tenant: Tenant) -> None:
        self.linked: Linked = link(api, tenant, "new-us", name="Synced Co")
        super().__init__(api, tenant, self.linked.company_id)
        self.pull_all()
        quickbooks = books_of(runtime, self.linked.connection_id)  # accounts by name
        self.account = {a["name"]: a["id"] for a in quickbooks.read("chartOfAccounts")}
        suppliers = self.get("/data/suppliers", pageSize=500)["results"]
        self.supplier = {s["supplierName"]: s["id"] for s in suppliers}
        self.configure(self.account["Company Credit Card"])


def expense(books: QuickBooksBooks, **overrides: Any) -> dict[str, Any]:
    body = {
        "id": str(uuid.uuid4()),
        "type": "Payment",
        "issueDate": "2026-11-02T00:00:00Z",
        "currency": "USD",
        "merchantName": "Rail Co",
        # A US company takes no tax code on purchases (QuickBooks' automated sales tax).
        "lines": [{"netAmount": 108, "accountRef": {"id": books.account["Travel"]}}],
    }
    return body | overrides


def keys(sandbox: RunningSandbox, books: QuickBooksBooks, entity: str) -> list[str]:
    """The transaction ids held in ``entity``, read from each one's ``PrivateNote``."""
    found = sandbox.state(books.linked.realm_id).get(entity) or []
    return sorted(str(r["PrivateNote"]).split()[2] for r in found)


def test_mixed_expenses_sync_into_quickbooks_once(
    runtime: Runtime, api: TestClient, tenant: Tenant, sandbox: RunningSandbox
) -> None:
    books = QuickBooksBooks(runtime, api, tenant)
    spend = [expense(books) for _ in range(3)] + [expense(books, type="Refund")]
    sync_id = books.send("POST", "/expense-transactions", spend)
    status = books.finished(sync_id)
    assert status["syncStatusCode"] == 2000, status
    claim = {
        "id": str(uuid.uuid4()),
        "contactRef": {"id": books.supplier["Jane Employee (vendor)"]},
        "issueDate": "2026-11-03",
        "dueDate": "2026-11-30",
        "currency": "USD",
        "reference": "Trip",
        "lines": [{"description": "Hotel", "netAmount": 250,
                   "accountRef": {"id": books.account["Travel"]}}],
    }  # fmt: skip
    reimbursed = books.send("POST", "/reimbursable-expense-transactions", [claim])
    assert books.finished(reimbursed)["syncStatusCode"] == 2000
    transfer_id = str(uuid.uuid4())
    moved = books.send(
        "PUT",
        f"/transfer-transactions/{transfer_id}",
        {
            "date": "2026-11-04",
            "description": "Card top-up",
            "from": {"accountRef": {"id": books.account["Checking"]}, "amount": 500},
            "to": {"accountRef": {"id": books.account["Savings"]}, "amount": 500},
        },
    )
    assert books.finished(moved)["syncStatusCode"] == 2000
    adjustment = {
        "id": str(uuid.uuid4()),
        "date": "2026-11-05",
        "currency": "USD",
        "lines": [
            {"amount": 12.5, "accountRef": {"id": books.account["Travel"]}},
            {"amount": -12.5, "accountRef": {"id": books.account["Checking"]}},
        ],
    }
    adjusted = books.send("POST", "/adjustment-transactions", [adjustment])
    assert books.finished(adjusted)["syncStatusCode"] == 2000
    assert keys(sandbox, books, "Purchase") == sorted(e["id"] for e in spend)
    held = sandbox.state(books.linked.realm_id)
    refund = next(p for p in held["Purchase"] if spend[3]["id"] in p["PrivateNote"])
    assert refund.get("Credit") is True and refund["PaymentType"] == "CreditCard"
    assert keys(sandbox, books, "Bill") == [claim["id"]]
    assert keys(sandbox, books, "Transfer") == [transfer_id]
    assert keys(sandbox, books, "JournalEntry") == [adjustment["id"]]
    # A receipt goes up to the posted purchase.
    path = f"{books.company}{BASE}/syncs/{sync_id}/transactions/{spend[0]['id']}/attachments"
    uploaded = api.post(
        path, files={"file": ("receipt.png", PNG, "image/png")}, headers=books.headers
    )
    assert uploaded.status_code == 200, uploaded.text
    posted = next(p for p in held["Purchase"] if spend[0]["id"] in p["PrivateNote"])
    attached = wait_for(
        lambda: sandbox.state(books.linked.realm_id).get("Attachable"), "the receipt in QuickBooks"
    )
    assert attached[0]["AttachableRef"][0]["EntityRef"] == {
        "type": "Purchase",
        "value": posted["Id"],
    }


def test_one_expense_quickbooks_refuses_fails_alone_and_is_fixed_under_its_id(
    runtime: Runtime, api: TestClient, tenant: Tenant, sandbox: RunningSandbox
) -> None:
    books = QuickBooksBooks(runtime, api, tenant)
    company = sandbox.memory.company(books.linked.realm_id)
    assert company is not None
    inactive = books.supplier["Coffee House"]
    company.get("Vendor", inactive)["Active"] = False  # done in QuickBooks after the pull
    good, bad = expense(books), expense(books, contactRef={"id": inactive})
    sync_id = books.send("POST", "/expense-transactions", [good, bad])
    status = books.finished(sync_id)
    results = books.outcomes(sync_id)
    assert status["syncStatusCode"] != 2000, status
    assert "inactive" in results[bad["id"]]["message"], results[bad["id"]]
    assert results[good["id"]]["status"] == "Completed"
    assert results[bad["id"]]["status"] in ("PushError", "ValidationError")
    assert keys(sandbox, books, "Purchase") == [good["id"]]
    bad["contactRef"] = {"id": books.supplier["City Taxis"]}
    fixed = books.send("PUT", f"/expense-transactions/{bad['id']}", bad)
    assert books.finished(fixed)["syncStatusCode"] == 2000
    assert keys(sandbox, books, "Purchase") == sorted([good["id"], bad["id"]])


def test_a_revoked_connection_fails_the_sync_and_loses_nothing(
    runtime: Runtime, api: TestClient, tenant: Tenant, sandbox: RunningSandbox
) -> None:
    books = QuickBooksBooks(runtime, api, tenant)
    sandbox.control("POST", "tokens/revoke")
    payment = expense(books)
    sync_id = books.send("POST", "/expense-transactions", [payment])
    status = books.finished(sync_id)
    assert status["syncStatusCode"] >= 4000, status
    assert books.linked.connection()["status"] == "Deauthorized"
    assert not sandbox.state(books.linked.realm_id).get("Purchase")
    outcome = books.outcomes(sync_id)[payment["id"]]
    assert outcome["status"] == "PushError" and outcome["message"]
