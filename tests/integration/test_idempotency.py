"""Idempotency-Key: a retried write answers like the first one and does nothing twice."""

from __future__ import annotations

import hashlib
import uuid

from fastapi.testclient import TestClient

from expense_sync.api.runtime import Runtime
from expense_sync.services import idempotency
from expense_sync.services.clients import hash_key
from tests.conftest import Tenant
from tests.integration.test_expenses import BASE, CARD, expense


def _company(api: TestClient, tenant: Tenant) -> str:
    company = api.post("/companies", json={"name": "Idem Ltd"}, headers=tenant.headers).json()
    return f"/companies/{company['id']}{BASE}"


def test_a_repeated_write_replays_the_first_answer(
    api: TestClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    base = _company(api, tenant)
    body = [expense(bankAccountRef={"id": CARD})]
    headers = tenant.headers | {"Idempotency-Key": "order-1"}
    first = api.post(f"{base}/expense-transactions", json=body, headers=headers)
    second = api.post(f"{base}/expense-transactions", json=body, headers=headers)
    assert first.status_code == second.status_code == 200
    assert second.json() == first.json()
    assert second.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    assert len(api.get(f"{base}/syncs/list/status", headers=tenant.headers).json()) == 1

    other = api.post(
        f"{base}/expense-transactions", json=[expense(bankAccountRef={"id": CARD})], headers=headers
    )
    assert other.status_code == 422
    assert "different request" in other.json()["error"]

    # Another API key's identical key is its own.
    theirs = other_tenant.headers | {"Idempotency-Key": "order-1"}
    mine = api.post("/companies", json={"name": "Same key"}, headers=theirs)
    assert mine.status_code == 200 and mine.json()["name"] == "Same key"


def test_a_key_in_flight_is_a_409(api: TestClient, tenant: Tenant, runtime: Runtime) -> None:
    body = b'{"name": "Racing Ltd"}'
    fingerprint = hashlib.sha256(b"\n".join([b"POST", b"/companies", b"", body])).hexdigest()
    owner = hash_key(tenant.key)
    key = str(uuid.uuid4())
    assert idempotency.claim(runtime.session_factory, owner, key, fingerprint).outcome == "new"
    headers = tenant.headers | {"Idempotency-Key": key, "Content-Type": "application/json"}
    busy = api.post("/companies", content=body, headers=headers)
    assert busy.status_code == 409 and busy.json()["canBeRetried"] == "True"
    idempotency.finish(runtime.session_factory, owner, key, 503, b"", None)  # first one failed
    retried = api.post("/companies", content=body, headers=headers)
    assert retried.status_code == 200 and retried.json()["name"] == "Racing Ltd"


def test_refused_keys_are_400(api: TestClient, tenant: Tenant) -> None:
    response = api.post(
        "/companies", json={"name": "x"}, headers=tenant.headers | {"Idempotency-Key": "k" * 256}
    )
    assert response.status_code == 400 and "Idempotency-Key" in response.json()["error"]
