"""The executor: work survives restarts and lost messages, and is never done twice."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from beancount import loader
from beancount.core import data
from fastapi.testclient import TestClient
from sqlalchemy import select

from expense_sync.api.app import create_app
from expense_sync.api.runtime import Runtime
from expense_sync.config import Settings
from expense_sync.services import clients, push
from expense_sync.storage.models import PushOperation
from expense_sync.storage.uow import UnitOfWork
from tests.conftest import Tenant
from tests.waiting import wait_for


def _linked_books(api: TestClient, tenant: Tenant) -> tuple[str, str, Path]:
    company = api.post("/companies", json={"name": "Restart"}, headers=tenant.headers).json()
    connection = api.post(f"/companies/{company['id']}/connections", json={"platformKey": "bean"},
                          headers=tenant.headers).json()  # fmt: skip
    linked = api.put(
        f"/companies/{company['id']}/connections/{connection['id']}/authorization", json={},
        headers=tenant.headers,
    ).json()  # fmt: skip
    return company["id"], connection["id"], Path(linked["connectionInfo"]["ledgerPath"])


def _suppliers(ledger: Path) -> list[Any]:
    entries, errors, _ = loader.load_file(str(ledger))
    assert errors == []
    return [e for e in entries if isinstance(e, data.Custom) and e.type == "supplier"]


def test_work_queued_before_a_restart_is_done_after_it(
    runtime: Runtime, settings: Settings, tenant: Tenant
) -> None:
    with TestClient(create_app(runtime=runtime)) as api:
        company_id, connection_id, ledger = _linked_books(api, tenant)
    # The process "dies" with a push recorded but never run: nothing consumes its message.
    with UnitOfWork(runtime.session_factory) as uow:
        client_id = clients.authenticate(uow.session, tenant.key)
        operation = push.submit(
            uow.session, client_id, uuid.UUID(company_id), uuid.UUID(connection_id), "suppliers",
            {"supplierName": "Queued before the crash"}, timeout_in_minutes=None,
            on_commit=uow.after_commit, enqueue=lambda _: None,
        )  # fmt: skip
        uow.commit()
    restarted = Runtime.from_settings(settings)
    with TestClient(create_app(runtime=restarted)) as api:
        url = f"/companies/{company_id}/push/{operation.id}"
        done = wait_for(
            lambda: (
                (op := api.get(url, headers=tenant.headers).json())["status"] != "Pending" and op
            ),
            "the resumed push",
        )
    assert done["status"] == "Success"
    assert [s.meta["name"] for s in _suppliers(ledger)] == ["Queued before the crash"]


def test_a_push_rerun_after_its_write_landed_does_not_write_twice(
    api: TestClient, runtime: Runtime, tenant: Tenant
) -> None:
    company_id, connection_id, ledger = _linked_books(api, tenant)
    response = api.post(
        f"/companies/{company_id}/connections/{connection_id}/push/suppliers",
        json={"supplierName": "Exactly once"}, headers=tenant.headers,
    ).json()  # fmt: skip
    key = uuid.UUID(response["pushOperationKey"])
    wait_for(lambda: _suppliers(ledger), "the first write")
    # Simulate a crash after the ledger write but before the database recorded success.
    with UnitOfWork(runtime.session_factory) as uow:
        row = uow.session.scalar(select(PushOperation).where(PushOperation.id == key))
        assert row is not None
        wait_for(lambda: uow.session.refresh(row) or row.status == "Success", "success")
        row.status, row.completed, row.changes = "Pending", None, None
        uow.commit()
    push.run_push(runtime.session_factory, runtime.settings, key)
    assert len(_suppliers(ledger)) == 1
    final = api.get(f"/companies/{company_id}/push/{key}", headers=tenant.headers).json()
    assert final["status"] == "Success" and final["data"]["id"] == "SUP-0001"
