"""Syncing 10,000 expenses to a Beancount ledger, next to Beancount doing the same work.

Targets (issue 4): syncing 10,000 expenses takes at most 1.25x the time Beancount itself
takes to validate and append the same entries, in the same run; and the cost of one
write does not grow with the size of the ledger.

    .venv/bin/python -m benchmarks.beancount_sync [--expenses 10000] [--flow datasets]
        [--database-url URL] [--sizes 1000,10000,100000] [--rounds 3] [--gc tuned|default]

Each round starts from a new data directory and ledger; the figures printed are those of
the round with the median ratio (a collection of the old generations, ~0.2 s, lands in
the sync or in the baseline of a round, whichever is running, so one round swings).

**The sync** is the real engine path with SQLite in a temporary data directory (or
``--database-url``): a company linked to a new ledger, its cache refreshed, the expenses
submitted through the intake service (50 a request, as the API allows) and then synced by
``engine.run_sync``. ``--flow datasets`` (default) stores them as v1 datasets and syncs
them in one sync, which the engine posts in the manifest's batches of 500; ``--flow
requests`` syncs each request of 50 on its own (200 syncs, 200 writes). The expenses are
varied: five expense accounts, 1-3 lines, three tax rates, tracking on every line,
Payments and Refunds, USD and EUR (with a rate). Only the ``run_sync`` calls are timed:
they include reading and checking every transaction, the database work, rendering, the
checks and the appends.

**The baseline** is Beancount alone doing the least it can to accept those entries: the
exact text the sync appended (the same entries), appended to a copy of the starting
ledger in one write with fsync, and ``loader.load_file`` run once on the result (parse,
booking, plugins, validations). One validation of the whole result is the cheapest
"validate and append" Beancount offers; the sync instead checks each batch as it lands.

**The process** is set up as ``serve`` and ``worker`` set theirs up
(``expense_sync.process.tune_garbage_collector``), and the baseline runs in that same
process; ``--gc default`` keeps CPython's default collector for both instead.

**Per write**: a post of 500 expenses is timed (median of 5, after an untimed warm-up that
parses the ledger) on ledgers holding 1,000, 10,000 and 100,000 posted expenses, next to
what one full load of that ledger takes (what every write cost before issue 4).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import shutil
import statistics
import tempfile
import time
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any, NamedTuple

from beancount import loader
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from expense_sync.config import Settings
from expense_sync.connectors.base import LinkedBooks, Posted, Posting, PostingLine
from expense_sync.connectors.beancount import BeancountConnector
from expense_sync.connectors.beancount.chart import new_ledger_text
from expense_sync.connectors.beancount.parsed import forget
from expense_sync.connectors.beancount.posting import render
from expense_sync.connectors.beancount.session import BeancountSession
from expense_sync.process import tune_garbage_collector
from expense_sync.services import expenses as intake
from expense_sync.services import manage_data
from expense_sync.services.expenses import REFERENCE_TYPES
from expense_sync.storage.db import make_engine, make_session_factory
from expense_sync.storage.migrate import upgrade
from expense_sync.storage.models import Client, Company, Connection, PullOperation, SyncItem
from expense_sync.storage.uow import UnitOfWork
from expense_sync.sync import engine as sync_engine

CARD = "Liabilities:CreditCard:Corporate"
ACCOUNTS = ("Expenses:Travel", "Expenses:Meals", "Expenses:Software", "Expenses:OfficeSupplies",
            "Expenses:Advertising")  # fmt: skip
TAXES = (("VAT20", Decimal("0.20")), ("VAT5", Decimal("0.05")), ("NONE", Decimal(0)))
TRACKING = ("DEPT-ENG", "DEPT-SALES", "DEPT-OPS", "PROJECT-LAUNCH")
REQUEST = 50  # transactions per intake request (the API's limit)


def expense(chance: random.Random, number: int) -> dict[str, Any]:
    currency = "EUR" if number % 4 == 0 else "USD"
    lines = []
    for _ in range(chance.randint(1, 3)):
        net = Decimal(chance.randint(100, 500_00)) / 100
        tax_rate, rate = chance.choice(TAXES)
        line: dict[str, Any] = {
            "netAmount": str(net),
            "accountRef": {"id": chance.choice(ACCOUNTS)},
            "trackingRefs": [{"id": chance.choice(TRACKING), "dataType": "trackingCategories"}],
            "description": f"Line of expense {number}",
        }
        if rate:
            line["taxAmount"] = str((net * rate).quantize(Decimal("0.01")))
            line["taxRateRef"] = {"id": tax_rate}
        lines.append(line)
    body: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "type": "Refund" if number % 10 == 0 else "Payment",
        "issueDate": (dt.date(2025, 1, 1) + dt.timedelta(days=number % 365)).isoformat(),
        "currency": currency,
        "merchantName": f"Merchant {number % 300}",
        "notes": f"Expense {number}",
        "bankAccountRef": {"id": CARD},
        "lines": lines,
    }
    if currency == "EUR":
        body["currencyRate"] = "0.92"
    return body


class Setup:
    """A migrated database, a client, a company and its Beancount connection."""

    def __init__(self, work: Path, database_url: str) -> None:
        self.settings = Settings(data_dir=work, database_url=database_url)
        self.engine = make_engine(self.settings.resolved_database_url)
        upgrade(self.engine)
        self.factory: sessionmaker[Session] = make_session_factory(self.engine)
        name = f"bench-{uuid.uuid4().hex[:6]}"
        self.folder = self.settings.resolved_ledger_root / name
        self.folder.mkdir(parents=True)
        self.ledger = self.folder / "books.beancount"
        self.ledger.write_text(new_ledger_text("Benchmark Ltd"))
        with UnitOfWork(self.factory) as uow:
            client = Client(name=name)
            uow.session.add(client)
            uow.session.flush()
            company = Company(client_id=client.id, name="Benchmark", products=[])
            uow.session.add(company)
            uow.session.flush()
            connection = Connection(company_id=company.id, platform_key="bean",
                                    status="Linked",
                                    connection_info={"ledgerPath": str(self.ledger)})  # fmt: skip
            uow.session.add(connection)
            uow.commit()
            self.client_id, self.company_id, self.connection_id = (
                client.id, company.id, connection.id)  # fmt: skip

    def refresh_cache(self) -> None:
        for data_type in (*REFERENCE_TYPES, "bankAccounts"):
            with UnitOfWork(self.factory) as uow:
                pull = PullOperation(company_id=self.company_id, data_type=data_type,
                                     connection_id=self.connection_id, status="Queued",
                                     progress=0)  # fmt: skip
                uow.session.add(pull)
                uow.commit()
                pull_id = pull.id
            manage_data.run_pull(self.factory, self.settings, pull_id)
            with UnitOfWork(self.factory) as uow:
                done = uow.session.get(PullOperation, pull_id)
                assert done is not None
                if done.status != "Complete":
                    raise SystemExit(f"the {data_type} pull ended {done.status}")

    def submit(self, bodies: list[dict[str, Any]], flow: str) -> list[uuid.UUID]:
        """Intake, as the API does it; the syncs to run, in order."""
        syncs: list[uuid.UUID] = []
        datasets: list[str] = []
        for start in range(0, len(bodies), REQUEST):
            chunk = bodies[start : start + REQUEST]
            with UnitOfWork(self.factory) as uow:
                if flow == "requests":
                    intake.submit(uow.session, self.client_id, self.company_id, "expense",
                                  chunk, on_commit=uow.after_commit,
                                  enqueue=syncs.append)  # fmt: skip
                else:
                    dataset = intake.create_dataset(uow.session, self.client_id,
                                                    self.company_id, {"items": chunk})  # fmt: skip
                    datasets.append(str(dataset.id))
                uow.commit()
        if datasets:
            with UnitOfWork(self.factory) as uow:
                intake.sync_datasets(uow.session, self.client_id, self.company_id,
                                     {"datasetIds": datasets}, on_commit=uow.after_commit,
                                     enqueue=syncs.append)  # fmt: skip
                uow.commit()
        return syncs

    def completed(self) -> int:
        with UnitOfWork(self.factory) as uow:
            statuses = uow.session.scalars(select(SyncItem.status)).all()
        return sum(status == "Completed" for status in statuses)


def baseline(start: Path, appended: bytes, work: Path) -> float:
    """Beancount alone: the same entries appended to the starting ledger in one write,
    then its loader once on the result."""
    copy = work / "baseline" / "books.beancount"
    copy.parent.mkdir()
    shutil.copyfile(start, copy)
    started = time.perf_counter()
    with copy.open("ab") as out:
        out.write(appended)
        out.flush()
        os.fsync(out.fileno())
    _, errors, _ = loader.load_file(str(copy))
    elapsed = time.perf_counter() - started
    if errors:
        raise SystemExit(f"Beancount refused the baseline ledger: {errors[0]}")
    return elapsed


def posting(chance: random.Random, number: int) -> Posting:
    lines = tuple(
        PostingLine(chance.choice(ACCOUNTS), Decimal(chance.randint(100, 500_00)) / 100,
                    Decimal("1.00"), "VAT20", (("trackingCategories", "DEPT-ENG"),))
        for _ in range(chance.randint(1, 3))
    )  # fmt: skip
    date = dt.date(2025, 1, 1) + dt.timedelta(days=number % 365)
    return Posting(key=str(uuid.uuid4()), revision=1, kind="expense", type="Payment",
                   date=date, currency="USD", currency_rate=None, lines=lines,
                   counter_account=CARD, payee=f"Merchant {number % 300}")  # fmt: skip


def per_write(work: Path, size: int, chance: random.Random) -> tuple[float, float]:
    """Median time of posting 500 expenses to a ledger of ``size`` expenses, and the
    time of one full load of that ledger."""
    folder = work / f"size-{size}"
    folder.mkdir()
    ledger = folder / "books.beancount"
    text = [new_ledger_text("Per write Ltd")]
    text += [render(posting(chance, n), {}, "USD") for n in range(size)]
    ledger.write_text("\n".join(text))
    started = time.perf_counter()
    _, errors, _ = loader.load_file(str(ledger))
    full_load = time.perf_counter() - started
    assert not errors, errors[0]
    books = BeancountConnector().open(LinkedBooks({"ledgerPath": str(ledger)}, {}, folder))
    books.check()  # the one full parse a process makes of a ledger it did not write
    timings = []
    for _ in range(5):
        batch = [posting(chance, n) for n in range(500)]
        started = time.perf_counter()
        books.post(batch)
        timings.append(time.perf_counter() - started)
    forget(ledger)
    return statistics.median(timings), full_load


class PostTimer:
    """Time spent inside the Beancount session's ``post`` (rendering, Beancount's checks
    and the appends), measured by wrapping the method for the length of the sync."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.calls = 0

    def __enter__(self) -> PostTimer:
        self.original = BeancountSession.post
        original = self.original

        def timed(session: BeancountSession, postings: list[Posting]) -> list[Posted]:
            started = time.perf_counter()
            try:
                return original(session, postings)
            finally:
                self.seconds += time.perf_counter() - started
                self.calls += 1

        BeancountSession.post = timed  # type: ignore[method-assign,assignment]
        return self

    def __exit__(self, *_: object) -> None:
        BeancountSession.post = self.original  # type: ignore[method-assign]


