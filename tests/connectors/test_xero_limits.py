"""Two workers share one Xero tenant's limit: two engines (each its own connection pool,
sessions and limiter, as two worker processes have) on one PostgreSQL database post
into one organisation at Xero's real limits (60 calls a minute, 5 at once) more calls
than a minute allows. The budget kept in the database holds the extra calls back
(``RetriableConnectorError`` with ``retry_after``, a wait), so Xero never answers 429,
and every posting lands exactly once."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from decimal import Decimal

import httpx
import pytest

from expense_sync.api.runtime import Runtime
from expense_sync.config import Settings
from expense_sync.connectors.base import PostingLine, RetriableConnectorError
from sandboxes.xero import RunningSandbox
from tests.connectors.test_xero import ids, posting
from tests.connectors.test_xero import linked as linked  # the fixtures
from tests.connectors.test_xero import settings as settings
from tests.connectors.xero_sandbox import Linked, books_of
from tests.connectors.xero_sandbox import sandbox as sandbox

POSTINGS = 64  # with each session's reads, more calls than a minute allows
XERO = {"per_minute": 60, "per_day": 5000, "concurrent": 5}


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_two_workers_share_one_tenants_limit_and_xero_never_answers_429(
    settings: Settings, runtime: Runtime, linked: Linked, sandbox: RunningSandbox
) -> None:
    assert httpx.put(f"{sandbox.base_url}/__sandbox__/limits", json=XERO).status_code == 200
    other = Runtime.from_settings(settings)  # the second worker process
    account = ids(books_of(runtime, linked.connection_id), "chartOfAccounts", "nominalCode")
    line = PostingLine(account["429"], Decimal(5))
    keys = [f"shared-{n}" for n in range(POSTINGS)]
    waits: list[float] = []

    def worker(engine: Runtime, mine: list[str]) -> None:
        books = books_of(engine, linked.connection_id)
        for key in mine:
            one = posting(key, "expense", "Payment", [line], counter_account=account["092"],
                          maybe_landed=False)  # fmt: skip
            while True:
                try:
                    books.post([one])
                    break
                except RetriableConnectorError as wait:  # the engine would reschedule
                    assert wait.retry_after is not None, wait.message
                    waits.append(wait.retry_after)
                    time.sleep(wait.retry_after)
                    one = replace(one, maybe_landed=True)  # as a resumed sync

    try:
        with ThreadPoolExecutor(4) as pool:
            engines = [runtime, other, runtime, other]
            running = [pool.submit(worker, e, keys[n::4]) for n, e in enumerate(engines)]
            for done in running:
                done.result()
    finally:
        other.engine.dispose()
    counted = httpx.get(f"{sandbox.base_url}/__sandbox__/calls").json()
    assert sum(counted["refused"].values()) == 0, counted  # not a single 429
    assert waits, "the shared budget never held a call back"
    held = [t["Reference"] for t in sandbox.state(linked.tenant_id)["BankTransactions"]]
    assert sorted(held) == sorted(keys)
