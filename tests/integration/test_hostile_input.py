"""Regression tests for inputs and races that once produced 5xx or broke a rule."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from contextlib import ExitStack
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from expense_sync.api.app import create_app
from expense_sync.api.runtime import Runtime
from expense_sync.services import clients, companies, connections
from expense_sync.storage.models import ApiKey, Connection
from expense_sync.storage.uow import UnitOfWork
from tests.conftest import Tenant

JSON = {"Content-Type": "application/json"}


def company_of(api: TestClient, tenant: Tenant) -> dict[str, Any]:
    result: dict[str, Any] = api.post(
        "/companies", json={"name": "Target"}, headers=tenant.headers
    ).json()
    return result


@pytest.mark.parametrize(
    ("content", "item"),
    [
        ('{"name": "x", "tags": {"\\ud800": "v"}}', "tags.\\ud800"),
        ('{"name": "x", "\\ud800": 1}', "\\ud800"),
        ('{"name": "x\\u0000y"}', "name"),
        ('{"name": "x", "tags": {"k": "\\udfff"}}', "tags.k"),
    ],
)
def test_unencodable_text_is_a_400_naming_the_field(
    api: TestClient, tenant: Tenant, content: str, item: str
) -> None:
    response = api.post("/companies", content=content, headers={**tenant.headers, **JSON})
    assert response.status_code == 400, response.text
    assert response.json()["validation"]["errors"][0]["itemId"] == item


def test_unencodable_authorization_fields_are_400(api: TestClient, tenant: Tenant) -> None:
    company = company_of(api, tenant)
    connection = api.post(
        f"/companies/{company['id']}/connections",
        json={"platformKey": "bean"},
        headers=tenant.headers,
    ).json()
    url = f"/companies/{company['id']}/connections/{connection['id']}/authorization"
    response = api.put(url, content='{"\\ud800": "x"}', headers={**tenant.headers, **JSON})
    assert response.status_code == 400, response.text


@pytest.mark.parametrize(
    "query",
    [
        "created>9999-12-31T23:59:59-14:00",
        "created<0001-01-01T00:00:00+14:00",
        "(" * 900 + "name=a" + ")" * 900,
    ],
)
def test_queries_that_once_crashed_are_400(api: TestClient, tenant: Tenant, query: str) -> None:
    for path in ("/companies", "/integrations"):
        response = api.get(path, params={"query": query}, headers=tenant.headers)
        assert response.status_code == 400, (path, response.text)
    assert api.get("/companies", params={"tags": query}, headers=tenant.headers).status_code == 400


def test_dates_without_zone_or_time_are_read_as_utc(api: TestClient, tenant: Tenant) -> None:
    company_of(api, tenant)
    for value in ("2000-01-01", "2000-01-01T00:00:00"):
        response = api.get("/companies", params={"query": f"created>{value}"},
                           headers=tenant.headers)  # fmt: skip
        assert response.json()["totalResults"] == 1


def test_tag_keys_with_any_letters_can_be_filtered(api: TestClient, tenant: Tenant) -> None:
    api.post("/companies", json={"name": "FR", "tags": {"région": "Île", "cost-centre": "A"}},
             headers=tenant.headers)  # fmt: skip
    for tags in ("région=Île", "cost-centre=A", "région~île"):
        response = api.get("/companies", params={"tags": tags}, headers=tenant.headers)
        assert response.json()["totalResults"] == 1, tags


def test_webhook_url_longer_than_storage_is_a_400(api: TestClient, tenant: Tenant) -> None:
    body = {"url": "https://example.com/" + "a" * 1990, "eventTypes": []}
    response = api.post("/webhooks", json=body, headers=tenant.headers)
    assert response.status_code == 400
    assert response.json()["validation"]["errors"][0]["itemId"] == "url"
    tags = {"url": "https://example.com", "companyTags": ["x" * 129]}
    assert api.post("/webhooks", json=tags, headers=tenant.headers).status_code == 400


def test_oversized_bodies_are_413(api: TestClient, tenant: Tenant) -> None:
    content = '{"name": "' + "a" * (1024 * 1024 + 10) + '"}'
    response = api.post("/companies", content=content, headers={**tenant.headers, **JSON})
    assert response.status_code == 413
    assert response.json()["statusCode"] == 413
    assert api.get("/companies", headers=tenant.headers).json()["totalResults"] == 0


def test_wrong_content_type_says_to_send_json(api: TestClient, tenant: Tenant) -> None:
    response = api.post("/companies", content="name=x", headers={
        **tenant.headers, "Content-Type": "application/x-www-form-urlencoded"})  # fmt: skip
    assert response.status_code == 400
    assert "application/json" in response.json()["error"]


def test_an_unexpected_error_keeps_one_correlation_id(runtime: Runtime) -> None:
    app = create_app(runtime=runtime)

    @app.get("/explode")
    def explode() -> None:
        raise RuntimeError("boom")

    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/explode", headers={"X-Correlation-Id": "trace-me-1"})
    assert response.status_code == 500
    assert response.json()["correlationId"] == "trace-me-1"
    assert response.headers["x-correlation-id"] == "trace-me-1"
    assert response.json()["canBeRetried"] == "True"


def test_other_clients_cannot_use_up_a_companys_slots(
    api: TestClient, tenant: Tenant, other_tenant: Tenant, runtime: Runtime
) -> None:
    company = company_of(api, tenant)
    company_id = uuid.UUID(company["id"])
    with ExitStack() as slots:  # all of the owner's slots busy
        for _ in range(runtime.concurrency.limit):
            slots.enter_context(runtime.concurrency.hold((_client_id(runtime, tenant), company_id)))
        foreign = api.get(f"/companies/{company_id}", headers=other_tenant.headers)
        assert foreign.status_code == 404
        own = api.get(f"/companies/{company_id}", headers=tenant.headers)
        assert own.status_code == 429 and own.headers["Retry-After"] == "1"
    assert api.get(f"/companies/{company_id}", headers=tenant.headers).status_code == 200


def _race(times: int, action: Callable[[], None]) -> list[BaseException]:
    errors: list[BaseException] = []
    start = threading.Barrier(times)

    def run() -> None:
        start.wait()
        try:
            action()
        except BaseException as error:  # collected and asserted by the caller
            errors.append(error)

    threads = [threading.Thread(target=run) for _ in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def _client_id(runtime: Runtime, tenant: Tenant) -> uuid.UUID:
    with UnitOfWork(runtime.session_factory) as uow:
        return clients.authenticate(uow.session, tenant.key)


def test_concurrent_tag_replacements_all_succeed(
    api: TestClient, tenant: Tenant, runtime: Runtime
) -> None:
    company_id = uuid.UUID(company_of(api, tenant)["id"])
    client_id = _client_id(runtime, tenant)
    counter = iter(range(100))

    def retag() -> None:
        with UnitOfWork(runtime.session_factory) as uow:
            n = next(counter)
            changes = companies.CompanyChanges(tags={"run": str(n), "shared": "x"})
            companies.update_company(uow.session, client_id, company_id, changes)
            uow.commit()

    assert _race(8, retag) == []
    tags = api.get(f"/companies/{company_id}", headers=tenant.headers).json()["tags"]
    assert set(tags) == {"run", "shared"}


def test_concurrent_partner_connections_make_one(
    api: TestClient, tenant: Tenant, runtime: Runtime
) -> None:
    company_id = uuid.UUID(company_of(api, tenant)["id"])
    client_id = _client_id(runtime, tenant)

    def partner() -> None:
        with UnitOfWork(runtime.session_factory) as uow:
            connections.create_partner_expense_connection(uow.session, client_id, company_id)
            uow.commit()

    assert _race(8, partner) == []
    with UnitOfWork(runtime.session_factory) as uow:
        count = uow.session.scalar(select(func.count()).where(Connection.company_id == company_id))
    assert count == 1


def test_concurrent_key_creation_respects_the_cap(runtime: Runtime, tenant: Tenant) -> None:
    client_id = _client_id(runtime, tenant)

    def make_key() -> None:
        with UnitOfWork(runtime.session_factory) as uow:
            clients.create_api_key(uow.session, client_id, "race")
            uow.commit()

    errors = _race(12, make_key)
    with UnitOfWork(runtime.session_factory) as uow:
        count = uow.session.scalar(select(func.count()).where(ApiKey.client_id == client_id))
    assert count == clients.MAX_KEYS_PER_CLIENT
    assert len(errors) == 12 + 1 - clients.MAX_KEYS_PER_CLIENT
    assert all("at most" in str(e) for e in errors)
