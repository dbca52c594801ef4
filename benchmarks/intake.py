"""Intake: transactions accepted per second over HTTP, next to inserting the same rows
straight through SQLAlchemy, in the same run.

Target (issue): with 8 concurrent clients sending batches of 50, a real ``expense-sync
serve`` accepts at least 50% of the rate of the bare inserts, on SQLite and PostgreSQL.

    .venv/bin/python -m benchmarks.intake [--only sqlite|postgresql] [--batches 30] [--rounds 3]
        [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres]

How it is measured, and why:

- **Served**: a real ``serve`` process on a fresh database, called over HTTP by 8
  threads, each POSTing batches of 50 expenses to its own company (linked to Beancount
  books). Everything a client waits for counts: authentication, quotas, the
  Idempotency-Key middleware (every request carries a key), validation, storing the
  transactions, the sync and its items, and handing the sync to the broker. The syncs go
  to a Redis queue of this run that no worker reads (deleted afterwards), so the figure is
  intake alone; with ``--embedded`` the in-process worker runs them meanwhile (the
  companies' books are empty of cached data either way).
- **Bare**: 8 threads of this process insert the same rows into the same tables on a
  fresh database (50 ``expense_transactions``, a ``syncs`` row, 50 ``sync_items``, one
  database transaction per batch) through the SQLAlchemy ORM.

PostgreSQL runs use scratch databases created on ``--database-url`` and dropped at the
end. Each side is warmed by one batch per client before the clock starts. A round is one
bare run then one served run, each on a fresh database; the rate of either side moves by
up to a third between runs on this 2-core machine, so each round's ratio is printed and
then their median.
"""

from __future__ import annotations

import argparse
import base64
import os
import statistics
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from tests.e2e.server import running_server

from expense_sync.storage.db import make_engine, make_session_factory
from expense_sync.storage.migrate import upgrade
from expense_sync.storage.models import Client, Company, ExpenseTransaction, Sync, SyncItem
from expense_sync.storage.uow import UnitOfWork

REDIS_URL = os.environ.get("EXPENSE_SYNC_BENCH_REDIS", "redis://127.0.0.1:6379/0")
PATH = "/companies/{}/sync/expenses/expense-transactions"


def expense(number: int) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "type": "Payment",
        "issueDate": "2026-11-02",
        "currency": "USD",
        "merchantName": f"Merchant {number}",
        "bankAccountRef": {"id": "Liabilities:CreditCard:Corporate"},
        "lines": [
            {
                "netAmount": str(Decimal(1000 + number) / 100),
                "accountRef": {"id": "Expenses:Travel"},
            }
        ],
    }


def batches(count: int, size: int) -> list[list[dict[str, Any]]]:
    return [[expense(b * size + n) for n in range(size)] for b in range(count)]


def concurrently(work: list[Callable[[], None]]) -> float:
    """Run each callable in its own thread, all started together; the wall time taken."""
    start = threading.Barrier(len(work) + 1)
    errors: list[BaseException] = []

    def run(job: Callable[[], None]) -> None:
        start.wait()
        try:
            job()
        except BaseException as error:  # reported below: a failed run gives no figure
            errors.append(error)

    threads = [threading.Thread(target=run, args=(job,)) for job in work]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    if errors:
        raise SystemExit(f"a client failed, so no figure: {errors[0]!r}")
    return elapsed


# -- bare inserts ------------------------------------------------------------------------


def bare_rate(url: str, clients: int, count: int, size: int) -> float:
    engine = make_engine(url)
    upgrade(engine)
    factory = make_session_factory(engine)
    with UnitOfWork(factory) as uow:
        owner = Client(name="bench")
        uow.session.add(owner)
        uow.session.flush()
        companies = [
            Company(client_id=owner.id, name=f"Bare {n}", products=[]) for n in range(clients)
        ]
        uow.session.add_all(companies)
        uow.commit()

    def insert(company_id: uuid.UUID, batch: list[dict[str, Any]]) -> None:
        with UnitOfWork(factory) as uow:
            rows = [
                ExpenseTransaction(
                    company_id=company_id,
                    transaction_id=item["id"],
                    kind="expense",
                    body=item,
                    revision=1,
                    status="Pending",
                )
                for item in batch
            ]
            sync = Sync(company_id=company_id, status_code=1000)
            uow.session.add_all([*rows, sync])
            uow.session.flush()
            uow.session.add_all(
                SyncItem(
                    sync_id=sync.id,
                    transaction_row_id=row.id,
                    position=position,
                    revision=1,
                    status="Pending",
                )
                for position, row in enumerate(rows)
            )
            uow.commit()

    def client(company_id: uuid.UUID, work: list[list[dict[str, Any]]]) -> Callable[[], None]:
        def send() -> None:
            for batch in work:
                insert(company_id, batch)

        return send

    concurrently([client(c.id, batches(1, size)) for c in companies])  # warm-up
    elapsed = concurrently([client(c.id, batches(count, size)) for c in companies])
    engine.dispose()
    return clients * count * size / elapsed


