"""The reconciler's choices (what nobody is doing), lease renewal and the lease's token,
the broker URL and the worker's refusals, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from dramatiq.brokers.rabbitmq import RabbitmqBroker
from dramatiq.brokers.redis import RedisBroker
from dramatiq.brokers.stub import StubBroker
from typer.testing import CliRunner

from expense_sync.api.runtime import Runtime
from expense_sync.cli import app
from expense_sync.connectors.base import Posted, Posting, PostingLine, ValidationConnectorError
from expense_sync.storage.models import (
    Attachment,
    Client,
    Company,
    Connection,
    ExpenseTransaction,
    PullOperation,
    Sync,
    WebhookConsumer,
    WebhookDelivery,
    WebhookEvent,
)
from expense_sync.storage.uow import UnitOfWork
from expense_sync.sync import engine
from expense_sync.sync.engine import holder
from expense_sync.sync.executor import make_broker
from expense_sync.sync.reconciler import Unfinished, next_in_line, renew_leases, stale_work

LEASE = timedelta(seconds=60)


def _company(runtime: Runtime) -> uuid.UUID:
    with UnitOfWork(runtime.session_factory) as uow:
        client = Client(name=f"c-{uuid.uuid4().hex[:6]}")
        uow.session.add(client)
        uow.session.flush()
        company = Company(client_id=client.id, name="Co", products=[])
        uow.session.add(company)
        uow.commit()
        return company.id


def _sync(
    runtime: Runtime,
    company_id: uuid.UUID,
    requested: datetime,
    lease: datetime | None = None,
    completed: datetime | None = None,
    claimed_by: str | None = None,
    attempts: int = 0,
) -> uuid.UUID:
    with UnitOfWork(runtime.session_factory) as uow:
        sync = Sync(company_id=company_id, requested=requested, lease_expires=lease,
                    completed=completed, claimed_by=claimed_by, attempts=attempts)  # fmt: skip
        uow.session.add(sync)
        uow.commit()
        return sync.id


def _stale(runtime: Runtime, now: datetime) -> Unfinished:
    with UnitOfWork(runtime.session_factory) as uow:
        return stale_work(uow.session, now, LEASE)


def test_only_the_first_sync_in_line_nobody_holds_is_sent_again(runtime: Runtime) -> None:
    now = datetime.now(UTC)
    long_ago = now - 2 * LEASE
    dead = _company(runtime)  # its worker died: the lease ran out
    expired = _sync(runtime, dead, long_ago, lease=now - timedelta(seconds=1))
    _sync(runtime, dead, long_ago + timedelta(seconds=1))  # behind it: waits its turn
    running = _company(runtime)  # a live worker holds it
    _sync(runtime, running, long_ago, lease=now + timedelta(seconds=30))
    backoff = _company(runtime)  # waiting out a retry: holds its lease until then
    _sync(runtime, backoff, long_ago, lease=now + timedelta(seconds=5))
    fresh = _company(runtime)  # its message is probably still in the queue
    _sync(runtime, fresh, now - timedelta(seconds=5))
    lost = _company(runtime)  # nobody took it for a whole lease
    lost_sync = _sync(runtime, lost, long_ago)
    done = _company(runtime)
    _sync(runtime, done, long_ago, completed=now)

    assert set(_stale(runtime, now).syncs) == {expired, lost_sync}


def test_pulls_due_for_a_whole_lease_are_sent_again(runtime: Runtime) -> None:
    now = datetime.now(UTC)
    company_id = _company(runtime)
    with UnitOfWork(runtime.session_factory) as uow:
        connection = Connection(company_id=company_id, platform_key="bean", status="Linked",
                                connection_info={})  # fmt: skip
        uow.session.add(connection)
        uow.session.flush()
        pulls = {}
        for name, status, requested, next_attempt in [
            ("lost", "Queued", now - 2 * LEASE, None),
            ("fresh", "Queued", now - timedelta(seconds=5), None),
            ("backing off", "Queued", now - 2 * LEASE, now + timedelta(seconds=30)),
            ("retry lost", "Queued", now - 3 * LEASE, now - 2 * LEASE),
            ("finished", "Complete", now - 2 * LEASE, None),
        ]:
            pull = PullOperation(company_id=company_id, connection_id=connection.id,
                                 data_type="suppliers", status=status, requested=requested,
                                 next_attempt=next_attempt)  # fmt: skip
            uow.session.add(pull)
            uow.session.flush()
            pulls[name] = pull.id
        uow.commit()
    assert set(_stale(runtime, now).pulls) == {pulls["lost"], pulls["retry lost"]}


def test_receipts_of_landed_transactions_due_for_a_whole_lease_are_sent_again(
    runtime: Runtime,
) -> None:
    now = datetime.now(UTC)
    company_id = _company(runtime)
    sync_id = _sync(runtime, company_id, now - 3 * LEASE, completed=now - 2 * LEASE)
    receipts = {}
    with UnitOfWork(runtime.session_factory) as uow:
        for name, landed, status, created, next_attempt in [
            ("lost", "Completed", "Pending", now - 2 * LEASE, None),
            ("fresh", "Completed", "Pending", now - timedelta(seconds=5), None),
            ("not landed", "PushError", "Pending", now - 2 * LEASE, None),
            ("backing off", "Completed", "Pending", now - 2 * LEASE, now + timedelta(seconds=9)),
            ("retry lost", "Completed", "Pending", now - 3 * LEASE, now - 2 * LEASE),
            ("attached", "Completed", "Attached", now - 2 * LEASE, None),
        ]:
            row = ExpenseTransaction(company_id=company_id, transaction_id=str(uuid.uuid4()),
                                     kind="expense", body={}, status=landed)  # fmt: skip
            uow.session.add(row)
            uow.session.flush()
            receipt = Attachment(company_id=company_id, sync_id=sync_id,
                                 transaction_row_id=row.id, file_name="r.pdf",
                                 content_type="application/pdf", size=1, sha256="0" * 64,
                                 path="x", status=status, created=created,
                                 next_attempt=next_attempt)  # fmt: skip
            uow.session.add(receipt)
            uow.session.flush()
            receipts[name] = receipt.id
        uow.commit()
    assert set(_stale(runtime, now).receipts) == {receipts["lost"], receipts["retry lost"]}


def test_webhook_deliveries_due_for_a_whole_lease_are_sent_again(runtime: Runtime) -> None:
    now = datetime.now(UTC)
    company_id = _company(runtime)
    deliveries = {}
    with UnitOfWork(runtime.session_factory) as uow:
        company = uow.session.get(Company, company_id)
        assert company is not None
        consumer = WebhookConsumer(client_id=company.client_id, url="http://127.0.0.1:9/",
                                   event_types=["expenses.sync.successful"],
                                   encrypted_signing_secret="x")  # fmt: skip
        uow.session.add(consumer)
        for name, status, next_attempt in [
            ("lost", "Pending", now - 2 * LEASE),
            ("due soon", "Pending", now - timedelta(seconds=5)),
            ("backing off", "Pending", now + timedelta(seconds=30)),
            ("delivered", "Delivered", now - 2 * LEASE),
        ]:
            event = WebhookEvent(client_id=company.client_id, company_id=company_id,
                                 event_type="expenses.sync.successful", body={},
                                 generated=now)  # fmt: skip
            uow.session.add(event)
            uow.session.flush()
            delivery = WebhookDelivery(event_id=event.id, consumer_id=consumer.id, status=status,
                                       next_attempt=next_attempt)  # fmt: skip
            uow.session.add(delivery)
            uow.session.flush()
            deliveries[name] = delivery.id
        uow.commit()
    assert list(_stale(runtime, now).deliveries) == [deliveries["lost"]]


def test_a_finished_sync_wakes_the_next_in_line_and_only_then(runtime: Runtime) -> None:
    now = datetime.now(UTC)
    company_id = _company(runtime)
    first = _sync(runtime, company_id, now - timedelta(seconds=3), completed=now)
    second = _sync(runtime, company_id, now - timedelta(seconds=2))
    third = _sync(runtime, company_id, now - timedelta(seconds=1))
    with UnitOfWork(runtime.session_factory) as uow:
        assert next_in_line(uow.session, first) == second
        assert next_in_line(uow.session, second) is None  # unfinished: wakes nobody
        assert next_in_line(uow.session, third) is None


def test_renewal_extends_only_live_leases_of_unfinished_syncs_this_process_claimed(
    runtime: Runtime,
) -> None:
    now = datetime.now(UTC)
    company_id = _company(runtime)
    soon, me = now + timedelta(seconds=5), holder()
    live = _sync(runtime, company_id, now, lease=soon, claimed_by=me)
    taken = _sync(runtime, company_id, now, lease=soon, claimed_by="elsewhere:1")
    expired = _sync(runtime, company_id, now, lease=now - timedelta(seconds=5), claimed_by=me)
    free = _sync(runtime, company_id, now)
    finished = _sync(runtime, company_id, now, lease=soon, completed=now, claimed_by=me)
    until = now + timedelta(minutes=10)
    with UnitOfWork(runtime.session_factory) as uow:
        renew_leases(uow.session, [live, taken, expired, free, finished], until)
        uow.commit()
    with UnitOfWork(runtime.session_factory) as uow:
        leases = {s: uow.session.get_one(Sync, s).lease_expires for s in (live, expired, free)}
        taken_lease = uow.session.get_one(Sync, taken).lease_expires
        finished_lease = uow.session.get_one(Sync, finished).lease_expires
    assert leases[live] == until
    assert taken_lease == soon  # another worker claimed it since: its lease, not ours
    assert leases[expired] is not None and leases[expired] < now  # its worker is gone
    assert leases[free] is None
    assert finished_lease is not None and finished_lease < until


def test_a_run_whose_sync_was_claimed_again_neither_closes_nor_retries_it(
    runtime: Runtime,
) -> None:
    """A worker paused past its lease (its sync claimed since by another, attempt 2)
    comes back with attempt 1: its outcome and its retry are refused, the lease stays the
    new holder's; the new holder's own outcome closes the sync."""
    now = datetime.now(UTC)
    lease = now + timedelta(seconds=30)
    sync_id = _sync(runtime, _company(runtime), now, lease=lease, claimed_by="b:2", attempts=2)

    def state() -> tuple[datetime | None, datetime | None, str | None]:
        with UnitOfWork(runtime.session_factory) as uow:
            sync = uow.session.get_one(Sync, sync_id)
            return sync.completed, sync.lease_expires, sync.exception_message

    factory = runtime.session_factory
    engine._finish(factory, sync_id, 1, {})
    assert engine._retry_later(factory, sync_id, "books away", attempt=1).retry_in is None
    assert state() == (None, lease, None)
    assert engine._retry_later(factory, sync_id, "books away", attempt=2).retry_in is not None
    completed, backoff, message = state()
    assert completed is None and backoff is not None and backoff != lease
    assert message is not None and message.startswith("books away (try 2")
    engine._finish(factory, sync_id, 2, {})
    assert state()[0] is not None and state()[1] is None


def test_a_run_may_write_only_while_its_claim_holds_an_unexpired_lease(
    runtime: Runtime,
) -> None:
    now = datetime.now(UTC)
    company_id = _company(runtime)
    live = _sync(runtime, company_id, now, lease=now + LEASE, claimed_by=holder(), attempts=2)
    ran_out = _sync(runtime, company_id, now, lease=now - timedelta(seconds=1), attempts=1)
    done = _sync(runtime, company_id, now, lease=now + LEASE, completed=now, attempts=1)
    factory = runtime.session_factory
    assert engine._lease_held(factory, live, 2)
    assert not engine._lease_held(factory, live, 1)  # claimed again since: try 2 holds it
    assert not engine._lease_held(factory, ran_out, 1)  # this worker was paused past it
    assert not engine._lease_held(factory, done, 1)


class _Books:
    """Books that record each write and refuse a batch holding a posting keyed 'bad'."""

    def __init__(self) -> None:
        self.writes: list[list[str]] = []

    def post(self, postings: list[Posting]) -> list[Posted]:
        self.writes.append([p.key for p in postings])
        if len(postings) > 1 and any(p.key == "bad" for p in postings):
            raise ValidationConnectorError("refused")
        return [Posted(p.key, f"ref-{p.key}", p.revision) for p in postings]


def _posting(key: str) -> tuple[uuid.UUID, Posting]:
    line = PostingLine("Expenses:Travel", Decimal(10))
    return uuid.uuid4(), Posting(key, 1, "expense", "Payment", dt.date(2026, 11, 2), "USD",
                                 None, (line,))  # fmt: skip


@pytest.mark.parametrize(
    ("keys", "writes_allowed", "written", "told"),
    [
        (["a", "b", "c", "d", "e"], 1, [["a", "b"]], ["a", "b"]),  # lost between batches
        (["a", "bad", "c"], 2, [["a", "bad"], ["a"]], ["a"]),  # in a refused batch's retries
        (["a", "b", "c"], 0, [], []),  # lost before the first write
    ],
)
def test_a_run_whose_lease_is_lost_writes_nothing_more(
    keys: list[str], writes_allowed: int, written: list[list[str]], told: list[str]
) -> None:
    """The fence runs before every write to the books, the retries of a refused batch
    included; once it fails, the run stops writing."""
    books = _Books()
    fenced: list[int] = []

    def fence() -> None:
        fenced.append(len(books.writes))
        if len(books.writes) >= writes_allowed:
            raise engine.LeaseLost

    postings = [_posting(key) for key in keys]
    keys_of = {row_id: posting.key for row_id, posting in postings}
    outcomes = []
    with pytest.raises(engine.LeaseLost):
        for row_id, (status, _, _) in engine._post_exactly_once(books, postings, 2, fence):  # type: ignore[arg-type]
            outcomes.append((keys_of[row_id], status))
    assert books.writes == written
    assert fenced == list(range(len(written) + 1))  # once before each write, and the last
    assert outcomes == [(key, "Completed") for key in told]  # what landed is still told


def test_the_broker_url_picks_the_broker_or_says_what_is_accepted() -> None:
    assert isinstance(make_broker(""), StubBroker)
    assert isinstance(make_broker("redis://127.0.0.1:6379/3"), RedisBroker)
    assert isinstance(make_broker("amqp://guest:guest@127.0.0.1:5672/"), RabbitmqBroker)
    with pytest.raises(ValueError, match=r"EXPENSE_SYNC_BROKER_URL must be .*redis://"):
        make_broker("kafka://127.0.0.1:9092")


@pytest.mark.parametrize(
    ("environment", "reason"),
    [
        ({"EXPENSE_SYNC_BROKER_URL": ""}, "EXPENSE_SYNC_BROKER_URL is empty"),
        ({"EXPENSE_SYNC_BROKER_URL": "redis://127.0.0.1:6379/0"}, "is SQLite"),
        (
            {"EXPENSE_SYNC_BROKER_URL": "sqs://x",
             "EXPENSE_SYNC_DATABASE_URL": "postgresql+psycopg://u@127.0.0.1/db"},
            "EXPENSE_SYNC_BROKER_URL must be",
        ),
    ],
)  # fmt: skip
def test_the_worker_refuses_to_start_and_says_why(
    environment: dict[str, str], reason: str, tmp_path: Path
) -> None:
    result = CliRunner().invoke(
        app,
        ["worker", "--data-dir", str(tmp_path)],
        env={"EXPENSE_SYNC_DATABASE_URL": "", **environment},
    )
    assert result.exit_code == 2
    assert reason in " ".join(result.output.split())
