"""Syncs through the API and the engine into the Xero sandbox: mixed expenses land once
(read back from the sandbox), one refused by Xero fails alone with Xero's words and is
fixed under its id, a receipt is attached to the posted record, and a revoked
connection fails the sync without losing anything."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from expense_sync.api.runtime import Runtime
from expense_sync.config import Settings
from sandboxes.xero import RunningSandbox
from tests.conftest import Tenant
from tests.connectors.cloud import BASE, PNG, SyncedBooks
from tests.connectors.xero_sandbox import Linked, books_of, link, relink, xero_settings
from tests.connectors.xero_sandbox import sandbox as sandbox  # the fixture
from tests.waiting import wait_for


@pytest.fixture
def settings(settings: Settings, sandbox: RunningSandbox) -> Settings:
    return xero_settings(settings, sandbox)


class XeroBooks(SyncedBooks):
    """A company linked to a sandbox organisation, its data read, its card configured."""

    def __init__(self, runtime: Runtime, api: TestClient, tenant: Tenant) -> None:
        self.linked: Linked = link(api, tenant, "Synced Co")
        super().__init__(api, tenant, self.linked.company_id)
        self.pull_all()
        xero = books_of(runtime, self.linked.connection_id)  # codes are not in the API
        self.account = {a["nominalCode"]: a["id"] for a in xero.read("chartOfAccounts")}
        suppliers = self.get("/data/suppliers", pageSize=500)["results"]
        self.supplier = {s["supplierName"]: s["id"] for s in suppliers}
        self.configure(self.account["092"])


def expense(books: XeroBooks, code: str = "429", **overrides: Any) -> dict[str, Any]:
    body = {
        "id": str(uuid.uuid4()),
        "type": "Payment",
        "issueDate": "2026-11-02T00:00:00Z",
        "currency": "GBP",
        "merchantName": "Rail Co",
        "lines": [
            {
                "netAmount": 100,
                "taxAmount": 20,
                "taxRateRef": {"id": "INPUT2"},
                "accountRef": {"id": books.account[code]},
            }
        ],
    }
    return body | overrides


def test_mixed_expenses_sync_into_xero_once(
    runtime: Runtime, api: TestClient, tenant: Tenant, sandbox: RunningSandbox
) -> None:
    books = XeroBooks(runtime, api, tenant)
    spend = [expense(books) for _ in range(3)] + [
        expense(books, type="Refund"),
        expense(books, type="Reward", currency="GBP"),
    ]
    sync_id = books.send("POST", "/expense-transactions", spend)
    status = books.finished(sync_id)
    assert status["syncStatusCode"] == 2000, status
    claim = {
        "id": str(uuid.uuid4()),
        "contactRef": {"id": books.supplier["Jane Employee"]},
        "issueDate": "2026-11-03",
        "dueDate": "2026-11-30",
        "currency": "GBP",
        "reference": "Trip",
        "lines": [{"description": "Hotel", "netAmount": 250,
                   "accountRef": {"id": books.account["493"]}}],
    }  # fmt: skip
    assert (
        books.finished(books.send("POST", "/reimbursable-expense-transactions", [claim]))[
            "syncStatusCode"
        ]
        == 2000
    )
    transfer_id = str(uuid.uuid4())
    moved = books.send(
        "PUT",
        f"/transfer-transactions/{transfer_id}",
        {
            "date": "2026-11-04",
            "description": "Card top-up",
            "from": {"accountRef": {"id": books.account["090"]}, "amount": 500},
            "to": {"accountRef": {"id": books.account["092"]}, "amount": 500},
        },
    )
    assert books.finished(moved)["syncStatusCode"] == 2000
    adjustment = {
        "id": str(uuid.uuid4()),
        "date": "2026-11-05",
        "currency": "GBP",
        "lines": [
            {"amount": 12.5, "accountRef": {"id": books.account["429"]}},
            {"amount": -12.5, "accountRef": {"id": books.account["090"]}},
        ],
    }
    assert (
        books.finished(books.send("POST", "/adjustment-transactions", [adjustment]))[
            "syncStatusCode"
        ]
        == 2000
    )
    held = sandbox.state(books.linked.tenant_id)
    references = sorted(t["Reference"] for t in held["BankTransactions"])
    assert references == sorted(e["id"] for e in spend)
    kinds = {t["Reference"]: t["Type"] for t in held["BankTransactions"]}
    assert kinds[spend[3]["id"]] == "RECEIVE" and kinds[spend[0]["id"]] == "SPEND"
    assert [i["InvoiceNumber"] for i in held["Invoices"]] == [claim["id"]]
    assert [t["Reference"] for t in held["BankTransfers"]] == [transfer_id]
    assert [j["Narration"] for j in held["ManualJournals"]] == [adjustment["id"]]
    # A receipt goes up to the posted bank transaction.
    path = f"{books.company}{BASE}/syncs/{sync_id}/transactions/{spend[0]['id']}/attachments"
    uploaded = api.post(
        path, files={"file": ("receipt.png", PNG, "image/png")}, headers=books.headers
    )
    assert uploaded.status_code == 200, uploaded.text
    posted = next(t for t in held["BankTransactions"] if t["Reference"] == spend[0]["id"])
    wait_for(
        lambda: sandbox.state(books.linked.tenant_id)["Attachments"].get(
            f"BankTransactions/{posted['BankTransactionID']}"
        )
        or any(posted["BankTransactionID"] in owner for owner in
               sandbox.state(books.linked.tenant_id)["Attachments"]),
        "the receipt in Xero",
    )  # fmt: skip


def test_one_expense_xero_refuses_fails_alone_and_is_fixed_under_its_id(
    runtime: Runtime, api: TestClient, tenant: Tenant, sandbox: RunningSandbox
) -> None:
    books = XeroBooks(runtime, api, tenant)
    archived = books.supplier["Coffee House"]
    organisation = sandbox.sandbox.tenant(books.linked.tenant_id)
    assert organisation is not None
    organisation.contacts.get(archived)["ContactStatus"] = "ARCHIVED"  # done in Xero
    good, bad = expense(books), expense(books, contactRef={"id": archived})
    sync_id = books.send("POST", "/expense-transactions", [good, bad])
    status = books.finished(sync_id)
    results = books.outcomes(sync_id)
    held = sandbox.state(books.linked.tenant_id)["BankTransactions"]
    assert status["syncStatusCode"] != 2000, status
    assert "archived" in results[bad["id"]]["message"], results[bad["id"]]
    assert results[good["id"]]["status"] == "Completed"
    assert results[bad["id"]]["status"] in ("PushError", "ValidationError")
    assert [t["Reference"] for t in held] == [good["id"]]
    bad["contactRef"] = {"id": books.supplier["City Taxis"]}
    fixed = books.send("PUT", f"/expense-transactions/{bad['id']}", bad)
    assert books.finished(fixed)["syncStatusCode"] == 2000
    held = sandbox.state(books.linked.tenant_id)["BankTransactions"]
    assert sorted(t["Reference"] for t in held) == sorted([good["id"], bad["id"]])


def test_a_revoked_connection_fails_the_sync_and_loses_nothing(
    runtime: Runtime, api: TestClient, tenant: Tenant, sandbox: RunningSandbox
) -> None:
    books = XeroBooks(runtime, api, tenant)
    assert httpx.post(f"{sandbox.base_url}/__sandbox__/tokens/revoke").status_code == 204
    payment = expense(books)
    httpx.post(f"{sandbox.base_url}/__sandbox__/tokens/expire")
    sync_id = books.send("POST", "/expense-transactions", [payment])
    status = books.finished(sync_id)
    # Codat's de-authorized class: 4220 "Company deleted/de-authorized", as for an
    # unlinked connection (4040, same reason, is kept for a company never linked).
    assert (status["syncStatusCode"], status["syncStatus"]) == (
        4220,
        "Company deleted/de-authorized",
    ), status
    assert books.linked.connection()["status"] == "Deauthorized"
    assert sandbox.state(books.linked.tenant_id)["BankTransactions"] == []
    outcome = books.outcomes(sync_id)[payment["id"]]
    assert outcome["status"] == "PushError" and "withdrew access" in outcome["message"]
    assert "link it again" in outcome["message"]
    # Nothing lost: linked again, the same transaction resubmitted lands once.
    relink(books.linked)
    assert books.linked.connection()["status"] == "Linked"
    again = books.send("PUT", f"/expense-transactions/{payment['id']}", payment)
    assert books.finished(again)["syncStatusCode"] == 2000, books.outcomes(again)
    held = sandbox.state(books.linked.tenant_id)["BankTransactions"]
    assert [t["Reference"] for t in held] == [payment["id"]]


def arm(sandbox: RunningSandbox, **fault: Any) -> None:
    answer = httpx.post(f"{sandbox.base_url}/__sandbox__/faults", json=fault)
    assert answer.status_code == 201, answer.text


def test_a_first_try_asks_xero_for_no_keys_and_a_retry_finds_what_landed(
    runtime: Runtime, api: TestClient, tenant: Tenant, sandbox: RunningSandbox
) -> None:
    books = XeroBooks(runtime, api, tenant)
    # A key lookup (GET BankTransactions?where=...) would meet this outage and wait.
    arm(sandbox, path="/api.xro/2.0/BankTransactions", kind="error", method="GET", count=5)
    fresh = [expense(books) for _ in range(3)]
    assert (
        books.finished(books.send("POST", "/expense-transactions", fresh))["syncStatusCode"] == 2000
    )
    pending = httpx.get(f"{sandbox.base_url}/__sandbox__/faults").json()
    assert [f["count"] for f in pending] == [5], "a first try looked its keys up"
    httpx.delete(f"{sandbox.base_url}/__sandbox__/faults")
    # The write lands but its answer is lost: the next run looks the keys up, finds them.
    arm(sandbox, path="/api.xro/2.0/BankTransactions", kind="drop", method="PUT")
    retried = [expense(books) for _ in range(2)]
    sync_id = books.send("POST", "/expense-transactions", retried)
    status = books.finished(sync_id)
    assert status["syncStatusCode"] == 2000, status
    held = [t["Reference"] for t in sandbox.state(books.linked.tenant_id)["BankTransactions"]]
    assert sorted(held) == sorted(e["id"] for e in fresh + retried)
    # A revision sent again may have landed: it is found and changed in place.
    changed = retried[0] | {"merchantName": "Bus Co"}
    resent = books.send("PUT", f"/expense-transactions/{changed['id']}", changed)
    assert books.finished(resent)["syncStatusCode"] == 2000
    held_now = sandbox.state(books.linked.tenant_id)["BankTransactions"]
    assert len(held_now) == len(held)
