"""Through a proxy that rate-limits, fails and drops connections after the server has
done the work, every SDK call eventually succeeds and no write lands twice."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter

from expense_sync.client import BackoffStrategy, ExpenseSync, RetryConfig
from tests.e2e.server import RunningServer
from tests.sdk.conftest import expense, ledger_postings, linked_books, pushed
from tests.sdk.fault_proxy import fault_proxy

# Each write meets a dropped connection or a refusal before it gets through; 429s ask for
# a one-second wait, which the SDK must honour.
FAULTS = ("drop", "429", "pass", "503", "drop", "pass", "pass")
PATIENT = RetryConfig("backoff", BackoffStrategy(20, 500, 2.0, 60_000), True)
EXPENSES = 5


def test_every_call_succeeds_and_no_write_lands_twice(
    server: RunningServer, sdk: ExpenseSync
) -> None:
    with (
        fault_proxy(server.url, FAULTS) as (url, proxy),
        ExpenseSync(api_key=server.first_key, server_url=url, retry_config=PATIENT) as faulty,
    ):
        books = linked_books(faulty, "Faulty")
        payments = [expense() for _ in range(EXPENSES)]
        for payment in payments:
            created = faulty.expenses.create(company_id=books.company_id, request=[payment])
            outcome = faulty.wait_for_sync(books.company_id, created.sync_id, timeout=60)
            assert [t.status for t in outcome.transactions] == ["Completed"], outcome
        supplier = faulty.suppliers.create(
            company_id=books.company_id,
            connection_id=books.connection_id,
            request={"supplierName": f"Once {uuid.uuid4().hex[:6]}"},
        )
        assert pushed(faulty, books.company_id, supplier).status == "Success"
        hook = f"https://example.test/{uuid.uuid4().hex}"
        consumer = faulty.webhooks.create(
            request={"url": hook, "event_types": ["expenses.sync.successful"]}
        )
        assert [c.url for c in sdk.webhooks.list()].count(hook) == 1
        faulty.webhooks.delete(webhook_id=consumer.id)

    # The faults really happened, on writes, after the server had done them.
    faults = Counter(seen.fault for seen in proxy.seen)
    assert faults["429"] and faults["503"] and faults["drop"]
    dropped_writes = [s for s in proxy.seen if s.fault == "drop" and s.method != "GET"]
    assert dropped_writes and all(s.status and s.status < 300 for s in dropped_writes)
    assert any(seen.replayed for seen in proxy.seen), "no retried write was answered by replay"

    # ... and still every write landed exactly once (read directly, not through the proxy).
    companies = [c for c in sdk.companies.list(query="name~Faulty") if c.id == books.company_id]
    assert len(companies) == 1
    assert len([c for c in sdk.companies.list() if c.name.startswith("Faulty ")]) == 1
    assert len(list(sdk.connections.list(company_id=books.company_id))) == 1
    assert len(sdk.sync.list(company_id=books.company_id)) == EXPENSES
    for payment in payments:
        assert ledger_postings(server.data_dir, payment["id"]) == 1
    supplier_pushes = [
        op for op in sdk.push_operations.list(company_id=books.company_id)
        if op.data_type == "suppliers"
    ]  # fmt: skip
    assert len(supplier_pushes) == 1
    assert hook not in [c.url for c in sdk.webhooks.list()]


def test_async_calls_ride_out_the_same_faults(server: RunningServer, sdk: ExpenseSync) -> None:
    name = f"Async faulty {uuid.uuid4().hex[:6]}"

    async def run(url: str) -> str:
        async with ExpenseSync(
            api_key=server.first_key, server_url=url, retry_config=PATIENT
        ) as faulty:
            company = await faulty.companies.create_async(request={"name": name})
            for _ in range(3):
                await faulty.companies.update_async(
                    company_id=company.id, request={"description": "patched"}
                )
            return company.id

    with fault_proxy(server.url, FAULTS) as (url, proxy):
        company_id = asyncio.run(run(url))
    assert Counter(s.fault for s in proxy.seen)["drop"] >= 1
    assert [c.id for c in sdk.companies.list() if c.name == name] == [company_id]
