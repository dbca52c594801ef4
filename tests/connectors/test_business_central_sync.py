"""Syncs through the API and the engine into the Business Central sandbox: mixed card
expenses, a reimbursable, a transfer and an adjustment land once (read back from the
sandbox), with a receipt attached to the posted record."""

from __future__ import annotations

import uuid

import pytest
from fastapi.testclient import TestClient

from expense_sync.api.runtime import Runtime
from expense_sync.config import Settings
from expense_sync.connectors.business_central.posting import document_number
from sandboxes.business_central import RunningSandbox
from tests.conftest import Tenant
from tests.connectors.bc_sandbox import Linked, bc_settings, books_of, link
from tests.connectors.bc_sandbox import sandbox as sandbox  # the fixture
from tests.connectors.cloud import BASE, SyncedBooks


@pytest.fixture
def settings(settings: Settings, sandbox: RunningSandbox) -> Settings:
    return bc_settings(settings, sandbox)


class BcBooks(SyncedBooks):
    def __init__(self, runtime: Runtime, api: TestClient, tenant: Tenant) -> None:
        self.linked: Linked = link(api, tenant, "Synced Co")
        super().__init__(api, tenant, self.linked.company_id)
        self.pull_all()
        bc = books_of(runtime, self.linked.connection_id)
        self.account = {a["nominalCode"]: a["id"] for a in bc.read("chartOfAccounts")}
        self.bank = {b["nominalCode"]: b["id"] for b in bc.read("bankAccounts")}
        self.supplier = {s["supplierName"]: s["id"] for s in bc.read("suppliers")}
        self.configure(self.bank["CARD"])


def test_every_kind_syncs_into_business_central_once(
    runtime: Runtime, api: TestClient, tenant: Tenant, sandbox: RunningSandbox
) -> None:
    books = BcBooks(runtime, api, tenant)
    spend = [
        {
            "id": str(uuid.uuid4()),
            "type": kind,
            "issueDate": "2026-11-02T00:00:00Z",
            "currency": "USD",
            "merchantName": "Rail Co",
            "lines": [{"netAmount": 40, "taxAmount": 0,
                       "accountRef": {"id": books.account["60100"]}}],
        }
        for kind in ("Payment", "Payment", "Refund", "Reward")
    ]  # fmt: skip
    status = books.finished(books.send("POST", "/expense-transactions", spend))
    assert status["syncStatusCode"] == 2000, status
    claim = {
        "id": str(uuid.uuid4()),
        "contactRef": {"id": books.supplier["Jane Employee"]},
        "issueDate": "2026-11-03",
        "dueDate": "2026-11-30",
        "currency": "USD",
        "lines": [{"description": "Hotel", "netAmount": 250,
                   "accountRef": {"id": books.account["60100"]}}],
    }  # fmt: skip
    done = books.finished(books.send("POST", "/reimbursable-expense-transactions", [claim]))
    assert done["syncStatusCode"] == 2000, done
    transfer_id = str(uuid.uuid4())
    moved = books.send(
        "PUT",
        f"/transfer-transactions/{transfer_id}",
        {
            "date": "2026-11-04",
            "description": "Card top-up",
            "from": {"accountRef": {"id": books.bank["CHECKING"]}, "amount": 500},
            "to": {"accountRef": {"id": books.bank["CARD"]}, "amount": 500},
        },
    )
    assert books.finished(moved)["syncStatusCode"] == 2000
    held = sandbox.state(books.linked.bc_company)
    lines = held["journalLines"]
    for item in spend:
        (line,) = [x for x in lines if x["documentNumber"] == document_number(item["id"])]
        sign = 1 if item["type"] == "Payment" else -1
        assert line["amount"] == 40 * sign and line["balancingAccountNumber"] == "CARD"
    (invoice,) = held["purchaseInvoices"]
    assert invoice["vendorInvoiceNumber"] == document_number(claim["id"])
    assert invoice["status"] == "Open" and invoice["totalAmountExcludingTax"] == 250
    (move,) = [x for x in lines if x["documentNumber"] == document_number(transfer_id)]
    assert move["accountNumber"] == "CARD" and move["balancingAccountNumber"] == "CHECKING"
    # The same expenses again are refused at intake: nothing new in BC.
    again = api.post(f"{books.company}{BASE}/expense-transactions", json=spend,
                     headers=books.headers)  # fmt: skip
    assert again.status_code == 400 and "already submitted" in again.text
    assert len(sandbox.state(books.linked.bc_company)["journalLines"]) == len(lines)
