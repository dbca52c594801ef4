"""Small companies' expenses while cloud companies wait on their platform's rate limit.

Target (issue 15): 8 companies on Beancount each posting one expense at a time while 2
cloud companies sync 1,000 expenses each at their platform's limit: one Beancount
expense reaches ``Completed`` in p95 <= 100 ms.

    .venv/bin/python -m benchmarks.mixed_load [--companies 8] [--cloud fake|xero|none]
        [--cloud-companies 2] [--cloud-expenses 1000] [--latency 0.2]
        [--calls 12] [--window 10] [--seconds 20] [--threads N] [--database-url URL]

Everything runs as ``serve`` runs it: the embedded worker (``Runtime.start``, so the
worker threads are ``EXPENSE_SYNC_WORKER_THREADS``, or ``--threads``) on SQLite in a
temporary data directory (or ``--database-url``); work is submitted through the intake
service as the API does, and the worker is woken by the executor as after a request.

**The cloud companies** are submitted first: ``--cloud-expenses`` each, stored as v1
datasets of 50 and synced in one sync per company (a long sync). ``--cloud fake`` links
them to in-memory books behind a slow, rate-limited upstream (``tests.connectors.memory``):
every call waits ``--latency`` seconds, and more than ``--calls`` calls per
``--window`` seconds per company are answered with a retriable error carrying
``retry_after`` (a 429 with ``Retry-After``). ``--cloud xero`` links them to the Xero
connector through the link page (real HTTP to a Xero sandbox in this process, with
Xero's real limits: 60 calls a minute, 5 at once, per organisation; ``--latency``,
``--calls`` and ``--window`` do not apply); ``--cloud none`` measures the Beancount
companies alone.

**The Beancount companies** (``--companies``, each on its own new ledger) then each post
one expense, wait for its sync to finish, and post the next, for ``--seconds``. The
latency of one expense is from just before its submission to its sync's ``completed``
timestamp (written in the transaction that makes the expense ``Completed``); the first
expense of each company is left out (it parses the ledger). Printed: p50, p95 and max,
the samples, and how the cloud syncs stand at the end (expenses landed, failed).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from contextlib import ExitStack
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select

from expense_sync.api.runtime import Runtime
from expense_sync.config import Settings
from expense_sync.connectors.base import LinkContext
from expense_sync.connectors.beancount.chart import new_ledger_text
from expense_sync.process import tune_garbage_collector
from expense_sync.services import expenses as intake
from expense_sync.storage.migrate import upgrade
from expense_sync.storage.models import Client, Company, Connection, Sync, SyncItem
from expense_sync.storage.uow import UnitOfWork

CARD = "Liabilities:CreditCard:Corporate"
REQUEST = 50  # transactions per intake request (the API's limit)


def expense(number: int) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "type": "Payment",
        "issueDate": "2026-11-02",
        "currency": "USD",
        "merchantName": f"Merchant {number % 50}",
        "bankAccountRef": {"id": CARD},
        "lines": [
            {
                "netAmount": str(10 + number % 90),
                "taxAmount": "2",
                "taxRateRef": {"id": "VAT20"},
                "accountRef": {"id": "Expenses:Travel"},
                "trackingRefs": [{"id": "DEPT-ENG", "dataType": "trackingCategories"}],
            }
        ],
    }


class Bench:
    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.factory = runtime.session_factory
        with UnitOfWork(self.factory) as uow:
            client = Client(name=f"bench-{uuid.uuid4().hex[:6]}")
            uow.session.add(client)
            uow.commit()
            self.client_id, self.client_name = client.id, client.name
        self.folder = runtime.settings.resolved_ledger_root / self.client_name
        self.folder.mkdir(parents=True)

    def company(self, name: str, platform_key: str, info: dict[str, str] | None) -> uuid.UUID:
        with UnitOfWork(self.factory) as uow:
            company = Company(client_id=self.client_id, name=name, products=[])
            uow.session.add(company)
            uow.session.flush()
            if info is None:  # Beancount: a new ledger of its own
                ledger = self.folder / f"{company.id}.beancount"
                ledger.write_text(new_ledger_text(name))
                info = {"ledgerPath": str(ledger)}
            uow.session.add(Connection(company_id=company.id, platform_key=platform_key,
                                       status="Linked", connection_info=info))  # fmt: skip
            uow.commit()
            return company.id

    def submit_one(self, company_id: uuid.UUID, number: int) -> uuid.UUID:
        with UnitOfWork(self.factory) as uow:
            sync = intake.submit(uow.session, self.client_id, company_id, "expense",
                                 [expense(number)], on_commit=uow.after_commit,
                                 enqueue=self.runtime.executor.sync)  # fmt: skip
            uow.commit()
            return sync.id

    def submit_many(
        self, company_id: uuid.UUID, count: int, make: Callable[[int], dict[str, Any]] = expense
    ) -> uuid.UUID:
        datasets = []
        for start in range(0, count, REQUEST):
            items = [make(n) for n in range(start, min(start + REQUEST, count))]
            with UnitOfWork(self.factory) as uow:
                dataset = intake.create_dataset(uow.session, self.client_id, company_id,
                                                {"items": items})  # fmt: skip
                uow.commit()
                datasets.append(str(dataset.id))
        with UnitOfWork(self.factory) as uow:
            sync = intake.sync_datasets(uow.session, self.client_id, company_id,
                                        {"datasetIds": datasets}, on_commit=uow.after_commit,
                                        enqueue=self.runtime.executor.sync)  # fmt: skip
            uow.commit()
            return sync.id

    def completed_at(self, sync_id: uuid.UUID) -> datetime | None:
        with UnitOfWork(self.factory) as uow:
            return uow.session.scalar(select(Sync.completed).where(Sync.id == sync_id))

    def first_problem(self, sync_id: uuid.UUID) -> str | None:
        with UnitOfWork(self.factory) as uow:
            return uow.session.scalar(
                select(SyncItem.message)
                .where(SyncItem.sync_id == sync_id, SyncItem.status != "Completed")
                .limit(1)
            )

    def items(self, sync_id: uuid.UUID) -> dict[str, int]:
        with UnitOfWork(self.factory) as uow:
            rows = uow.session.execute(
                select(SyncItem.status, func.count())
                .where(SyncItem.sync_id == sync_id)
                .group_by(SyncItem.status)
            )
            return {status: count for status, count in rows}


def xero_expense(accounts: dict[str, str]) -> Callable[[int], dict[str, Any]]:
    """Card expenses in a Xero demo organisation's terms (account ids by nominal code)."""

    def make(number: int) -> dict[str, Any]:
        net = Decimal(10 + number % 90)
        return {
            "id": str(uuid.uuid4()),
            "type": "Payment",
            "issueDate": "2026-11-02",
            "currency": "GBP",
            "merchantName": f"Merchant {number % 50}",
            "bankAccountRef": {"id": accounts["092"]},
            "lines": [
                {
                    "netAmount": str(net),
                    "taxAmount": str(net / 5),  # INPUT2 is 20%; Xero checks the sum
                    "taxRateRef": {"id": "INPUT2"},
                    "accountRef": {"id": accounts["429"]},
                }
            ],
        }

    return make


