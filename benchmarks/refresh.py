"""Refresh of a big ledger: how long caching takes next to the connector's raw read.

Target (issue 3): a ledger with 1,000 accounts and 1,000 suppliers is read *and cached*
in at most 2x the time the connector alone takes to read it, in the same run.

    .venv/bin/python -m benchmarks.refresh [--database-url URL] [--repeat 5]

Prints the raw read time, the full refresh time (read + replace in the cache), and the
ratio, as the median of the repeats.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import uuid
from pathlib import Path

from expense_sync.config import Settings
from expense_sync.connectors.base import LinkedBooks
from expense_sync.connectors.beancount import BeancountConnector
from expense_sync.connectors.beancount.chart import new_ledger_text
from expense_sync.connectors.beancount.directives import custom, open_account
from expense_sync.connectors.beancount.session import _PARSED
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default="")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--accounts", type=int, default=1000)
    parser.add_argument("--suppliers", type=int, default=1000)
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="es-bench-"))
    ledger = work / "books.beancount"
    build_ledger(ledger, args.accounts, args.suppliers)
    settings = Settings(data_dir=work, database_url=args.database_url)
    engine = make_engine(settings.resolved_database_url)
    upgrade(engine)
    factory = make_session_factory(engine)
    with UnitOfWork(factory) as uow:
        client = Client(name=f"bench-{uuid.uuid4().hex[:6]}")
        uow.session.add(client)
        uow.session.flush()
        company = Company(client_id=client.id, name="Benchmark", products=[])
        uow.session.add(company)
        uow.session.flush()
        connection = Connection(company_id=company.id, platform_key="bean", status="Linked",
                                connection_info={"ledgerPath": str(ledger)})  # fmt: skip
        uow.session.add(connection)
        uow.commit()
        company_id, connection_id = company.id, connection.id

    connector = BeancountConnector()
    raw, full = [], []
    for _ in range(args.repeat + 1):
        _PARSED.clear()  # both sides parse the file cold
        started = time.perf_counter()
        books = connector.open(LinkedBooks({"ledgerPath": str(ledger)}, {}, work))
        counts = [len(books.read(t)) for t in DATA_TYPES]
        raw.append(time.perf_counter() - started)

        _PARSED.clear()
        started = time.perf_counter()
        for data_type in DATA_TYPES:
            with UnitOfWork(factory) as uow:
                pull = PullOperation(company_id=company_id, connection_id=connection_id,
                                     data_type=data_type, status="Queued", progress=0)  # fmt: skip
                uow.session.add(pull)
                uow.commit()
                pull_id = pull.id
            manage_data.run_pull(factory, settings, pull_id)
        full.append(time.perf_counter() - started)

    # The first refresh fills an empty cache; later ones find the books unchanged.
    raw_s = statistics.median(raw)
    first_s, steady_s = full[0], statistics.median(full[1:])
    print(f"database: {engine.url.get_backend_name()}  records: {counts} (accounts incl. chart)")
    print(f"raw connector read (cold parse) : {raw_s * 1000:7.1f} ms (median of {len(raw)})")
    print(f"first refresh (fills the cache) : {first_s * 1000:7.1f} ms  {first_s / raw_s:5.2f}x")
    print(
        f"repeat refresh (books unchanged): {steady_s * 1000:7.1f} ms  {steady_s / raw_s:5.2f}x"
        f"  (median of {len(full) - 1}; target <= 2.00x)"
    )
    engine.dispose()


if __name__ == "__main__":
    main()
