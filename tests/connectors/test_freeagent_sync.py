"""Syncs through the API and the engine into the FreeAgent sandbox: mixed expenses
(one of several lines, one explanation each), a bill, a transfer and a journal set land
once (read back from the sandbox), a receipt is attached inline to the posted
explanation, one FreeAgent refuses fails alone with FreeAgent's words and is fixed under
its id, and a revoked connection fails the sync without losing anything."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from expense_sync.api.runtime import Runtime
from expense_sync.config import Settings
from sandboxes.freeagent import RunningSandbox
from tests.conftest import Tenant
from tests.connectors.cloud import BASE, PNG, SyncedBooks
from tests.connectors.freeagent_sandbox import Linked, freeagent_settings, link
from tests.connectors.freeagent_sandbox import sandbox as sandbox  # the fixture
from tests.connectors.xero_sandbox import books_of
from tests.waiting import wait_for


@pytest.fixture
def settings(settings: Settings, sandbox: RunningSandbox) -> Settings:
    return freeagent_settings(settings, sandbox)


class FreeAgentBooks(SyncedBooks):
    """A company linked to a sandbox company, its data read, its card configured."""

    def __init__(
        self, runtime: Runtime, api: TestClient, tenant: Tenant, sandbox: RunningSandbox
    ) -> None:
        self.linked: Linked = link(api, tenant, sandbox, "Synced Co")
        super().__init__(api, tenant, self.linked.company_id)
        self.pull_all()
        banks = books_of(runtime, self.linked.connection_id).read("bankAccounts")
        self.bank = {b["accountName"]: b["id"] for b in banks}
        suppliers = self.get("/data/suppliers", pageSize=500)["results"]
        self.supplier = {s["supplierName"]: s["id"] for s in suppliers}
        self.configure(self.bank["Company Credit Card"])


def expense(*codes: str, **overrides: Any) -> dict[str, Any]:
    body = {
        "id": str(uuid.uuid4()),
        "type": "Payment",
        "issueDate": "2026-11-02T00:00:00Z",
        "currency": "GBP",
        "merchantName": "Rail Co",
        "lines": [
            {"netAmount": 40 + index, "accountRef": {"id": code}}
            for index, code in enumerate(codes or ("365",))
        ],
    }
    return body | overrides


def marked(held: dict[str, Any]) -> list[str]:
    return sorted(
        str(e.get("description")).split("]")[0][1:] for e in held["bank_transaction_explanations"]
    )


def test_every_type_syncs_into_freeagent_once_with_a_receipt(
    runtime: Runtime, api: TestClient, tenant: Tenant, sandbox: RunningSandbox
) -> None:
    books = FreeAgentBooks(runtime, api, tenant, sandbox)
    spend = [expense(), expense("365", "285"), expense(type="Refund"), expense(type="Reward")]
    sync_id = books.send("POST", "/expense-transactions", spend)
    assert books.finished(sync_id)["syncStatusCode"] == 2000
    claim = {
        "id": str(uuid.uuid4()),
        "contactRef": {"id": books.supplier["Jane Employee"]},
        "issueDate": "2026-11-03",
        "dueDate": "2026-11-30",
        "currency": "GBP",
        "reference": "Trip",
        "lines": [{"description": "Hotel", "netAmount": 250, "accountRef": {"id": "285"}}],
    }
    claimed = books.send("POST", "/reimbursable-expense-transactions", [claim])
    assert books.finished(claimed)["syncStatusCode"] == 2000
    transfer_id = str(uuid.uuid4())
    moved = books.send(
        "PUT",
        f"/transfer-transactions/{transfer_id}",
        {
            "date": "2026-11-04",
            "description": "Card top-up",
            "from": {"accountRef": {"id": books.bank["Current Account"]}, "amount": 500},
            "to": {"accountRef": {"id": books.bank["Company Credit Card"]}, "amount": 500},
        },
    )
    assert books.finished(moved)["syncStatusCode"] == 2000
    adjustment = {
        "id": str(uuid.uuid4()),
        "date": "2026-11-05",
        "currency": "GBP",
        "lines": [
            {"amount": 12.5, "accountRef": {"id": "285"}},
            {"amount": -12.5, "accountRef": {"id": "796"}},
        ],
    }
    adjusted = books.send("POST", "/adjustment-transactions", [adjustment])
    assert books.finished(adjusted)["syncStatusCode"] == 2000
    held = sandbox.state(books.linked.sandbox_company)
    two_lines = spend[1]["id"]
    expected = sorted([e["id"] for e in spend] + [f"{two_lines}#2", transfer_id, transfer_id])
    assert marked(held) == expected  # the transfer shows on both accounts
    gross = {
        str(e["description"]).split(" ")[0]: e["gross_value"]
        for e in held["bank_transaction_explanations"]
    }
    assert gross[f"[{spend[0]['id']}]"] == "-40.00" and gross[f"[{spend[2]['id']}]"] == "40.00"
    assert [b["reference"] for b in held["bills"]] == [claim["id"]]
    assert [j["description"].split(" ")[0] for j in held["journal_sets"]] == [
        f"[{adjustment['id']}]"
    ]
    path = f"{books.company}{BASE}/syncs/{sync_id}/transactions/{spend[0]['id']}/attachments"
    uploaded = api.post(
        path, files={"file": ("receipt.png", PNG, "image/png")}, headers=books.headers
    )
    assert uploaded.status_code == 200, uploaded.text

    def attached() -> bool:
        explanations = sandbox.state(books.linked.sandbox_company)["bank_transaction_explanations"]
        first = next(e for e in explanations if e["description"].startswith(f"[{spend[0]['id']}]"))
        return bool(first.get("attachment"))

    wait_for(attached, "the receipt in FreeAgent")


def test_one_expense_freeagent_refuses_fails_alone_and_is_fixed_under_its_id(
    runtime: Runtime, api: TestClient, tenant: Tenant, sandbox: RunningSandbox
) -> None:
    books = FreeAgentBooks(runtime, api, tenant, sandbox)
    good, bad = expense(), expense(issueDate="2019-05-01T00:00:00Z")  # before FreeAgent's start
    sync_id = books.send("POST", "/expense-transactions", [good, bad])
    status = books.finished(sync_id)
    results = books.outcomes(sync_id)
    assert status["syncStatusCode"] != 2000, status
    assert results[good["id"]]["status"] == "Completed"
    assert "before the company's start date" in results[bad["id"]]["message"], results[bad["id"]]
    assert marked(sandbox.state(books.linked.sandbox_company)) == [good["id"]]
    bad["issueDate"] = "2026-11-06T00:00:00Z"
    fixed = books.send("PUT", f"/expense-transactions/{bad['id']}", bad)
    assert books.finished(fixed)["syncStatusCode"] == 2000
    assert marked(sandbox.state(books.linked.sandbox_company)) == sorted([good["id"], bad["id"]])


def test_a_revoked_connection_fails_the_sync_and_loses_nothing(
    runtime: Runtime, api: TestClient, tenant: Tenant, sandbox: RunningSandbox
) -> None:
    books = FreeAgentBooks(runtime, api, tenant, sandbox)
    assert httpx.post(f"{sandbox.base_url}/__sandbox__/tokens/revoke").status_code == 204
    httpx.post(f"{sandbox.base_url}/__sandbox__/tokens/expire")
    payment = expense()
    sync_id = books.send("POST", "/expense-transactions", [payment])
    assert books.finished(sync_id)["syncStatusCode"] >= 4000
    assert books.linked.connection()["status"] == "Deauthorized"
    assert sandbox.state(books.linked.sandbox_company)["bank_transaction_explanations"] == []
    outcome = books.outcomes(sync_id)[payment["id"]]
    assert outcome["status"] == "PushError" and "withdrew access" in outcome["message"]