def xero_companies(
    bench: Bench, count: int
) -> list[tuple[uuid.UUID, Callable[[int], dict[str, Any]]]]:
    """``count`` companies linked to new sandbox organisations through the link page
    (before the worker starts), each with how its expenses are made."""
    from fastapi.testclient import TestClient
    from tests.conftest import make_tenant
    from tests.connectors.xero_sandbox import books_of, link

    from expense_sync.api.app import create_app

    api = TestClient(create_app(runtime=bench.runtime))  # no lifespan: the worker waits
    tenant = make_tenant(bench.runtime, bench.client_name)  # the bench's own client
    linked = []
    for n in range(count):
        company = link(api, tenant, f"Xero {n}")
        chart = books_of(bench.runtime, company.connection_id).read("chartOfAccounts")
        accounts = {str(a["nominalCode"]): str(a["id"]) for a in chart}
        linked.append((uuid.UUID(company.company_id), xero_expense(accounts)))
    return linked


def cloud_connector(kind: str, args: argparse.Namespace) -> Any:
    """The connector the cloud companies link to, registered in the catalog."""
    from tests.connectors.memory import MemoryConnector, Upstream

    from expense_sync.connectors import catalog

    upstream = Upstream(latency=args.latency, calls_per_minute=args.calls,
                        window_seconds=args.window)  # fmt: skip
    connector = MemoryConnector("slow", upstream=upstream, batch_size=50)
    catalog.register(connector)
    return connector


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--companies", type=int, default=8)
    parser.add_argument("--cloud", choices=("fake", "xero", "none"), default="fake")
    parser.add_argument("--cloud-companies", type=int, default=2)
    parser.add_argument("--cloud-expenses", type=int, default=1000)
    parser.add_argument("--latency", type=float, default=0.2, help="seconds per upstream call")
    parser.add_argument("--calls", type=int, default=12, help="upstream calls per window")
    parser.add_argument("--window", type=float, default=10.0, help="the limit's window (s)")
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--threads", type=int, default=None, help="worker threads")
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()

    connector = None if args.cloud in ("none", "xero") else cloud_connector(args.cloud, args)
    with tempfile.TemporaryDirectory() as work, ExitStack() as stack:
        overrides: dict[str, Any] = {"data_dir": Path(work), "database_url": args.database_url}
        if args.threads is not None:
            overrides["worker_threads"] = args.threads
        settings = Settings(**overrides)
        sandbox = None
        if args.cloud == "xero":
            from tests.connectors.xero_sandbox import xero_settings

            from sandboxes.xero import Limits, SandboxConfig, run

            config = SandboxConfig(auto_approve=True, limits=Limits.real())
            sandbox = stack.enter_context(run(config))
            settings = xero_settings(settings, sandbox)
        runtime = Runtime.from_settings(settings)
        upgrade(runtime.engine)
        bench = Bench(runtime)
        small = [bench.company(f"Small {n}", "bean", None) for n in range(args.companies)]
        clouds: list[tuple[uuid.UUID, Callable[[int], dict[str, Any]]]] = []
        if connector is not None:
            for n in range(args.cloud_companies):
                context = LinkContext(uuid.uuid4(), uuid.uuid4(), Path(work), Path(work), "Cloud")
                info = connector.authorize(context, {}).connection_info
                clouds.append((bench.company(f"Cloud {n}", connector.manifest.key, info), expense))
        elif sandbox is not None:
            clouds = xero_companies(bench, args.cloud_companies)
        tune_garbage_collector()
        runtime.start()
        print(f"worker threads: {settings.worker_threads}")
        started, begun_at = time.perf_counter(), datetime.now(UTC)
        cloud_syncs = [bench.submit_many(c, args.cloud_expenses, make) for c, make in clouds]
        latencies: list[float] = []
        lock = threading.Lock()

        def post_one_at_a_time(company_id: uuid.UUID) -> None:
            number = 0
            while time.perf_counter() - started < args.seconds:
                begun = datetime.now(UTC)
                sync_id = bench.submit_one(company_id, number)
                while (done := bench.completed_at(sync_id)) is None:
                    time.sleep(0.025)  # the latency is read from the row, not from here
                if number:  # the first parses the ledger
                    with lock:
                        latencies.append((done - begun).total_seconds())
                number += 1

        posters = [threading.Thread(target=post_one_at_a_time, args=(c,)) for c in small]
        for poster in posters:
            poster.start()
        for poster in posters:
            poster.join()
        limit = (
            "Xero's real limits"
            if sandbox is not None
            else f"{args.latency} s a call, {args.calls} calls / {args.window:.0f} s"
        )
        print(f"{args.companies} Beancount companies, one expense at a time, {args.seconds:.0f} s"
              f"; cloud: {args.cloud} ({len(clouds)} x {args.cloud_expenses} expenses, "
              f"{limit})")  # fmt: skip
        if latencies:
            ms = [latency * 1000 for latency in latencies]
            print(f"Beancount expense submit -> Completed: p50 {statistics.median(ms):.0f} ms, "
                  f"p95 {percentile(ms, 0.95):.0f} ms, max {max(ms):.0f} ms "
                  f"({len(ms)} expenses)")  # fmt: skip
        deadline = time.perf_counter() + 300  # the cloud syncs' end is reported too
        while time.perf_counter() < deadline and not all(map(bench.completed_at, cloud_syncs)):
            time.sleep(0.5)
        for company_sync in cloud_syncs:
            end = bench.completed_at(company_sync)
            state = f"finished after {(end - begun_at).total_seconds():.1f} s" if end else "running"
            print(f"cloud sync {company_sync}: {state}, items {bench.items(company_sync)}")
            if first_problem := bench.first_problem(company_sync):
                print(f"  first failed item: {first_problem}")
        if connector is not None:
            print(f"upstream calls refused over the limit: {connector.upstream.refused}")
        if sandbox is not None:
            counted = httpx.get(f"{sandbox.base_url}/__sandbox__/calls").json()
            print(f"Xero calls per organisation: {counted['calls']}; 429s: {counted['refused']}")
        runtime.stop()


if __name__ == "__main__":
    main()
