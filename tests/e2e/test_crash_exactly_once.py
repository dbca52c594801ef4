"""Exactly once, under fire: ``expense-sync serve`` is SIGKILLed at random points while it
syncs 500 transactions, restarted on the same data each time, and the ledger ends up with
exactly 500 postings whose totals match what was sent, read back with Beancount's loader."""

from __future__ import annotations

import base64
import random
import signal
import time
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
from beancount import loader
from beancount.core import data

from tests.e2e.server import running_server

TRANSACTIONS = 500
BATCH = 50
KILLS = 6


def _expense(number: int) -> dict[str, Any]:
    cents = 1000 + number  # every amount differs, so the totals catch a swap or a double
    return {
        "id": str(uuid.uuid4()),
        "type": "Refund" if number % 10 == 0 else "Payment",
        "issueDate": "2026-11-02",
        "currency": "USD",
        "merchantName": f"Merchant {number}",
        "lines": [
            {"netAmount": f"{Decimal(cents) / 100}", "accountRef": {"id": "Expenses:Travel"}}
        ],
    }


def _submit(http: httpx.Client, sent: list[dict[str, Any]]) -> tuple[str, Path, list[str]]:
    """A company linked to a new ledger, and the transactions sent in batches of 50."""
    company = http.post("/companies", json={"name": "Crash Ltd"}).json()["id"]
    base = f"/companies/{company}"
    connection = http.post(f"{base}/connections", json={"platformKey": "bean"}).json()["id"]
    linked = http.put(f"{base}/connections/{connection}/authorization", json={}).json()
    card = {"bankAccountRef": {"id": "Liabilities:CreditCard:Corporate"}}
    syncs = []
    for start in range(0, TRANSACTIONS, BATCH):
        batch = [t | card for t in sent[start : start + BATCH]]
        response = http.post(f"{base}/sync/expenses/expense-transactions", json=batch)
        assert response.status_code == 200, response.text
        syncs.append(response.json()["syncId"])
    return base, Path(linked["connectionInfo"]["ledgerPath"]), syncs


def _wait_for_progress(http: httpx.Client, base: str) -> int:
    """Wait until some syncs have finished; return how many."""
    while True:
        statuses = http.get(f"{base}/sync/expenses/syncs/list/status").json()
        done = sum(s["syncStatusCode"] not in (1000, 1010) for s in statuses)
        if done:
            return done
        time.sleep(0.01)


def _wait_for_syncs(http: httpx.Client, base: str) -> list[dict[str, Any]]:
    deadline = time.monotonic() + 120
    while True:
        statuses: list[dict[str, Any]] = http.get(f"{base}/sync/expenses/syncs/list/status").json()
        if all(s["syncStatusCode"] not in (1000, 1010) for s in statuses):
            return statuses
        assert time.monotonic() < deadline, statuses
        time.sleep(0.3)


def test_sigkill_while_syncing_500_transactions_posts_each_exactly_once(tmp_path: Path) -> None:
    seed = random.randrange(1_000_000)
    chance = random.Random(seed)
    data_dir = tmp_path / "data"
    sent = [_expense(n) for n in range(TRANSACTIONS)]
    with running_server(data_dir) as server:
        auth = {"Authorization": "Basic " + base64.b64encode(server.first_key.encode()).decode()}
        with httpx.Client(base_url=server.url, headers=auth, timeout=30) as http:
            base, ledger, syncs = _submit(http, sent)
            done = _wait_for_progress(http, base)
        server.process.send_signal(signal.SIGKILL)  # mid-run: some syncs done, others not
        assert 0 < done < len(syncs)
        server.process.wait()
    for _ in range(KILLS - 1):
        with running_server(data_dir) as server:
            time.sleep(chance.uniform(0.05, 1.0))
            server.process.send_signal(signal.SIGKILL)
            server.process.wait()
    with (
        running_server(data_dir) as server,
        httpx.Client(base_url=server.url, headers=auth, timeout=30) as http,
    ):
        statuses = _wait_for_syncs(http, base)
        assert [s["syncStatusCode"] for s in statuses] == [2000] * len(syncs), f"seed {seed}"
        for sync_id in syncs:
            listed = http.get(f"{base}/sync/expenses/syncs/{sync_id}/transactions").json()
            assert {t["status"] for t in listed["results"]} == {"Completed"}, f"seed {seed}"

    entries, errors, _ = loader.load_file(str(ledger))
    assert errors == [], f"seed {seed}"
    posted = [e for e in entries if isinstance(e, data.Transaction) and "expense-sync-id" in e.meta]
    ids = [e.meta["expense-sync-id"] for e in posted]
    assert len(ids) == TRANSACTIONS and set(ids) == {t["id"] for t in sent}, f"seed {seed}"
    card_total = sum(
        (p.units.number for e in posted for p in e.postings if p.account.startswith("Liab")),
        Decimal(0),
    )
    expected = sum(
        (Decimal(t["lines"][0]["netAmount"]) * (1 if t["type"] == "Refund" else -1) for t in sent),
        Decimal(0),
    )
    assert card_total == expected, f"seed {seed}"
