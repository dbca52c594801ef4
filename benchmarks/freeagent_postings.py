"""FreeAgent postings: 1,000 card expenses (no receipts) into the FreeAgent sandbox with
FreeAgent's real limits (120 calls a minute and 3,600 an hour per user).

Targets (issue 18): calls per expense (FreeAgent has no batch writes: one per
explanation, plus one look-up per batch), a rate of at least 90% of the limit, no
transaction failed by a rate limit, and the wall time the limit allows.

    .venv/bin/python -m benchmarks.freeagent_postings [--expenses 1000]

Links a company to a fresh sandbox company through the link page (in-process API, real
HTTP to the sandbox), then posts Payments through the connector's session in the
manifest's batches, as the engine does, and prints the calls FreeAgent saw, the rate
against the limit, the wall time and the 429s the sandbox answered. A
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

import httpx
from fastapi.testclient import TestClient
from tests.conftest import make_tenant
from tests.connectors.freeagent_sandbox import freeagent_settings, link
from tests.connectors.xero_sandbox import books_of

from expense_sync.api.app import create_app
from expense_sync.api.runtime import Runtime
from expense_sync.config import Settings
from expense_sync.connectors.base import Posting, PostingLine, RetriableConnectorError
from expense_sync.connectors.freeagent import FREEAGENT_MANIFEST
from expense_sync.connectors.freeagent.connector import LIMITS
from expense_sync.storage.migrate import upgrade
from sandboxes.freeagent import Limits, RunningSandbox, SandboxConfig, run


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--expenses", type=int, default=1000)
    count = parser.parse_args().expenses
    with (
        tempfile.TemporaryDirectory() as folder,
        run(SandboxConfig(auto_approve=True, limits=Limits.real())) as sandbox,
    ):
        settings = freeagent_settings(
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
            linked = link(api, make_tenant(runtime, "bench"), sandbox)
        _post(runtime, sandbox, linked.connection_id, linked.sandbox_company, count)
        runtime.engine.dispose()


def _calls(sandbox: RunningSandbox) -> tuple[int, int]:
    counted = httpx.get(f"{sandbox.base_url}/__sandbox__/calls").json()
    return sum(counted["calls"].values()), sum(counted["refused"].values())


def _post(
    runtime: Runtime, sandbox: RunningSandbox, connection_id: str, company: str, count: int
) -> None:
    books = books_of(runtime, connection_id)
    card = {b["accountName"]: b["id"] for b in books.read("bankAccounts")}["Company Credit Card"]
    line = PostingLine("365", Decimal("10.00"), Decimal("2.00"))
    postings = [
        Posting(
            f"bench-{n}",
            1,
            "expense",
            "Payment",
            dt.date(2026, 11, 2),
            None,
            None,
            (line,),
            counter_account=card,
        )
        for n in range(count)
    ]
    size = FREEAGENT_MANIFEST.batch_size
    before, _ = _calls(sandbox)
    started, waited, limited = time.monotonic(), 0.0, 0
    for start in range(0, count, size):
        while True:
            try:
                books.post(postings[start : start + size])
                break
            except RetriableConnectorError as error:  # the engine would reschedule
                limited += 1
                pause = error.retry_after or 1.0
                waited += pause
                time.sleep(pause)
    elapsed = time.monotonic() - started
    after, refused = _calls(sandbox)
    explained = sandbox.state(company)["bank_transaction_explanations"]
    landed = len({e["description"] for e in explained})
    calls = after - before
    per_minute = calls / (elapsed / 60) if elapsed else 0.0
    print(f"expenses posted: {landed} of {count} (explanations held: {len(explained)})")
    print(f"calls to FreeAgent for the postings: {calls} ({calls / count:.2f} per expense)")
    print(
        f"rate: {per_minute:.0f} calls/min averaged over the run; any sliding minute holds at "
        f"most {LIMITS.per_minute} ({LIMITS.per_minute / 1.2:.1f}% of FreeAgent's 120)"
    )
    print(f"429s answered by the sandbox: {refused}; waits asked by our limiter: {limited}")
    print(f"wall time: {elapsed:.1f} s (waited for the limit: {waited:.1f} s)")


if __name__ == "__main__":
    main()
