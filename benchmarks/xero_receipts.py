"""Xero receipts: expenses with a receipt each, into the Xero sandbox at Xero's real
limits (60 calls a minute, 5 at once, per organisation), through the product's own path.

Reports the calls Xero saw and the wall time against the floor the limit implies
(calls / 60 a minute), and the 429s the sandbox answered (issue 15).

    .venv/bin/python -m benchmarks.xero_receipts [--expenses 100]

The company is linked through the link page (real HTTP to a sandbox in this process);
the expenses are submitted through the API in requests of 50, and once each sync has
finished every expense's receipt is uploaded through the API, as a client does. The
embedded worker posts and attaches (``serve``'s default), and the clock runs from the
first submission until the last receipt is ``Attached`` in our database.
"""

from __future__ import annotations

import argparse
import base64
import tempfile
import time
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from tests.conftest import make_tenant
from tests.connectors.test_xero import PNG
from tests.connectors.xero_sandbox import books_of, link, xero_settings

from expense_sync.api.app import create_app
from expense_sync.api.runtime import Runtime
from expense_sync.config import Settings
from expense_sync.storage.migrate import upgrade
from expense_sync.storage.models import Attachment
from expense_sync.storage.uow import UnitOfWork
from sandboxes.xero import Limits, RunningSandbox, SandboxConfig, run

BASE = "/sync/expenses"
PER_MINUTE = 60


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--expenses", type=int, default=100)
    count = parser.parse_args().expenses
    with (
        tempfile.TemporaryDirectory() as folder,
        run(SandboxConfig(auto_approve=True, limits=Limits.real())) as sandbox,
    ):
        settings = xero_settings(
            Settings(
                data_dir=Path(folder),
                database_url=f"sqlite:///{Path(folder) / 'bench.db'}",
                secret_key=base64.urlsafe_b64encode(b"0" * 32).decode(),
            ),
            sandbox,
        )
        runtime = Runtime.from_settings(settings)
        upgrade(runtime.engine)
        api = TestClient(create_app(runtime=runtime))  # no lifespan: started below
        tenant = make_tenant(runtime, "bench")
        linked = link(api, tenant, "Receipts Co")
        chart = books_of(runtime, linked.connection_id).read("chartOfAccounts")
        accounts = {str(a["nominalCode"]): str(a["id"]) for a in chart}
        runtime.start()
        try:
            _run(api, runtime, sandbox, linked.company, tenant.headers, accounts, count)
        finally:
            runtime.stop()


def _calls(sandbox: RunningSandbox) -> tuple[int, int]:
    counted = httpx.get(f"{sandbox.base_url}/__sandbox__/calls").json()
    return sum(counted["calls"].values()), sum(counted["refused"].values())


def _expense(number: int, accounts: dict[str, str]) -> dict[str, Any]:
    net = Decimal(10 + number % 90)
    return {
        "id": str(uuid.uuid4()),
        "type": "Payment",
        "issueDate": "2026-11-02",
        "currency": "GBP",
        "merchantName": f"Merchant {number}",
        "bankAccountRef": {"id": accounts["092"]},
        "lines": [{"netAmount": str(net), "taxAmount": str(net / 5),
                   "taxRateRef": {"id": "INPUT2"}, "accountRef": {"id": accounts["429"]}}],
    }  # fmt: skip


def _wait(what: str, done: Any, timeout: float = 1800) -> None:
    deadline = time.monotonic() + timeout
    while not done():
        if time.monotonic() > deadline:
            raise SystemExit(f"gave up waiting for {what}")
        time.sleep(0.2)


def _run(
    api: TestClient,
    runtime: Runtime,
    sandbox: RunningSandbox,
    company: str,
    headers: dict[str, str],
    accounts: dict[str, str],
    count: int,
) -> None:
    sent = [_expense(n, accounts) for n in range(count)]
    before, _ = _calls(sandbox)
    started = time.monotonic()
    syncs: dict[str, str] = {}  # transaction id -> its sync
    for start in range(0, count, 50):
        batch = sent[start : start + 50]
        answer = api.post(f"{company}{BASE}/expense-transactions", json=batch, headers=headers)
        assert answer.status_code == 200, answer.text
        syncs |= {e["id"]: answer.json()["syncId"] for e in batch}

    def synced() -> bool:
        for sync_id in set(syncs.values()):
            status = api.get(f"{company}{BASE}/syncs/{sync_id}/status", headers=headers).json()
            if status["syncStatusCode"] in (1000, 1010):
                return False
            assert status["syncStatusCode"] == 2000, status
        return True

    _wait("the syncs", synced)
    posted_at = time.monotonic()
    for transaction_id, sync_id in syncs.items():
        path = f"{company}{BASE}/syncs/{sync_id}/transactions/{transaction_id}/attachments"
        files = {"file": (f"receipt-{transaction_id[:8]}.png", PNG, "image/png")}
        uploaded = api.post(path, files=files, headers=headers)
        assert uploaded.status_code == 200, uploaded.text

    def attached() -> bool:
        with UnitOfWork(runtime.session_factory) as uow:
            rows = uow.session.execute(
                select(Attachment.status, func.count()).group_by(Attachment.status)
            )
            counted = dict(rows.all())
        if counted.get("Failed"):
            raise SystemExit(f"receipts failed: {counted}")
        return counted.get("Attached", 0) == count

    _wait("the receipts", attached)
    elapsed = time.monotonic() - started
    after, refused = _calls(sandbox)
    calls = after - before
    floor = calls / PER_MINUTE * 60
    print(f"expenses synced: {count} in {posted_at - started:.1f} s; receipts attached: {count}")
    print(f"calls to Xero: {calls} ({calls / count:.2f} per expense with its receipt)")
    print(f"429s answered by the sandbox: {refused}")
    print(f"wall time: {elapsed:.1f} s; floor at {PER_MINUTE} calls a minute: {floor:.1f} s "
          f"(wall / floor: {elapsed / max(floor, 0.001):.2f})")  # fmt: skip


if __name__ == "__main__":
    main()
