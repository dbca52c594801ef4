"""Scale-out, under fire: ``serve`` sends work through Redis to two ``expense-sync worker``
processes on PostgreSQL; one worker is SIGKILLed while syncs are running, and every sync
still completes exactly once: each ledger holds exactly the postings sent to it, read
back with Beancount's loader. A RabbitMQ smoke test runs one company through one worker.

Each run uses a queue name of its own (``EXPENSE_SYNC_QUEUE_NAME``), so runs sharing a
broker never take each other's messages, and removes its queues afterwards.
"""

from __future__ import annotations

import base64
import os
import signal
import socket
import subprocess
import sys
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from beancount import loader
from beancount.core import data
from sqlalchemy import create_engine, text

from tests.e2e.server import running_server, started, wait_until_ready
from tests.services import missing_service, temporary_postgres_database
from tests.waiting import wait_for

REDIS_URL = os.environ.get("EXPENSE_SYNC_TEST_REDIS", "redis://127.0.0.1:6379/0")
RABBITMQ_URL = os.environ.get("EXPENSE_SYNC_TEST_RABBITMQ", "amqp://guest:guest@127.0.0.1:5672/")
COMPANIES = 20
SYNCS_PER_COMPANY = 5
WORKER_THREADS = 1  # each worker runs at most this many syncs (and holds as many leases)
BATCH = 25
CARD = "Liabilities:CreditCard:Corporate"


@pytest.fixture
def queue_name() -> str:
    return f"expense-sync-test-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def redis_url(queue_name: str) -> Iterator[str]:
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3)
    try:
        client.ping()
    except redis.RedisError as error:
        missing_service("Redis at 127.0.0.1:6379", str(error))
    yield REDIS_URL
    for key in client.scan_iter(f"dramatiq:{queue_name}*"):
        client.delete(key)
    client.close()


@pytest.fixture
def rabbitmq_url(queue_name: str) -> Iterator[str]:
    import pika
    import pika.exceptions

    try:
        connection = pika.BlockingConnection(pika.URLParameters(RABBITMQ_URL))
    except pika.exceptions.AMQPError as error:
        missing_service("RabbitMQ at 127.0.0.1:5672", repr(error))
        raise AssertionError("unreachable") from error
    connection.close()
    yield RABBITMQ_URL
    with pika.BlockingConnection(pika.URLParameters(RABBITMQ_URL)) as connection:
        channel = connection.channel()
        for name in (queue_name, f"{queue_name}.DQ", f"{queue_name}.XQ"):
            channel.queue_delete(name)


@pytest.fixture
def postgres() -> Iterator[str]:
    """A database of this test's own: ``serve`` mints the first key on an empty one."""
    with temporary_postgres_database() as url:
        yield url


def _environment(database_url: str, broker_url: str, queue_name: str) -> dict[str, str]:
    return {
        "EXPENSE_SYNC_DATABASE_URL": database_url,
        "EXPENSE_SYNC_BROKER_URL": broker_url,
        "EXPENSE_SYNC_QUEUE_NAME": queue_name,
        "EXPENSE_SYNC_SECRET_KEY": base64.urlsafe_b64encode(b"w" * 32).decode(),
        # Short, so a dead worker's syncs are handed out again within seconds.
        "EXPENSE_SYNC_SYNC_LEASE_SECONDS": "3",
        "EXPENSE_SYNC_RECONCILE_SECONDS": "0.5",
    }


@contextmanager
def running_worker(
    data_dir: Path, env: dict[str, str], name: str
) -> Iterator[subprocess.Popen[bytes]]:
    log = data_dir.parent / f"worker-{name}.log"
    command = [sys.executable, "-m", "expense_sync", "worker", "--threads", str(WORKER_THREADS),
               "--data-dir", str(data_dir)]  # fmt: skip

    def up() -> bool:
        return "expense-sync worker" in log.read_text()

    with started(command, log, env) as process:
        wait_until_ready(up, process, log, f"worker {name}")
        try:
            yield process
        finally:
            if process.poll() is None:  # a clean stop on SIGTERM, checked
                process.terminate()
                assert process.wait(30) == 0, f"worker {name} did not stop cleanly"


