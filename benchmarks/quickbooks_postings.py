"""QuickBooks Online postings: 1,000 card expenses (no receipts) into the QuickBooks
sandbox with QuickBooks' real limits (500 requests a minute and 10 at once per realm,
40 ``/batch`` calls a minute, 30 items a batch).

Targets (issue 17): calls per expense with batches of 30, the achieved rate against the
limit, no transaction failed by throttling, and the wall time.

    .venv/bin/python -m benchmarks.quickbooks_postings [--expenses 1000]

Links a fresh US company through the link page (in-process API, real HTTP to the
sandbox), then posts Payments through the connector's session in the manifest's batches,
as the engine does, and prints the calls QuickBooks saw (batch calls and look-ups), the
batch rate against its 40 a minute, the wall time and the 429s the sandbox answered. A
``RetriableConnectorError`` (the shared limiter asking for a wait) is honoured by
sleeping here, where the engine would reschedule the sync.
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import tempfile
import time
from decimal import Decimal
from pathlib import Path

from fastapi.testclient import TestClient
from tests.conftest import make_tenant
from tests.connectors.quickbooks_sandbox import link, quickbooks_settings
from tests.connectors.xero_sandbox import books_of

from expense_sync.api.app import create_app
from expense_sync.api.runtime import Runtime
from expense_sync.config import Settings
from expense_sync.connectors.base import Posting, PostingLine, RetriableConnectorError
from expense_sync.connectors.quickbooks import QUICKBOOKS_MANIFEST
from expense_sync.storage.migrate import upgrade
from sandboxes.quickbooks import Limits, RunningSandbox, SandboxConfig, run

BATCH_PER_MINUTE = 40


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--expenses", type=int, default=1000)
    count = parser.parse_args().expenses
    with (
        tempfile.TemporaryDirectory() as folder,
        run(SandboxConfig(auto_approve=True, limits=Limits.real())) as sandbox,
    ):
        settings = quickbooks_settings(
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
            linked = link(api, make_tenant(runtime, "bench"), "new-us")
        _post(runtime, sandbox, linked.connection_id, linked.realm_id, count)
        violations = sandbox.violations()
        print(f"XSD violations seen by the sandbox: {len(violations)}")
        runtime.engine.dispose()


def _calls(sandbox: RunningSandbox) -> tuple[int, int]:
    counted = sandbox.control("GET", "calls").json()
    return sum(counted["calls"].values()), sum(counted["refused"].values())


def _post(
    runtime: Runtime, sandbox: RunningSandbox, connection_id: str, realm_id: str, count: int
) -> None:
    books = books_of(runtime, connection_id)
    accounts = {a["name"]: a["id"] for a in books.read("chartOfAccounts")}
    line = PostingLine(accounts["Travel"], Decimal("10.00"), Decimal("0.80"))
    postings = [
        Posting(f"bench-{n}", 1, "expense", "Payment", dt.date(2026, 11, 2), None, None,
                (line,), counter_account=accounts["Company Credit Card"])
        for n in range(count)
    ]  # fmt: skip
    size = QUICKBOOKS_MANIFEST.batch_size
    before, _ = _calls(sandbox)
    started, waited, batches = time.monotonic(), 0.0, 0
    for start in range(0, count, size):
        while True:
            try:
                books.post(postings[start : start + size])
                batches += 1
                break
            except RetriableConnectorError as error:  # the engine would reschedule
                pause = error.retry_after or 1.0
                waited += pause
                time.sleep(pause)
    elapsed = time.monotonic() - started
    after, refused = _calls(sandbox)
    landed = len(sandbox.state(realm_id).get("Purchase") or [])
    calls = after - before
    # Under a sliding minute of 40, N batch calls need at least this long: 40 at once,
    # then 40 more each minute. The achieved rate is that time over the wall time.
    fastest = ((batches - 1) // BATCH_PER_MINUTE) * 60.0
    print(f"expenses posted: {landed} of {count}")
    print(
        f"calls to QuickBooks for the postings: {calls} ({calls / count:.3f} per expense; "
        f"{batches} /batch calls of up to {size}, the rest look-ups by DocNumber)"
    )
    if fastest:
        print(
            f"rate: {batches} batch calls in {elapsed:.1f} s, where {BATCH_PER_MINUTE} a minute "
            f"allows {fastest:.0f} s at best: {100 * fastest / elapsed:.0f}% of the limit"
        )
    else:
        print(f"rate: {batches} batch calls fit in one minute's {BATCH_PER_MINUTE}: no wait due")
    print(f"429s answered by the sandbox: {refused}")
    print(f"wall time: {elapsed:.1f} s (waited for the limit: {waited:.1f} s)")


if __name__ == "__main__":
    main()
