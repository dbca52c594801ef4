"""Refresh of a big ledger: how long caching takes next to the connector's raw read.

Target (issue 3): a ledger with 1,000 accounts and 1,000 suppliers is read *and cached*
in at most 2x the time the connector alone takes to read it, in the same run.

    .venv/bin/python -m benchmarks.refresh [--database-url URL] [--repeat 5]

Each run reads the ledger cold with the connector alone, then refreshes a new connection
to it twice: the first refresh fills an empty cache, the second finds the books unchanged.
Prints the median of each and its ratio to the raw read. The process is set up as
``serve`` and ``worker`` set theirs up (``expense_sync.process.tune_garbage_collector``).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from expense_sync.config import Settings
from expense_sync.connectors.base import LinkedBooks
from expense_sync.connectors.beancount import BeancountConnector
from expense_sync.connectors.beancount.chart import new_ledger_text
from expense_sync.connectors.beancount.directives import custom, open_account
from expense_sync.connectors.beancount.parsed import _PARSED
from expense_sync.process import tune_garbage_collector
from expense_sync.services import manage_data
from expense_sync.storage.db import make_engine, make_session_factory
from expense_sync.storage.migrate import upgrade
from expense_sync.storage.models import Client, Company, Connection, PullOperation
from expense_sync.storage.uow import UnitOfWork

DATA_TYPES = ("chartOfAccounts", "suppliers")


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


def new_connection(
    factory: sessionmaker[Session], company_id: uuid.UUID, ledger: Path
) -> uuid.UUID:
    with UnitOfWork(factory) as uow:
        connection = Connection(company_id=company_id, platform_key="bean", status="Linked",
                                connection_info={"ledgerPath": str(ledger)})  # fmt: skip
        uow.session.add(connection)
        uow.commit()
        return connection.id


def refresh(
    factory: sessionmaker[Session],
    settings: Settings,
    company_id: uuid.UUID,
    connection_id: uuid.UUID,
    data_type: str,
) -> None:
    """What a refresh request and its job do: queue a pull operation, then run it."""
    with UnitOfWork(factory) as uow:
        pull = PullOperation(company_id=company_id, connection_id=connection_id,
                             data_type=data_type, status="Queued", progress=0)  # fmt: skip
        uow.session.add(pull)
        uow.commit()
        pull_id = pull.id
    manage_data.run_pull(factory, settings, pull_id)
    with UnitOfWork(factory) as uow:
        done = uow.session.get(PullOperation, pull_id)
        assert done is not None
        if done.status != "Complete":  # a failed pull is fast: never report it as a figure
            raise SystemExit(f"the {data_type} pull ended {done.status}: {done.error_message}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
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
    ledger = folder / "books.beancount"
    build_ledger(ledger, args.accounts, args.suppliers)
    engine = make_engine(settings.resolved_database_url)
    upgrade(engine)
    factory = make_session_factory(engine)
    with UnitOfWork(factory) as uow:
        client = Client(name=client_name)
        uow.session.add(client)
        uow.session.flush()
        company = Company(client_id=client.id, name="Benchmark", products=[])
        uow.session.add(company)
        uow.commit()
        company_id = company.id

    connector = BeancountConnector()
    raw: list[float] = []
    first: list[float] = []
    repeat: list[float] = []
    for _ in range(args.repeat):
        _PARSED.clear()  # both sides parse the file cold
        started = time.perf_counter()
        books = connector.open(LinkedBooks({"ledgerPath": str(ledger)}, {}, folder))
        counts = [len(books.read(t)) for t in DATA_TYPES]
        raw.append(time.perf_counter() - started)

        connection_id = new_connection(factory, company_id, ledger)  # its cache is empty
        for timings in (first, repeat):
            _PARSED.clear()
            started = time.perf_counter()
            for data_type in DATA_TYPES:
                refresh(factory, settings, company_id, connection_id, data_type)
            timings.append(time.perf_counter() - started)

    raw_s, first_s, repeat_s = (statistics.median(t) for t in (raw, first, repeat))
    print(f"database: {engine.url.get_backend_name()}  records: {counts} (accounts incl. chart)")
    print(f"medians of {args.repeat} runs; target: refresh <= 2.00x the raw read")
    print(f"raw connector read (cold parse) : {raw_s * 1000:7.1f} ms")
    print(f"first refresh (fills the cache) : {first_s * 1000:7.1f} ms  {first_s / raw_s:5.2f}x")
    print(f"repeat refresh (books unchanged): {repeat_s * 1000:7.1f} ms  {repeat_s / raw_s:5.2f}x")
    engine.dispose()


if __name__ == "__main__":
    main()
