"""Linking Tryton through the API, refreshing its books and pushing to it, for real."""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path

from fastapi.testclient import TestClient

from expense_sync.api.runtime import Runtime
from expense_sync.connectors.tryton.client import TrytonClient
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


def test_an_expense_syncs_to_tryton_and_completes_with_its_reference(
    api: TestClient, tenant: Tenant, tryton: TrytonServer
) -> None:
    base, _, linked = _link(api, tenant, tryton.fields)
    assert linked["status"] == "Linked", linked
    assert api.post(f"{base}/data/all", headers=tenant.headers).status_code == 204
    wait_for(lambda: all(p["isCompleted"] for p in api.get(f"{base}/data/history",
             headers=tenant.headers).json()["results"]), "Tryton pulls", timeout=60)  # fmt: skip
    rpc = TrytonClient(tryton.url, tryton.database, "admin", "admin")
    services, cash = (
        rpc.call("account.account", "search", domain, 0, 1, None)[0]
        for domain in (
            [["type.expense", "=", True], ["name", "=", "Services"]],
            [["name", "=", "Cash and Cash Equivalents"]],
        )
    )
    config = api.post(f"{base}/sync/expenses/config", headers=tenant.headers,
                      json={"bankAccount": {"id": str(cash)}, "supplier": {"id": None},
                            "customer": {"id": None}})  # fmt: skip
    assert config.status_code == 200, config.text
    payment = {
        "id": str(uuid.uuid4()),
        "type": "Payment",
        "issueDate": dt.date.today().isoformat(),
        "currency": "USD",
        "merchantName": "Acme Air",
        "lines": [{"netAmount": 120.5, "accountRef": {"id": str(services)}}],
    }
    created = api.post(f"{base}/sync/expenses/expense-transactions", json=[payment],
                       headers=tenant.headers)  # fmt: skip
    assert created.status_code == 200, created.text
    sync_id = created.json()["syncId"]
    status = wait_for(
        lambda: (s := api.get(f"{base}/sync/expenses/syncs/{sync_id}/status",
                              headers=tenant.headers).json())["syncStatusCode"]
        not in (1000, 1010) and s,
        "the Tryton sync", timeout=60,
    )  # fmt: skip
    assert status["syncStatusCode"] == 2000, status
    (result,) = api.get(f"{base}/sync/expenses/syncs/{sync_id}/transactions",
                        headers=tenant.headers).json()["results"]  # fmt: skip
    assert result["transactionId"] == payment["id"] and result["status"] == "Completed", result
    reference = result["message"].removeprefix("Posted as ")
    assert reference.startswith("account.move,"), result
    (move,) = rpc.call("account.move", "read", [int(reference.split(",")[1])],
                       ["state", "description"])  # fmt: skip
    assert move["state"] == "posted"
    assert move["description"].startswith(f"expense-sync:{payment['id']}/1 ")
