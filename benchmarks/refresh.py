"""Refresh of a big ledger: how long caching takes next to the connector's raw read.

Target (issue 3): a ledger with 1,000 accounts and 1,000 suppliers is read *and cached*
in at most 2x the time the connector alone takes to read it, in the same run.

    .venv/bin/python -m benchmarks.refresh [--connector bean|tryt] [--database-url URL]

The ledger is a Beancount file (``bean``, the default), or the books of a real trytond
server started on the prepared test database (``tryt``; building it takes about 25 s),
given the same accounts and suppliers through the connector.

Each run reads every data type of the ledger cold with the connector alone, then
refreshes all of them (``POST /companies/{id}/data/all``) for a new company linked to it,
twice: the first refresh fills an empty cache, the second finds the books unchanged. A
refresh is what the request and its job do: ``manage_data.queue_all`` in one transaction,
then ``run_pull`` for each job it signals; the check that every pull completed is made
after the clock stops. Prints the median of each and its ratio to the raw read. The
process is set up as ``serve`` and ``worker`` set theirs up
(``expense_sync.process.tune_garbage_collector``).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker
from tests.tryton_server import build_sqlite_template, link, running_tryton

from expense_sync.config import Settings
from expense_sync.connectors.base import LinkedBooks
from expense_sync.connectors.beancount.chart import new_ledger_text
from expense_sync.connectors.beancount.directives import custom, open_account
from expense_sync.connectors.beancount.parsed import _PARSED
from expense_sync.connectors.catalog import connector_for
from expense_sync.connectors.tryton import TrytonConnector
from expense_sync.process import tune_garbage_collector
from expense_sync.services import manage_data
from expense_sync.services.secrets import SecretBox
from expense_sync.storage.db import make_engine, make_session_factory
from expense_sync.storage.migrate import upgrade
from expense_sync.storage.models import Client, Company, Connection, PullOperation
from expense_sync.storage.uow import UnitOfWork


def build_ledger(path: Path, accounts: int, suppliers: int) -> None:
    blocks = [new_ledger_text("Benchmark Ltd")]
    blocks += [
        open_account("2000-01-01", f"Expenses:Bench:A{i:05d}", ["USD"], {"name": f"Account {i}"})
        for i in range(accounts)
    ]
    blocks += [
        custom("2000-01-01", "supplier", f"SUP-{i:05d}", {"name": f"Supplier {i}",
               "email": f"s{i}@example.test"})
        for i in range(suppliers)
    ]  # fmt: skip
    path.write_text("\n".join(blocks))


@dataclass(frozen=True)
class Ledger:
    """Books to refresh: what a connection to them holds, and how to read them cold."""

    platform_key: str
    connection_info: dict[str, Any]
    secrets: dict[str, str]
    forget: Callable[[], None]  # drop what the connector keeps between reads


@contextmanager
def beancount_ledger(folder: Path, accounts: int, suppliers: int) -> Iterator[Ledger]:
    ledger = folder / "books.beancount"
    build_ledger(ledger, accounts, suppliers)
    yield Ledger("bean", {"ledgerPath": str(ledger)}, {}, _PARSED.clear)


@contextmanager
def tryton_ledger(folder: Path, accounts: int, suppliers: int) -> Iterator[Ledger]:
    """A trytond server on the prepared database, given the accounts and suppliers
    through the connector (one batched create each)."""
    work = Path(tempfile.mkdtemp(prefix="es-tryton-bench-"))
    with running_tryton(build_sqlite_template(work / "template"), work / "server") as server:
        linked = link(server, folder)
        books = TrytonConnector().open(LinkedBooks(linked.connection_info, linked.secrets, folder))
        books.create("chartOfAccounts", [
            {"fullyQualifiedName": f"Expenses:Bench:A{i:05d}", "name": f"Account {i}",
             "nominalCode": f"9{i:05d}", "type": "Expense", "currency": "USD"}
            for i in range(accounts)
        ])  # fmt: skip
        books.create("suppliers", [
            {"supplierName": f"Supplier {i}", "emailAddress": f"s{i}@example.test"}
            for i in range(suppliers)
        ])  # fmt: skip
        yield Ledger("tryt", linked.connection_info, linked.secrets, lambda: None)


LEDGERS = {"bean": beancount_ledger, "tryt": tryton_ledger}


def new_company(
    factory: sessionmaker[Session], settings: Settings, client_id: uuid.UUID, ledger: Ledger
) -> uuid.UUID:
    """A company whose linked connection is the ledger; its cache is empty."""
    sealed = SecretBox(settings.secret_key_bytes).seal(ledger.secrets) if ledger.secrets else None
    with UnitOfWork(factory) as uow:
        company = Company(client_id=client_id, name="Benchmark", products=[])
        uow.session.add(company)
        uow.session.flush()
        uow.session.add(Connection(company_id=company.id, platform_key=ledger.platform_key,
                                   status="Linked", connection_info=ledger.connection_info,
                                   encrypted_secrets=sealed))  # fmt: skip
        uow.commit()
        return company.id


def refresh(
    factory: sessionmaker[Session], settings: Settings, client_id: uuid.UUID, company_id: uuid.UUID
) -> list[uuid.UUID]:
    """What a refresh-all request and its jobs do; returns the pulls it queued."""
    signalled: list[uuid.UUID] = []
    with UnitOfWork(factory) as uow:
        pulls = manage_data.queue_all(
            uow.session, client_id, company_id, uow.after_commit, signalled.append
        )
        pull_ids = [pull.id for pull in pulls]
        uow.commit()
    for pull_id in signalled:
        manage_data.run_pull(factory, settings, pull_id)
    return pull_ids


def check_complete(factory: sessionmaker[Session], pull_ids: list[uuid.UUID]) -> None:
    """A failed pull is fast: never report it as a figure."""
    with UnitOfWork(factory) as uow:
        for pull_id in pull_ids:
            done = uow.session.get(PullOperation, pull_id)
            assert done is not None
            if done.status != "Complete":
                raise SystemExit(f"the {done.data_type} pull ended {done.status}: "
                                 f"{done.error_message}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--connector", choices=sorted(LEDGERS), default="bean")
    parser.add_argument("--database-url", default="")
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--accounts", type=int, default=1000)
    parser.add_argument("--suppliers", type=int, default=1000)
    args = parser.parse_args()
    tune_garbage_collector()

    work = Path(tempfile.mkdtemp(prefix="es-bench-"))
    settings = Settings(data_dir=work, database_url=args.database_url)
    client_name = f"bench-{uuid.uuid4().hex[:6]}"
    folder = settings.resolved_ledger_root / client_name  # where the client's ledgers live
    folder.mkdir(parents=True)
    with LEDGERS[args.connector](folder, args.accounts, args.suppliers) as ledger:
        measure(settings, client_name, folder, ledger, args.repeat)


def measure(
    settings: Settings, client_name: str, folder: Path, ledger: Ledger, repeat: int
) -> None:
    engine = make_engine(settings.resolved_database_url)
    upgrade(engine)
    factory = make_session_factory(engine)
    with UnitOfWork(factory) as uow:
        client = Client(name=client_name)
        uow.session.add(client)
        uow.commit()
        client_id = client.id

    connector = connector_for(ledger.platform_key)
    assert connector is not None
    data_types = connector.manifest.reads
    raw: list[float] = []
    first: list[float] = []
    repeated: list[float] = []
    for _ in range(repeat):
        ledger.forget()  # both sides read the books cold
        started = time.perf_counter()
        books = connector.open(LinkedBooks(ledger.connection_info, ledger.secrets, folder))
        counts = {t: len(books.read(t)) for t in data_types}
        raw.append(time.perf_counter() - started)

        company_id = new_company(factory, settings, client_id, ledger)
        for timings in (first, repeated):
            ledger.forget()
            started = time.perf_counter()
            pull_ids = refresh(factory, settings, client_id, company_id)
            timings.append(time.perf_counter() - started)
            check_complete(factory, pull_ids)

    raw_s, first_s, repeat_s = (statistics.median(t) for t in (raw, first, repeated))
    print(f"connector: {ledger.platform_key}  database: {engine.url.get_backend_name()}")
    print(f"records read: {counts}")
    print(f"medians of {repeat} runs; target: refresh <= 2.00x the raw read")
    print(f"raw connector read (cold)       : {raw_s * 1000:7.1f} ms")
    print(f"first refresh (fills the cache) : {first_s * 1000:7.1f} ms  {first_s / raw_s:5.2f}x")
    print(f"repeat refresh (books unchanged): {repeat_s * 1000:7.1f} ms  {repeat_s / raw_s:5.2f}x")
    engine.dispose()


if __name__ == "__main__":
    main()
