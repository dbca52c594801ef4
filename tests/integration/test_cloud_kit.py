"""The cloud kit's shared parts on a real database: the rate limiter shared by two
engines (two worker processes), the token rotation race, and the classification of a
platform's answers."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy.orm import Session, sessionmaker

from expense_sync.api.runtime import Runtime
from expense_sync.connectors.base import (
    FatalConnectorError,
    RateLimit,
    RetriableConnectorError,
    ValidationConnectorError,
)
from expense_sync.connectors.base.cloud import Limits, Observed, StoredTokens, Tokens
from expense_sync.connectors.base.cloud.classify import classify
from expense_sync.connectors.base.cloud.limits import retry_after_seconds
from expense_sync.connectors.xero.api import read_problem
from expense_sync.services.cloud_tokens import DatabaseTokenStore
from expense_sync.services.rate_limits import DatabaseRateLimiter
from expense_sync.services.secrets import SecretBox
from expense_sync.storage.db import make_engine
from expense_sync.storage.models import Client, Company, Connection, WebhookEvent
from expense_sync.storage.uow import UnitOfWork


@pytest.fixture
def second_process(runtime: Runtime) -> Iterator[sessionmaker[Session]]:
    """A second engine on the same database, as another worker process has."""
    engine = make_engine(runtime.settings.resolved_database_url)
    yield sessionmaker(bind=engine, expire_on_commit=False)
    engine.dispose()


def test_two_processes_share_one_minute_budget(
    runtime: Runtime, second_process: sessionmaker[Session]
) -> None:
    limits = Limits(per_minute=5, per_day=100, concurrent=5)
    workers = [DatabaseRateLimiter(runtime.session_factory), DatabaseRateLimiter(second_process)]
    made, refused = [], []
    for call in range(8):
        try:
            with workers[call % 2].slot("gbol:tenant", limits):
                made.append(call)
        except RetriableConnectorError as error:
            refused.append(error.retry_after)
    assert len(made) == 5 and len(refused) == 3
    # A minute, and the second's margin for the call's way to the platform (EDGE).
    assert all(wait is not None and 56 < wait <= 61 for wait in refused)
    with workers[0].slot("gbol:other-tenant", limits):  # another tenant has its own budget
        pass


def test_an_hour_budget_is_shared_beyond_the_minute(
    runtime: Runtime, second_process: sessionmaker[Session]
) -> None:
    """FreeAgent counts 120 a minute and 3,600 an hour: the hour is a window of its own."""
    limits = Limits.of(RateLimit(120, 60, per_hour=4))
    assert (limits.per_minute, limits.per_hour) == (120, 4)
    workers = [DatabaseRateLimiter(runtime.session_factory), DatabaseRateLimiter(second_process)]
    for call in range(4):
        with workers[call % 2].slot("fbrh:company", limits):
            pass
    with pytest.raises(RetriableConnectorError) as waiting, workers[0].slot("fbrh:company", limits):
        pass
    # An hour, and the second's margin for the call's way to the platform (EDGE).
    assert waiting.value.retry_after is not None and 3500 < waiting.value.retry_after <= 3601


def test_concurrency_is_shared_and_a_slot_is_given_back(
    runtime: Runtime, second_process: sessionmaker[Session]
) -> None:
    limits = Limits(per_minute=100, concurrent=1)
    first, second = (
        DatabaseRateLimiter(runtime.session_factory),
        DatabaseRateLimiter(second_process),
    )
    held, release = threading.Event(), threading.Event()

    def hold() -> None:
        with first.slot("t", limits):
            held.set()
            release.wait(10)

    holder = threading.Thread(target=hold)
    holder.start()
    assert held.wait(10)
    started = time.monotonic()
    with pytest.raises(RetriableConnectorError), second.slot("t", limits):
        pass
    assert time.monotonic() - started < 5  # a short wait, then the engine's turn
    release.set()
    holder.join()
    with second.slot("t", limits):  # the slot came back
        pass


def test_a_retry_after_stops_every_process(
    runtime: Runtime, second_process: sessionmaker[Session]
) -> None:
    limits = Limits(per_minute=60)
    DatabaseRateLimiter(runtime.session_factory).observe("t", limits, Observed(retry_after=30))
    with (
        pytest.raises(RetriableConnectorError) as waiting,
        DatabaseRateLimiter(second_process).slot("t", limits),
    ):
        pass
    assert waiting.value.retry_after is not None and 25 < waiting.value.retry_after <= 30


def test_the_platforms_remaining_count_is_honoured(runtime: Runtime) -> None:
    limiter = DatabaseRateLimiter(runtime.session_factory)
    limits = Limits(per_minute=60)
    limiter.observe("t", limits, Observed(minute_remaining=0))  # calls made elsewhere
    with pytest.raises(RetriableConnectorError), limiter.slot("t", limits):
        pass


def _connection(runtime: Runtime, tokens: Tokens) -> uuid.UUID:
    box = SecretBox(runtime.settings.secret_key_bytes)
    with UnitOfWork(runtime.session_factory) as uow:
        client = Client(name=f"c-{uuid.uuid4().hex[:6]}")
        uow.session.add(client)
        uow.session.flush()
        company = Company(client_id=client.id, name="Rotating Co")
        uow.session.add(company)
        uow.session.flush()
        connection = Connection(
            company_id=company.id,
            platform_key="gbol",
            status="Linked",
            encrypted_secrets=box.seal(tokens.as_secrets()),
        )
        uow.session.add(connection)
        uow.commit()
        return connection.id


def test_two_workers_refreshing_at_once_rotate_once(
    runtime: Runtime, second_process: sessionmaker[Session]
) -> None:
    """The platform accepts each refresh token once: the second worker must get the
    first worker's new tokens, never spend the old refresh token again."""
    old = Tokens("access-0", "refresh-0", datetime.now(UTC))
    connection_id = _connection(runtime, old)
    box = SecretBox(runtime.settings.secret_key_bytes)
    spent: list[str] = []
    lock = threading.Lock()

    def refresh(tokens: Tokens) -> Tokens:
        with lock:
            if tokens.refresh_token in spent:
                raise FatalConnectorError("invalid_grant: refresh token already used")
            spent.append(tokens.refresh_token)
        time.sleep(0.3)  # the platform answers while the other worker waits
        return Tokens("access-1", "refresh-1", datetime.now(UTC) + timedelta(minutes=30))

    stores = [
        DatabaseTokenStore(runtime.session_factory, box, connection_id),
        DatabaseTokenStore(second_process, box, connection_id),
    ]
    seen = [store.current() for store in stores]
    results: list[StoredTokens] = []
    errors: list[BaseException] = []

    def rotate(index: int) -> None:
        try:
            results.append(stores[index].rotate(seen[index], refresh))
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=rotate, args=(i,)) for i in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [] and spent == ["refresh-0"]
    assert {r.tokens.refresh_token for r in results} == {"refresh-1"}
    assert stores[0].current().tokens.refresh_token == "refresh-1"
    assert stores[0].current().version == seen[0].version + 1