class Round(NamedTuple):
    intake: float
    sync: float
    posts: float
    writes: int
    baseline: float
    syncs: int

    @property
    def ratio(self) -> float:
        return self.sync / self.baseline


def one_round(args: argparse.Namespace, chance: random.Random, work: Path) -> Round:
    """A new data directory and ledger; intake, the timed sync, then the baseline."""
    setup = Setup(work, args.database_url)
    setup.refresh_cache()
    start = work / "start.beancount"
    shutil.copyfile(setup.ledger, start)
    bodies = [expense(chance, n) for n in range(args.expenses)]
    started = time.perf_counter()
    syncs = setup.submit(bodies, args.flow)
    intake_s = time.perf_counter() - started

    started = time.perf_counter()
    with PostTimer() as posts:
        for sync_id in syncs:
            outcome = sync_engine.run_sync(setup.factory, setup.settings, sync_id)
            if outcome.retry_in is not None:
                raise SystemExit(f"sync {sync_id} asked to be retried: see its status")
    sync_s = time.perf_counter() - started
    posted = setup.completed()
    if posted != args.expenses:
        raise SystemExit(f"only {posted} of {args.expenses} expenses were posted")
    _, errors, _ = loader.load_file(str(setup.ledger))
    if errors:
        raise SystemExit(f"Beancount refuses the synced ledger: {errors[0]}")
    appended = setup.ledger.read_bytes()[start.stat().st_size :]
    base_s = baseline(start, appended, work)
    setup.engine.dispose()
    forget(setup.ledger)  # the next round's sync must not find this one's parse
    return Round(intake_s, sync_s, posts.seconds, posts.calls, base_s, len(syncs))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--expenses", type=int, default=10_000)
    parser.add_argument("--flow", choices=("datasets", "requests"), default="datasets")
    parser.add_argument("--database-url", default="")
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seed", type=int, default=4)
    parser.add_argument("--gc", choices=("tuned", "default"), default="tuned")
    args = parser.parse_args()
    if args.gc == "tuned":
        tune_garbage_collector()

    chance = random.Random(args.seed)
    work = Path(tempfile.mkdtemp(prefix="es-bench-bean-"))
    try:
        rounds = []
        for number in range(args.rounds):
            folder = work / f"round-{number}"
            folder.mkdir()
            rounds.append(one_round(args, chance, folder))
            last = rounds[-1]
            print(f"round {number + 1}: sync {last.sync:5.2f} s, Beancount {last.baseline:5.2f} s,"
                  f" ratio {last.ratio:5.2f}x")  # fmt: skip
        middle = sorted(rounds, key=lambda r: r.ratio)[(len(rounds) - 1) // 2]  # median_low
        print(f"database: {args.database_url.split(':')[0] or 'sqlite'}  flow: {args.flow} "
              f"({middle.syncs} sync(s))  expenses: {args.expenses}  gc: {args.gc}  "
              f"median round of {args.rounds}:")  # fmt: skip
        print(f"intake (not part of the target)      : {middle.intake:7.2f} s")
        print(f"sync through the engine (run_sync)   : {middle.sync:7.2f} s")
        print(f"Beancount: append once + load_file   : {middle.baseline:7.2f} s")
        print(f"ratio sync / Beancount               : {middle.ratio:7.2f}x"
              "  (target <= 1.25)")  # fmt: skip
        print(f"  of which the connector's post()    : {middle.posts:7.2f} s in {middle.writes} "
              f"write(s), {middle.posts / middle.baseline:5.2f}x Beancount")  # fmt: skip
        print(f"  the rest of the engine (DB, checks): {middle.sync - middle.posts:7.2f} s")
        print("per write of 500 expenses (median of 5), by ledger size:")
        for size in (int(s) for s in args.sizes.split(",") if s):
            write_s, load_s = per_write(work, size, chance)
            print(f"  {size:>7} expenses: post {write_s * 1000:7.1f} ms   "
                  f"(one full load of that ledger: {load_s * 1000:8.1f} ms)")  # fmt: skip
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
