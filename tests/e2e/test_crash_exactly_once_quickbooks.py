"""Exactly once into QuickBooks, under fire: ``expense-sync serve`` is SIGKILLed at
random points while it syncs 300 card expenses to the QuickBooks sandbox's US company
(10 ``/batch`` calls of 30), restarted on the same data each time; the sandbox ends up
holding each expense exactly once, and the card's total matches what was sent."""

from __future__ import annotations

import base64
import random
import signal
import time
import uuid
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from sandboxes.quickbooks import RunningSandbox, SandboxConfig, run
from tests.e2e.server import running_server
from tests.e2e.test_codat_sdk_quickbooks import link_in_a_browser

TRANSACTIONS = 300
BATCH = 50
KILLS = 4


@pytest.fixture
def sandbox() -> Iterator[RunningSandbox]:
    with run(SandboxConfig(auto_approve=True)) as running:
        yield running
        assert running.violations() == [], "requests or answers broke Intuit's XSDs"


def _env(sandbox: RunningSandbox) -> dict[str, str]:
    return {
        "EXPENSE_SYNC_QUICKBOOKS_CLIENT_ID": sandbox.config.client_id,
        "EXPENSE_SYNC_QUICKBOOKS_CLIENT_SECRET": sandbox.config.client_secret,
        "EXPENSE_SYNC_QUICKBOOKS_AUTHORIZE_URL": sandbox.authorize_url,
        "EXPENSE_SYNC_QUICKBOOKS_TOKEN_URL": sandbox.token_url,
        "EXPENSE_SYNC_QUICKBOOKS_API_URL": sandbox.api_url,
    }


def _expense(number: int, travel: str, card: str) -> dict[str, Any]:
    cents = 1000 + number  # every amount differs, so the total catches a swap or a double
    return {
        "id": str(uuid.uuid4()),
        "type": "Refund" if number % 10 == 0 else "Payment",
        "issueDate": "2026-11-02",
        "currency": "USD",
        "merchantName": f"Merchant {number}",
        "bankAccountRef": {"id": card},
        "lines": [{"netAmount": f"{Decimal(cents) / 100}", "accountRef": {"id": travel}}],
    }


def _wait(http: httpx.Client, base: str, *, all_done: bool) -> list[dict[str, Any]]:
    deadline = time.monotonic() + 180
    while True:
        statuses: list[dict[str, Any]] = http.get(f"{base}/sync/expenses/syncs/list/status").json()
        done = [s["syncStatusCode"] not in (1000, 1010) for s in statuses]
        if (all(done) if all_done else any(done)) and statuses:
            return statuses
        assert time.monotonic() < deadline, statuses
        time.sleep(0.05)


def test_sigkill_while_syncing_to_quickbooks_posts_each_exactly_once(
    tmp_path: Path, sandbox: RunningSandbox
) -> None:
    seed = random.randrange(1_000_000)
    chance = random.Random(seed)
    data_dir = tmp_path / "data"
    with running_server(data_dir, _env(sandbox)) as server:
        auth = {"Authorization": "Basic " + base64.b64encode(server.first_key.encode()).decode()}
        with httpx.Client(base_url=server.url, headers=auth, timeout=30) as http:
            company = http.post("/companies", json={"name": "Crash QBO"}).json()["id"]
            base = f"/companies/{company}"
            connection = http.post(f"{base}/connections", json={"platformKey": "qhyg"}).json()
            link_in_a_browser(str(connection["linkUrl"]))
            linked = http.get(f"{base}/connections/{connection['id']}").json()
            realm = str(linked["connectionInfo"]["realmId"])
            accounts = {a["Name"]: str(a["Id"]) for a in sandbox.state(realm)["Account"]}
            sent = [
                _expense(n, accounts["Travel"], accounts["Company Credit Card"])
                for n in range(TRANSACTIONS)
            ]
            for start in range(0, TRANSACTIONS, BATCH):  # Codat takes 50 a request
                answer = http.post(
                    f"{base}/sync/expenses/expense-transactions", json=sent[start : start + BATCH]
                )
                assert answer.status_code == 200, answer.text
            time.sleep(chance.uniform(0.2, 1.5))
        server.process.send_signal(signal.SIGKILL)  # mid-run
        server.process.wait()
    at_first_kill = len(sandbox.state(realm).get("Purchase") or [])
    assert at_first_kill < TRANSACTIONS, "the first kill came after the whole run"
    for _ in range(KILLS - 1):
        with running_server(data_dir, _env(sandbox)) as server:
            time.sleep(chance.uniform(0.05, 1.5))
            server.process.send_signal(signal.SIGKILL)
            server.process.wait()
    with (
        running_server(data_dir, _env(sandbox)) as server,
        httpx.Client(base_url=server.url, headers=auth, timeout=30) as http,
    ):
        statuses = _wait(http, base, all_done=True)
        assert [s["syncStatusCode"] for s in statuses] == [2000] * len(statuses), f"seed {seed}"

    purchases = sandbox.state(realm).get("Purchase") or []
    keys = [str(p["PrivateNote"]).split()[2] for p in purchases]
    assert len(keys) == TRANSACTIONS and set(keys) == {t["id"] for t in sent}, f"seed {seed}"
    total = sum(
        (Decimal(str(p["TotalAmt"])) * (-1 if p.get("Credit") else 1) for p in purchases),
        Decimal(0),
    )
    expected = sum(
        (Decimal(t["lines"][0]["netAmount"]) * (-1 if t["type"] == "Refund" else 1) for t in sent),
        Decimal(0),
    )
    assert total == expected, f"seed {seed}"
