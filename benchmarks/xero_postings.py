"""Xero postings: 1,000 card expenses (no receipts) into the Xero sandbox with Xero's
real limits (60 calls a minute, 5 at once, 5,000 a day per tenant).

Targets (issue 15): at most 1 call per 40 expenses, no transaction failed by a rate
limit, and the wall time the limit allows.

    .venv/bin/python -m benchmarks.xero_postings [--expenses 1000]

Links a company to a fresh sandbox organisation through the link page (in-process API,
real HTTP to the sandbox), then posts Payments through the connector's session in the
manifest's batches, as the engine does for a fresh sync (first tries: nothing can
have landed under their keys, so no key lookups; ``--retried`` posts them as a resumed
sync would, each batch looked up first), and prints the calls Xero saw, the wall time and
the 429s the sandbox answered. A ``RetriableConnectorError`` (the shared limiter asking
for a wait) is honoured by sleeping here, where the engine would reschedule the sync.
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import tempfile
import time
from decimal import Decimal
from pathlib import Path

import httpx
from fastapi.testclient import TestClient
from tests.conftest import make_tenant
from tests.connectors.xero_sandbox import books_of, link, xero_settings

from expense_sync.api.app import create_app
from expense_sync.api.runtime import Runtime
from expense_sync.config import Settings
from expense_sync.connectors.base import Posting, PostingLine, RetriableConnectorError
from expense_sync.connectors.xero import XERO_MANIFEST
from expense_sync.storage.migrate import upgrade
from sandboxes.xero import Limits, RunningSandbox, SandboxConfig, run


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--expenses", type=int, default=1000)
    parser.add_argument("--retried", action="store_true", help="post as a resumed sync")
    arguments = parser.parse_args()
    count = arguments.expenses
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
        with TestClient(create_app(runtime=runtime)) as api:
            linked = link(api, make_tenant(runtime, "bench"))
        _post(runtime, sandbox, linked.connection_id, linked.tenant_id, count, arguments.retried)
        runtime.engine.dispose()


def _calls(sandbox: RunningSandbox) -> tuple[int, int]:
    counted = httpx.get(f"{sandbox.base_url}/__sandbox__/calls").json()
    return sum(counted["calls"].values()), sum(counted["refused"].values())


def _post(
    runtime: Runtime,
    sandbox: RunningSandbox,
    connection_id: str,
    tenant_id: str,
    count: int,
    retried: bool,
) -> None:
    books = books_of(runtime, connection_id)
    accounts = {a["nominalCode"]: a["id"] for a in books.read("chartOfAccounts")}
    line = PostingLine(accounts["429"], Decimal("10.00"), Decimal("2.00"), "INPUT2")
    postings = [
        Posting(f"bench-{n}", 1, "expense", "Payment", dt.date(2026, 11, 2), None, None,
                (line,), counter_account=accounts["092"], maybe_landed=retried)
        for n in range(count)
    ]  # fmt: skip
    size = XERO_MANIFEST.batch_size
    before, _ = _calls(sandbox)
    started, waited = time.monotonic(), 0.0
    for start in range(0, count, size):
        while True:
            try:
                books.post(postings[start : start + size])
                break
            except RetriableConnectorError as error:  # the engine would reschedule
                pause = error.retry_after or 1.0
                waited += pause
                time.sleep(pause)
    elapsed = time.monotonic() - started
    after, refused = _calls(sandbox)
    landed = len(sandbox.state(tenant_id)["BankTransactions"])
    calls = after - before
    print(f"expenses posted: {landed} of {count}")
    print(f"calls to Xero for the postings: {calls} (1 per {count / max(calls, 1):.1f} expenses)")
    print(f"429s answered by the sandbox: {refused}")
    print(f"wall time: {elapsed:.1f} s (waited for the limit: {waited:.1f} s)")


if __name__ == "__main__":
    main()