def _expense(company: int, number: int) -> dict[str, Any]:
    cents = 1000 + company * 100 + number  # every amount differs: a swap or a double shows
    return {
        "id": str(uuid.uuid4()),
        "type": "Refund" if number % 10 == 0 else "Payment",
        "issueDate": "2026-11-02",
        "currency": "USD",
        "merchantName": f"Merchant {company}-{number}",
        "lines": [
            {"netAmount": f"{Decimal(cents) / 100}", "accountRef": {"id": "Expenses:Travel"}}
        ],
    }


class Company:
    """A company linked to a fresh Beancount ledger, its card configured as bank account."""

    def __init__(self, http: httpx.Client, number: int) -> None:
        self.http, self.number = http, number
        company = http.post("/companies", json={"name": f"Worker Co {number}"}).json()["id"]
        self.base = f"/companies/{company}"
        connection = http.post(f"{self.base}/connections", json={"platformKey": "bean"})
        linked = http.put(
            f"{self.base}/connections/{connection.json()['id']}/authorization", json={}
        )
        self.ledger = Path(linked.json()["connectionInfo"]["ledgerPath"])
        self.sent: list[dict[str, Any]] = []
        self.syncs: list[str] = []

    def configure(self) -> None:
        """Pull the books (run by a worker), then name the card as the bank account."""
        assert self.http.post(f"{self.base}/data/all").status_code == 204
        wait_for(lambda: all(
            p["isCompleted"] for p in self.http.get(f"{self.base}/data/history").json()["results"]
        ), "pulls", timeout=120)  # fmt: skip
        saved = self.http.post(
            f"{self.base}/sync/expenses/config",
            json={"bankAccount": {"id": CARD}, "supplier": {"id": None}, "customer": {"id": None}},
        )
        assert saved.status_code == 200, saved.text

    def submit(self, batches: int) -> None:
        for _ in range(batches):
            batch = [_expense(self.number, len(self.sent) + n) for n in range(BATCH)]
            response = self.http.post(f"{self.base}/sync/expenses/expense-transactions", json=batch)
            assert response.status_code == 200, response.text
            self.sent += batch
            self.syncs.append(response.json()["syncId"])

    def statuses(self) -> list[int]:
        listed = self.http.get(f"{self.base}/sync/expenses/syncs/list/status").json()
        return [s["syncStatusCode"] for s in listed]

    def check_exactly_once(self) -> None:
        assert self.statuses() == [2000] * len(self.syncs), self.base
        for sync_id in self.syncs:
            listed = self.http.get(f"{self.base}/sync/expenses/syncs/{sync_id}/transactions")
            assert {t["status"] for t in listed.json()["results"]} == {"Completed"}, sync_id
        entries, errors, _ = loader.load_file(str(self.ledger))
        assert errors == []
        posted = [
            e for e in entries if isinstance(e, data.Transaction) and "expense-sync-id" in e.meta
        ]
        ids = [e.meta["expense-sync-id"] for e in posted]
        assert sorted(ids) == sorted(t["id"] for t in self.sent), self.ledger  # none twice
        card_total = sum(
            (p.units.number for e in posted for p in e.postings if p.account == CARD), Decimal(0)
        )
        expected = sum(
            (
                Decimal(t["lines"][0]["netAmount"]) * (1 if t["type"] == "Refund" else -1)
                for t in self.sent
            ),
            Decimal(0),
        )
        assert card_total == expected, self.ledger


def _client(url: str, key: str) -> httpx.Client:
    auth = {"Authorization": "Basic " + base64.b64encode(key.encode()).decode()}
    return httpx.Client(base_url=url, headers=auth, timeout=30)


