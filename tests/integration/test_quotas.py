"""Codat's quotas: a daily request quota per client, concurrent requests per company."""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient

from expense_sync.api.runtime import Runtime
from expense_sync.config import Settings
from expense_sync.domain.errors import QuotaExceeded
from expense_sync.services.quotas import CompanyConcurrency, count_request
from expense_sync.storage.uow import UnitOfWork
from tests.conftest import Tenant


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"daily_quota": 5})


def test_daily_quota_answers_429_with_retry_after(api: TestClient, tenant: Tenant) -> None:
    statuses = [api.get("/companies", headers=tenant.headers) for _ in range(6)]
    assert [r.status_code for r in statuses[:5]] == [200] * 5
    assert statuses[0].headers["X-Rate-Limit-Limit"] == "5"
    assert statuses[4].headers["X-Rate-Limit-Remaining"] == "0"
    refused = statuses[5]
    assert refused.status_code == 429
    assert refused.json()["statusCode"] == 429 and "resets at" in refused.json()["error"]
    assert 0 < int(refused.headers["Retry-After"]) <= 86_400


def test_linked_companies_raise_the_quota(api: TestClient, tenant: Tenant) -> None:
    company = api.post("/companies", json={"name": "Active"}, headers=tenant.headers).json()
    connection = api.post(
        f"/companies/{company['id']}/connections",
        json={"platformKey": "bean"},
        headers=tenant.headers,
    ).json()
    linked = api.put(
        f"/companies/{company['id']}/connections/{connection['id']}/authorization",
        json={},
        headers=tenant.headers,
    )
    assert linked.headers["X-Rate-Limit-Limit"] == "5"
    after = api.get("/companies", headers=tenant.headers)
    assert after.headers["X-Rate-Limit-Limit"] == "10"


def test_quota_resets_each_utc_day(runtime: Runtime, tenant: Tenant) -> None:
    with UnitOfWork(runtime.session_factory) as uow:
        from expense_sync.services.clients import authenticate

        client_id = authenticate(uow.session, tenant.key)
        day_one = datetime(2030, 1, 1, 23, 59, tzinfo=UTC)
        for _ in range(5):
            count_request(uow.session, client_id, 5, day_one)
        with pytest.raises(QuotaExceeded) as caught:
            count_request(uow.session, client_id, 5, day_one)
        assert caught.value.retry_after == 61
        state = count_request(uow.session, client_id, 5, datetime(2030, 1, 2, tzinfo=UTC))
        assert state.used == 1


def test_company_concurrency_limit() -> None:
    limiter = CompanyConcurrency(limit=2)
    company = uuid.uuid4()
    entered = threading.Barrier(3)
    release = threading.Event()
    outcomes: list[str] = []

    def hold() -> None:
        with limiter.hold(company):
            entered.wait()
            release.wait(5)

    holders = [threading.Thread(target=hold) for _ in range(2)]
    for thread in holders:
        thread.start()
    entered.wait()
    try:
        with limiter.hold(company):
            outcomes.append("entered")
    except QuotaExceeded as error:
        outcomes.append(f"refused {error.retry_after}")
    with limiter.hold(uuid.uuid4()):
        outcomes.append("other company fine")
    release.set()
    for thread in holders:
        thread.join()
    with limiter.hold(company):
        outcomes.append("free again")
    assert outcomes == ["refused 1", "other company fine", "free again"]
