"""Business Central postings: 1,000 card expenses (no receipts) into the BC sandbox,
run in its own process with Microsoft's real limits (6,000 requests per 5 minutes per
user; 5 processed at once per environment, 95 more queued).

    .venv/bin/python -m benchmarks.business_central_postings [--expenses 1000]

Links a company through the link page (in-process API, real HTTP to the sandbox), then
posts Payments, each with a DEPARTMENT dimension, through the connector's session in
the manifest's batches, as the engine does; prints the calls BC saw (per expense), the
rate against BC's limit, the 429s and the wall time. A second pass posts the same
expenses again, as a retry after a crash would: it must write nothing.
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
from tests.connectors.bc_sandbox import bc_settings, books_of, link

from expense_sync.api.app import create_app
from expense_sync.api.runtime import Runtime
from expense_sync.config import Settings
from expense_sync.connectors.base import Posting, PostingLine, RetriableConnectorError
from expense_sync.connectors.business_central import BUSINESS_CENTRAL_MANIFEST
from expense_sync.storage.migrate import upgrade
from sandboxes.business_central import Limits, RunningSandbox, SandboxConfig, run_process

WINDOW_S = 300
LIMIT = 6000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--expenses", type=int, default=1000)
    count = parser.parse_args().expenses
    with (
        tempfile.TemporaryDirectory() as folder,
        run_process(SandboxConfig(auto_approve=True, limits=Limits.real())) as sandbox,
    ):
        settings = bc_settings(
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
        _post(runtime, sandbox, linked.connection_id, linked.bc_company, count)
        runtime.engine.dispose()


def _calls(sandbox: RunningSandbox) -> tuple[int, int]:
    counted = httpx.get(f"{sandbox.base_url}/__sandbox__/calls").json()
    return int(counted["admitted"]), int(counted["refused"])


def _post(
    runtime: Runtime, sandbox: RunningSandbox, connection_id: str, company: str, count: int
) -> None:
    books = books_of(runtime, connection_id)
    accounts = {a["nominalCode"]: a["id"] for a in books.read("chartOfAccounts")}
    sales = next(t["id"] for t in books.read("trackingCategories") if t["name"] == "Sales")
    line = PostingLine(accounts["60100"], Decimal("10.00"),
                       tracking=(("trackingCategories", sales),))  # fmt: skip
    postings = [
        Posting(f"bench-{n}", 1, "expense", "Payment", dt.date(2026, 11, 2), None, None,
                (line,), counter_account=accounts["CARD"])
        for n in range(count)
    ]  # fmt: skip
    size = BUSINESS_CENTRAL_MANIFEST.batch_size
    for attempt in ("first pass", "again (a retry)"):
        session = books_of(runtime, connection_id)  # a new session: nothing remembered
        before, _ = _calls(sandbox)
        started, waited = time.monotonic(), 0.0
        for start in range(0, count, size):
            while True:
                try:
                    session.post(postings[start : start + size])
                    break
                except RetriableConnectorError as error:  # the engine would reschedule
                    pause = error.retry_after or 1.0
                    waited += pause
                    time.sleep(pause)
        elapsed = time.monotonic() - started
        after, refused = _calls(sandbox)
        state = sandbox.state(company)
        calls = after - before
        rate = calls / max(elapsed, 1e-6) * WINDOW_S
        print(f"-- {attempt}")
        print(f"journal lines in BC: {len(state.get('journalLines', []))} for {count} expenses")
        print(f"dimension set lines in BC: {len(state.get('dimensionSetLines', []))}")
        print(f"calls to BC: {calls} ({calls / count:.3f} per expense)")
        print(f"rate: {rate:.0f} per 5 min, {rate / LIMIT:.1%} of BC's {LIMIT}")
        print(f"429s answered by the sandbox: {refused}")
        print(f"wall time: {elapsed:.1f} s (waited for the limit: {waited:.1f} s)")


if __name__ == "__main__":
    main()