def test_a_worker_killed_mid_sync_loses_and_repeats_nothing(
    tmp_path: Path, postgres: str, redis_url: str, queue_name: str
) -> None:
    env = _environment(postgres, redis_url, queue_name)
    data_dir = tmp_path / "data"
    database = create_engine(postgres)

    def finished() -> int:
        with database.connect() as connection:
            return connection.scalar(text("SELECT count(completed) FROM syncs")) or 0

    def attempts(sync_ids: list[uuid.UUID]) -> dict[uuid.UUID, tuple[int, bool]]:
        """Each sync's claims so far, and whether it is finished."""
        with database.connect() as connection:
            rows = connection.execute(
                text("SELECT id, attempts, completed IS NOT NULL FROM syncs WHERE id = ANY(:ids)"),
                {"ids": sync_ids},
            )
            return {row[0]: (row[1], row[2]) for row in rows}

    def frozen_holding_a_lease(worker: subprocess.Popen[bytes]) -> list[uuid.UUID]:
        """Stop ``worker`` (SIGSTOP) and return the unfinished syncs whose live lease it
        holds; if it holds none, let it go on (SIGCONT) and return none."""
        worker.send_signal(signal.SIGSTOP)
        with database.connect() as connection:
            held = connection.scalars(
                text(
                    "SELECT id FROM syncs WHERE completed IS NULL AND lease_expires > now() "
                    "AND claimed_by = :holder"
                ),
                {"holder": f"{socket.gethostname()}:{worker.pid}"},
            ).all()
        if not held:
            worker.send_signal(signal.SIGCONT)
        return list(held)

    with ExitStack() as stack:
        stack.callback(database.dispose)  # even when an assertion fails
        server = stack.enter_context(running_server(data_dir, env))
        doomed = stack.enter_context(running_worker(data_dir, env, "doomed"))
        stack.enter_context(running_worker(data_dir, env, "survivor"))
        http = stack.enter_context(_client(server.url, server.first_key))
        companies = [Company(http, n) for n in range(COMPANIES)]
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(Company.configure, companies))
            # One sync each first; once one has finished, the rest arrive, so there is
            # always work in hand when the kill comes (however fast or slow the machine).
            list(pool.map(lambda c: c.submit(1), companies))
            wait_for(lambda: finished() >= 1, "a first sync to finish", timeout=180)
            list(pool.map(lambda c: c.submit(SYNCS_PER_COMPANY - 1), companies))
        total = COMPANIES * SYNCS_PER_COMPANY
        # Kill the doomed worker while it holds a sync: stopped first, so it cannot finish
        # that sync between our look at the database and the kill.
        held = wait_for(
            lambda: frozen_holding_a_lease(doomed), "the doomed worker to hold a sync", 120
        )
        at_kill = attempts(held)
        doomed.send_signal(signal.SIGKILL)
        doomed.wait()
        assert finished() < total, "every sync finished before the kill; nothing tested"
        wait_for(lambda: finished() == total, "every sync to finish", timeout=120)
        for company in companies:
            company.check_exactly_once()
        after = attempts(held)
    # The syncs the dead worker held were claimed again by the survivor and finished.
    assert all(after[s][0] > at_kill[s][0] and after[s][1] for s in held), (at_kill, after)


def test_a_worker_on_rabbitmq_syncs_a_company(
    tmp_path: Path, postgres: str, rabbitmq_url: str, queue_name: str
) -> None:
    env = _environment(postgres, rabbitmq_url, queue_name)
    data_dir = tmp_path / "data"
    with (
        running_server(data_dir, env) as server,
        running_worker(data_dir, env, "rabbit"),
        _client(server.url, server.first_key) as http,
    ):
        company = Company(http, 0)
        company.configure()
        company.submit(2)
        wait_for(
            lambda: all(s not in (1000, 1010) for s in company.statuses()), "the syncs", timeout=120
        )
        company.check_exactly_once()
