"""Linking Tryton through the API, refreshing its books and pushing to it, for real."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from expense_sync.api.runtime import Runtime
from expense_sync.storage.models import Connection
from tests.conftest import Tenant
from tests.tryton_server import Template, TrytonServer, running_tryton
from tests.waiting import wait_for


def _link(api: TestClient, tenant: Tenant, fields: dict[str, str]) -> tuple[str, str, dict]:
    company = api.post("/companies", json={"name": "Tryton Co"}, headers=tenant.headers).json()
    base = f"/companies/{company['id']}"
    connection = api.post(f"{base}/connections", json={"platformKey": "tryt"},
                          headers=tenant.headers).json()  # fmt: skip
    linked = api.put(f"{base}/connections/{connection['id']}/authorization", json=fields,
                     headers=tenant.headers)  # fmt: skip
    return base, f"{base}/connections/{connection['id']}", linked.json()


def test_link_refresh_and_push_through_the_api(
    api: TestClient, tenant: Tenant, tryton: TrytonServer, runtime: Runtime
) -> None:
    base, connection, linked = _link(api, tenant, tryton.fields)
    assert linked["status"] == "Linked", linked
    assert "password" not in linked["connectionInfo"]
    with runtime.session_factory() as session:
        row = session.get(Connection, __import__("uuid").UUID(linked["id"]))
        assert row is not None and row.encrypted_secrets and "admin" not in row.encrypted_secrets
    assert api.post(f"{base}/data/all", headers=tenant.headers).status_code == 204
    wait_for(lambda: all(p["isCompleted"] for p in api.get(f"{base}/data/history",
             headers=tenant.headers).json()["results"]), "Tryton pulls", timeout=60)  # fmt: skip
    status = api.get(f"{base}/dataStatus", headers=tenant.headers).json()
    assert {s["currentStatus"] for s in status.values()} == {"Complete"}, status
    info = api.get(f"{base}/data/info", headers=tenant.headers).json()
    assert info["companyName"] == "Dunder Mifflin"
    pushed = api.post(f"{connection}/push/suppliers", json={"supplierName": "Paper Co"},
                      headers=tenant.headers).json()  # fmt: skip
    key = pushed["pushOperationKey"]
    done = wait_for(lambda: (op := api.get(f"{base}/push/{key}", headers=tenant.headers).json())
                    ["status"] != "Pending" and op, "the Tryton push", timeout=60)  # fmt: skip
    assert done["status"] == "Success", done
    suppliers = api.get(f"{base}/data/suppliers", headers=tenant.headers).json()["results"]
    assert [s["supplierName"] for s in suppliers] == ["Paper Co"]


def test_a_wrong_password_is_a_400_on_the_password(
    api: TestClient, tenant: Tenant, tryton: TrytonServer
) -> None:
    _, _, refused = _link(api, tenant, tryton.fields | {"password": "nope"})
    assert refused["statusCode"] == 400
    assert refused["validation"]["errors"][0]["itemId"] == "password"


def test_an_unreachable_server_delays_a_push_without_losing_it(
    api: TestClient, tenant: Tenant, tryton_template: Template, tmp_path: Path
) -> None:
    with running_tryton(tryton_template, tmp_path / "gone") as server:
        base, connection, linked = _link(api, tenant, server.fields)
        assert linked["status"] == "Linked"
    # The server is down now.
    pushed = api.post(f"{connection}/push/customers", json={"customerName": "Later Ltd"},
                      headers=tenant.headers).json()  # fmt: skip
    url = f"{base}/push/{pushed['pushOperationKey']}"
    waiting = wait_for(lambda: (op := api.get(url, headers=tenant.headers).json())
                       ["errorMessage"] and op, "the first failed try")  # fmt: skip
    assert waiting["status"] == "Pending"
    assert "cannot be reached" in waiting["errorMessage"]
    assert "retrying in" in waiting["errorMessage"]
