"""Exactly once into Business Central, under fire: ``expense-sync serve`` is SIGKILLed at
random points while it syncs 300 card expenses into the BC sandbox (which outlives
every restart, as BC would), restarted on the same data each time; BC ends up with one
journal line per expense, whose amounts match what was sent."""

from __future__ import annotations

import base64
import random
import signal
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import httpx

from expense_sync.connectors.business_central.posting import document_number
from sandboxes.business_central import SandboxConfig, run
from tests.e2e.server import refresh_books, running_server
from tests.e2e.test_codat_sdk_business_central import link_in_a_browser

TRANSACTIONS = 300
BATCH = 50
KILLS = 4


def _expense(number: int, account: str) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "type": "Refund" if number % 10 == 0 else "Payment",
        "issueDate": "2026-11-02",
        "currency": "USD",
        "merchantName": f"Merchant {number}",
        "lines": [{"netAmount": round(10 + number / 100, 2), "accountRef": {"id": account}}],
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


def test_sigkill_while_syncing_into_business_central_posts_each_once(tmp_path: Path) -> None:
    seed = random.randrange(1_000_000)
    chance = random.Random(seed)
    data_dir = tmp_path / "data"
    with run(SandboxConfig(auto_approve=True)) as bc:
        env = {
            "EXPENSE_SYNC_BUSINESS_CENTRAL_CLIENT_ID": bc.config.client_id,
            "EXPENSE_SYNC_BUSINESS_CENTRAL_CLIENT_SECRET": bc.config.client_secret,
            "EXPENSE_SYNC_BUSINESS_CENTRAL_LOGIN_URL": f"{bc.base_url}/{bc.config.tenant}",
            "EXPENSE_SYNC_BUSINESS_CENTRAL_API_URL": bc.base_url,
        }
        state = bc.state(bc.company_id())
        account = next(a["id"] for a in state["accounts"] if a["number"] == "60100")
        card = next(b["id"] for b in state["bankAccounts"] if b["number"] == "CARD")
        sent = [_expense(n, account) for n in range(TRANSACTIONS)]
        with running_server(data_dir, env) as server:
            key = base64.b64encode(server.first_key.encode()).decode()
            auth = {"Authorization": f"Basic {key}"}
            with httpx.Client(base_url=server.url, headers=auth, timeout=30) as http:
                company = http.post("/companies", json={"name": "Crash BC"}).json()["id"]
                base = f"/companies/{company}"
                connection = http.post(f"{base}/connections", json={"platformKey": "trji"}).json()
                link_in_a_browser(str(connection["linkUrl"]))
                refresh_books(http, base)  # the configuration is checked against it
                config = {"bankAccount": {"id": card}, "supplier": {}, "customer": {}}
                assert http.post(f"{base}/sync/expenses/config", json=config).status_code == 200
                syncs = []
                for start in range(0, TRANSACTIONS, BATCH):
                    answer = http.post(
                        f"{base}/sync/expenses/expense-transactions",
                        json=sent[start : start + BATCH],
                    )
                    assert answer.status_code == 200, answer.text
                    syncs.append(answer.json()["syncId"])
                _wait(http, base, all_done=False)
            server.process.send_signal(signal.SIGKILL)
            server.process.wait()
        for _ in range(KILLS - 1):
            with running_server(data_dir, env) as server:
                time.sleep(chance.uniform(0.05, 1.0))
                server.process.send_signal(signal.SIGKILL)
                server.process.wait()
        with (
            running_server(data_dir, env) as server,
            httpx.Client(base_url=server.url, headers=auth, timeout=30) as http,
        ):
            statuses = _wait(http, base, all_done=True)
            assert [s["syncStatusCode"] for s in statuses] == [2000] * len(syncs), f"seed {seed}"
        lines = bc.state(bc.company_id())["journalLines"]
        assert bc.violations() == []
    counted = Counter(line["documentNumber"] for line in lines)
    wanted = {document_number(t["id"]): t for t in sent}
    assert set(counted) == set(wanted) and set(counted.values()) == {1}, f"seed {seed}"
    for line in lines:
        sent_one = wanted[line["documentNumber"]]
        sign = -1 if sent_one["type"] == "Refund" else 1
        assert line["amount"] == sign * sent_one["lines"][0]["netAmount"], f"seed {seed}"