# -- a real server -----------------------------------------------------------------------


def served_rate(
    url: str, clients: int, count: int, size: int, work: Path, *, embedded: bool
) -> float:
    queue = f"expense-sync-bench-{uuid.uuid4().hex[:8]}"
    env = {
        "EXPENSE_SYNC_DATABASE_URL": url,
        "EXPENSE_SYNC_BROKER_URL": "" if embedded else REDIS_URL,
        "EXPENSE_SYNC_QUEUE_NAME": queue,
        "EXPENSE_SYNC_SECRET_KEY": base64.urlsafe_b64encode(b"b" * 32).decode(),
    }
    try:
        with running_server(work / "data", env) as server:
            assert server.first_key, server.log.read_text()
            base = server.url
            auth = {
                "Authorization": "Basic " + base64.b64encode(server.first_key.encode()).decode()
            }
            with httpx.Client(base_url=base, headers=auth, timeout=60) as http:
                companies = [linked_company(http, n) for n in range(clients)]

            def client(company: str, work: list[list[dict[str, Any]]]) -> Callable[[], None]:
                def send() -> None:
                    with httpx.Client(base_url=base, headers=auth, timeout=60) as http:
                        for batch in work:
                            key = {"Idempotency-Key": str(uuid.uuid4())}
                            response = http.post(PATH.format(company), json=batch, headers=key)
                            if response.status_code != 200:
                                raise RuntimeError(f"{response.status_code}: {response.text}")

                return send

            concurrently([client(c, batches(1, size)) for c in companies])  # warm-up
            elapsed = concurrently([client(c, batches(count, size)) for c in companies])
    finally:
        if not embedded:
            drop_queue(queue)
    return clients * count * size / elapsed


def linked_company(http: httpx.Client, number: int) -> str:
    company: str = http.post("/companies", json={"name": f"Served {number}"}).json()["id"]
    connection = http.post(f"/companies/{company}/connections", json={"platformKey": "bean"})
    linked = http.put(
        f"/companies/{company}/connections/{connection.json()['id']}/authorization", json={}
    )
    assert linked.status_code == 200, linked.text
    return company


def drop_queue(queue: str) -> None:
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    for key in client.scan_iter(f"dramatiq:{queue}*"):
        client.delete(key)
    client.close()


# -- databases ---------------------------------------------------------------------------


@contextmanager
def scratch_database(kind: str, server_url: str, work: Path) -> Iterator[str]:
    if kind == "sqlite":
        yield f"sqlite:///{work / f'{uuid.uuid4().hex[:8]}.db'}"
        return
    name = f"es_bench_{uuid.uuid4().hex[:10]}"
    admin: Engine = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url",
        default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres",
        help="PostgreSQL server on which scratch databases are made",
    )
    parser.add_argument("--only", choices=("sqlite", "postgresql"))
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--batches", type=int, default=30, help="timed batches per client")
    parser.add_argument("--batch-size", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=3, help="bare then served, this often")
    parser.add_argument(
        "--embedded", action="store_true", help="run the syncs in serve's own worker meanwhile"
    )
    args = parser.parse_args()
    kinds = [args.only] if args.only else ["sqlite", "postgresql"]
    work = Path(tempfile.mkdtemp(prefix="es-intake-"))
    total = args.clients * args.batches * args.batch_size
    print(
        f"{args.clients} clients x {args.batches} batches of {args.batch_size} "
        f"= {total} transactions per side; target: served >= 0.50x bare"
    )
    for kind in kinds:
        ratios = []
        for number in range(args.rounds):
            folder = work / f"{kind}-{number}"
            folder.mkdir()
            with scratch_database(kind, args.database_url, folder) as url:
                bare = bare_rate(url, args.clients, args.batches, args.batch_size)
            with scratch_database(kind, args.database_url, folder) as url:
                served = served_rate(url, args.clients, args.batches, args.batch_size, folder,
                                     embedded=args.embedded)  # fmt: skip
            ratios.append(served / bare)
            print(
                f"{kind:10}  bare SQLAlchemy: {bare:8.0f} tx/s   served over HTTP: "
                f"{served:8.0f} tx/s   ratio {served / bare:4.2f}"
            )
        print(f"{kind:10}  median ratio of {args.rounds} rounds: {statistics.median(ratios):4.2f}")


if __name__ == "__main__":
    main()
