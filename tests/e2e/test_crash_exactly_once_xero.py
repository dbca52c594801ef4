"""Exactly once on Xero, under fire: ``expense-sync serve`` syncs 200 expenses into the
Xero sandbox and is SIGKILLed while a batch write is on its way (Xero stores it, nobody
hears the answer); restarted on the same data, the sync finishes and the sandbox holds
each expense exactly once. The sandbox runs in this process, so it outlives the kill."""

from __future__ import annotations

import base64
import signal
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from sandboxes.xero import RunningSandbox, SandboxConfig, run
from tests.e2e.server import refresh_books, running_server
from tests.e2e.test_codat_sdk_xero import link_in_a_browser
from tests.waiting import wait_for

EXPENSES = 200
WRITES = "/api.xro/2.0/BankTransactions"


@pytest.fixture
def sandbox() -> Iterator[RunningSandbox]:
    with run(SandboxConfig(auto_approve=True)) as running:
        yield running
        assert running.violations() == [], "requests or answers broke Xero's OpenAPI"


def xero_env(sandbox: RunningSandbox) -> dict[str, str]:
    return {
        "EXPENSE_SYNC_XERO_CLIENT_ID": sandbox.config.client_id,
        "EXPENSE_SYNC_XERO_CLIENT_SECRET": sandbox.config.client_secret,
        "EXPENSE_SYNC_XERO_AUTHORIZE_URL": sandbox.authorize_url,
        "EXPENSE_SYNC_XERO_IDENTITY_URL": sandbox.base_url,
        "EXPENSE_SYNC_XERO_API_URL": sandbox.base_url,
    }


def linked_company(http: httpx.Client) -> tuple[str, str, dict[str, str]]:
    """A company linked to a new sandbox organisation, its data read and its card set:
    (API path of the company, Xero tenant id, account id by nominal code)."""
    company = http.post("/companies", json={"name": "Crash Xero Ltd"}).json()["id"]
    base = f"/companies/{company}"
    connection = http.post(f"{base}/connections", json={"platformKey": "gbol"}).json()
    link_in_a_browser(connection["linkUrl"])
    info = http.get(f"{base}/connections/{connection['id']}").json()["connectionInfo"]
    refresh_books(http, base)
    options = http.get(f"{base}/sync/expenses/mappingOptions").json()
    accounts = {a["nominalCode"]: a["id"] for a in options["accounts"]}
    card = {"bankAccount": {"id": accounts["092"]}, "supplier": {"id": None},
            "customer": {"id": None}}  # fmt: skip
    assert http.post(f"{base}/sync/expenses/config", json=card).status_code == 200
    return base, str(info["tenantId"]), accounts


def expense(number: int, accounts: dict[str, str]) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "type": "Payment",
        "issueDate": "2026-11-02T00:00:00Z",
        "currency": "GBP",
        "merchantName": f"Merchant {number}",
        "lines": [{"netAmount": 10 + number, "accountRef": {"id": accounts["429"]}}],
    }


def references(sandbox: RunningSandbox, tenant_id: str) -> list[str]:
    return [str(t["Reference"]) for t in sandbox.state(tenant_id)["BankTransactions"]]


def test_sigkill_while_posting_to_xero_lands_each_expense_once(
    tmp_path: Path, sandbox: RunningSandbox
) -> None:
    data_dir = tmp_path / "data"
    env = xero_env(sandbox)
    with running_server(data_dir, env) as server:
        auth = {"Authorization": "Basic " + base64.b64encode(server.first_key.encode()).decode()}
        with httpx.Client(base_url=server.url, headers=auth, timeout=30) as http:
            base, tenant_id, accounts = linked_company(http)
            sent = [expense(n, accounts) for n in range(EXPENSES)]
            # The first batch write is held 3 s by "Xero": serve dies while it waits.
            slow = {"path": WRITES, "kind": "delay", "method": "PUT", "seconds": 3, "count": 2}
            assert httpx.post(f"{sandbox.base_url}/__sandbox__/faults", json=slow).status_code
            syncs = []
            for start in range(0, EXPENSES, 50):  # Codat takes 50 a request: 4 syncs
                batch = sent[start : start + 50]
                response = http.post(f"{base}/sync/expenses/expense-transactions", json=batch)
                assert response.status_code == 200, response.text
                syncs.append(response.json()["syncId"])
            wait_for(
                lambda: [f["count"] for f in
                         httpx.get(f"{sandbox.base_url}/__sandbox__/faults").json()] == [1],
                "a batch write on its way to Xero", timeout=60,
            )  # fmt: skip
        server.process.send_signal(signal.SIGKILL)
        server.process.wait()
    # Xero finishes the write nobody waits for; the sync is unfinished in our database.
    wait_for(lambda: len(references(sandbox, tenant_id)) == 50, "the orphaned write", timeout=30)
    with (
        running_server(data_dir, env) as server,
        httpx.Client(base_url=server.url, headers=auth, timeout=30) as http,
    ):
        for sync_id in syncs:
            path = f"{base}/sync/expenses/syncs/{sync_id}/status"
            status = wait_for(
                lambda path=path: (
                    (s := http.get(path).json())["syncStatusCode"] not in (1000, 1010) and s
                ),
                f"sync {sync_id} after the restart",
                timeout=120,
            )
            assert status["syncStatusCode"] == 2000, status
            listed = http.get(
                f"{base}/sync/expenses/syncs/{sync_id}/transactions", params={"pageSize": 100}
            ).json()
            assert {t["status"] for t in listed["results"]} == {"Completed"}
            assert len(listed["results"]) == 50
    held = references(sandbox, tenant_id)
    assert len(held) == EXPENSES and set(held) == {e["id"] for e in sent}
    amounts = {t["Reference"]: t["Total"] for t in sandbox.state(tenant_id)["BankTransactions"]}
    assert all(float(amounts[e["id"]]) == e["lines"][0]["netAmount"] for e in sent)
