"""Idempotency-Key: a retried write answers like the first one and does nothing twice,
for Codat's 90 minutes; then the key is pruned and may be used again."""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError
from sqlalchemy import select, update

from expense_sync.api.runtime import Runtime
from expense_sync.config import Settings
from expense_sync.services import idempotency
from expense_sync.services.clients import hash_key
from expense_sync.storage.models import IdempotencyRecord
from expense_sync.storage.uow import UnitOfWork
from expense_sync.sync.reconciler import Reconciler
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


def _age(runtime: Runtime, key: str, minutes: float) -> None:
    """Make the record of ``key`` look ``minutes`` old."""
    with UnitOfWork(runtime.session_factory) as uow:
        uow.session.execute(
            update(IdempotencyRecord)
            .where(IdempotencyRecord.key == key)
            .values(created=datetime.now(UTC) - timedelta(minutes=minutes))
        )
        uow.commit()


def _companies(api: TestClient, tenant: Tenant) -> list[str]:
    listed = api.get("/companies", headers=tenant.headers).json()["results"]
    return sorted(company["name"] for company in listed)


def test_a_key_replays_for_90_minutes_then_is_a_new_request(
    api: TestClient, tenant: Tenant, runtime: Runtime
) -> None:
    assert runtime.settings.idempotency_key_seconds == 90 * 60  # Codat's window by default
    headers = tenant.headers | {"Idempotency-Key": "expiring"}
    first = api.post("/companies", json={"name": "Window"}, headers=headers)
    _age(runtime, "expiring", 89)
    replayed = api.post("/companies", json={"name": "Window"}, headers=headers)
    assert replayed.headers["idempotent-replayed"] == "true"
    assert replayed.json()["id"] == first.json()["id"]
    assert api.post("/companies", json={"name": "Other"}, headers=headers).status_code == 422

    _age(runtime, "expiring", 91)
    again = api.post("/companies", json={"name": "Window"}, headers=headers)
    assert again.status_code == 200 and "idempotent-replayed" not in again.headers
    assert again.json()["id"] != first.json()["id"]
    # ... and the key now replays the new answer, within a new window.
    assert api.post("/companies", json={"name": "Window"}, headers=headers).json() == again.json()

    _age(runtime, "expiring", 91)
    different = api.post("/companies", json={"name": "Reused"}, headers=headers)
    assert different.status_code == 200, different.text  # expired: a different body is fine
    assert _companies(api, tenant) == ["Reused", "Window", "Window"]


def test_the_window_is_a_setting(api: TestClient, tenant: Tenant, runtime: Runtime) -> None:
    runtime.settings.idempotency_key_seconds = 60.0
    headers = tenant.headers | {"Idempotency-Key": "short"}
    first = api.post("/companies", json={"name": "Short"}, headers=headers)
    _age(runtime, "short", 0.5)
    assert api.post("/companies", json={"name": "Short"}, headers=headers).json() == first.json()
    _age(runtime, "short", 2)
    assert api.post("/companies", json={"name": "Short"}, headers=headers).json() != first.json()


def test_the_setting_is_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EXPENSE_SYNC_IDEMPOTENCY_KEY_SECONDS", "600")
    assert Settings().idempotency_key_seconds == 600
    monkeypatch.setenv("EXPENSE_SYNC_IDEMPOTENCY_KEY_SECONDS", "0")
    with pytest.raises(ValidationError, match="idempotency_key_seconds"):
        Settings()


class _NoWork:
    """A sender for a reconciler that has nothing to re-send in these tests."""

    def sync(self, sync_id: uuid.UUID, *, delay_ms: int = 0) -> None:
        raise AssertionError("nothing to send")

    pull = push = attach = deliver = sync


def test_the_reconciler_prunes_expired_keys_and_keeps_live_ones(
    api: TestClient, tenant: Tenant, runtime: Runtime
) -> None:
    for key in ("old", "fresh"):
        api.post(
            "/companies", json={"name": key}, headers=tenant.headers | {"Idempotency-Key": key}
        )
    _age(runtime, "old", 91)
    _age(runtime, "fresh", 80)
    reconciler = Reconciler(
        runtime.session_factory, _NoWork(), every=60, lease=timedelta(minutes=5)
    )
    reconciler.beat()
    with UnitOfWork(runtime.session_factory) as uow:
        kept = uow.session.scalars(select(IdempotencyRecord.key)).all()
    assert kept == ["fresh"]
    assert reconciler.prune_idempotency_keys() == 0
    fresh = api.post(
        "/companies", json={"name": "fresh"}, headers=tenant.headers | {"Idempotency-Key": "fresh"}
    )
    assert fresh.headers["idempotent-replayed"] == "true"