def test_a_refused_refresh_deauthorizes_with_the_platforms_words(runtime: Runtime) -> None:
    connection_id = _connection(runtime, Tokens("a", "r", datetime.now(UTC)))
    store = DatabaseTokenStore(
        runtime.session_factory, SecretBox(runtime.settings.secret_key_bytes), connection_id
    )

    def refuse(tokens: Tokens) -> Tokens:
        raise FatalConnectorError("The platform withdrew access: invalid_grant")

    with pytest.raises(FatalConnectorError):
        store.rotate(store.current(), refuse)
    with UnitOfWork(runtime.session_factory) as uow:
        row = uow.session.get(Connection, connection_id)
        assert row is not None and row.status == "Deauthorized"
        assert row.errors and "invalid_grant" in row.errors[0]["errorMessage"]
        event = uow.session.query(WebhookEvent).one()
        assert event.event_type == "connection.disconnected"
        assert event.body["payload"]["connection"]["status"] == "Deauthorized"
    with pytest.raises(FatalConnectorError):  # and the tokens are no longer handed out
        store.current()


def _answer(status: int, body: object, **headers: str) -> httpx.Response:
    return httpx.Response(status, json=body, headers=headers)


def test_answers_are_classified_once() -> None:
    limited = classify(
        _answer(429, {}, **{"Retry-After": "17", "X-Rate-Limit-Problem": "minute"}),
        read_problem,
        "Xero",
    )
    assert isinstance(limited, RetriableConnectorError) and limited.retry_after == 17
    assert "minute" in limited.message
    down = classify(_answer(503, {"Title": "Service Unavailable"}), read_problem, "Xero")
    assert isinstance(down, RetriableConnectorError)
    gone = classify(_answer(403, {"Detail": "AuthorizationUnsuccessful"}), read_problem, "Xero")
    assert isinstance(gone, FatalConnectorError) and "AuthorizationUnsuccessful" in gone.message
    refused = classify(
        _answer(
            400,
            {
                "Type": "ValidationException",
                "Message": "A validation exception occurred",
                "Elements": [
                    {"ValidationErrors": [{"Message": "The TaxType code 'BAD' does not exist."}]}
                ],
            },
        ),
        read_problem,
        "Xero",
    )
    assert isinstance(refused, ValidationConnectorError)
    assert refused.field == "taxRateRef" and "'BAD' does not exist" in refused.message


def test_retry_after_reads_seconds_and_dates() -> None:
    assert retry_after_seconds("12") == 12.0
    now = datetime(2026, 12, 2, 5, 0, tzinfo=UTC)
    assert retry_after_seconds("Wed, 02 Dec 2026 05:00:30 GMT", now) == 30.0
    assert retry_after_seconds("soon") is None and retry_after_seconds(None) is None
