"""No endpoint leaks across tenants: client A's key gets 404 for every object of client B."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient

from tests.conftest import Tenant
from tests.waiting import wait_for

TENANT_PARAMS = {"companyId", "connectionId", "apiKeyId", "webhookId", "deliveryId"}
SYNC_EVENTS = ["expenses.sync.successful", "expenses.sync.unsuccessful"]
EXPENSE = {
    "id": "6f1c0b8e-2d7a-4c3e-9a51-0d2b7e4f9c11",
    "type": "Payment",
    "issueDate": "2026-11-02",
    "currency": "USD",
    "bankAccountRef": {"id": "Liabilities:CreditCard:Corporate"},
    "lines": [{"netAmount": 10, "accountRef": {"id": "Expenses:Travel"}}],
}
BODIES: dict[str, Any] = {
    "replace-company": {"name": "Hijacked"},
    "update-company": {"name": "Hijacked"},
    "create-connection": {"platformKey": "bean"},
    "unlink-connection": {"status": "Unlinked"},
    "update-connection-authorization": {},
    "create-supplier": {"supplierName": "Intruder"},
    "update-supplier": {"supplierName": "Intruder"},
    "create-customer": {"customerName": "Intruder"},
    "update-customer": {"customerName": "Intruder"},
    "create-account": {
        "fullyQualifiedName": "Expenses:Intruder",
        "type": "Expense",
        "currency": "USD",
    },
    "create-bank-account": {"accountName": "Intruder", "accountType": "Debit", "currency": "USD"},
    "create-expense-transaction": [EXPENSE],
    "update-expense-transaction": {k: v for k, v in EXPENSE.items() if k != "id"},
    "create-reimbursable-expense-transaction": [],
    "update-reimbursable-expense-transaction": {},
    "create-transfer-transaction": {},
    "create-adjustment-transaction": [],
    "set-company-configuration": {},
    "create-expense-dataset": {"items": [EXPENSE]},
    "initiate-sync": {"datasetIds": ["6a3c56e5-0000-4000-8000-000000000001"]},
}


def _objects_of(api: TestClient, owner: Tenant) -> dict[str, str]:
    company = api.post("/companies", json={"name": "Secret Co"}, headers=owner.headers).json()
    connection = api.post(
        f"/companies/{company['id']}/connections",
        json={"platformKey": "bean"},
        headers=owner.headers,
    ).json()
    key = api.post("/apiKeys", json={"name": "secret"}, headers=owner.headers).json()
    hook = api.post(
        "/webhooks",
        json={"url": "https://b.test/hook", "eventTypes": SYNC_EVENTS},
        headers=owner.headers,
    ).json()
    company_url = f"/companies/{company['id']}"
    api.put(
        f"{company_url}/connections/{connection['id']}/authorization",
        json={},
        headers=owner.headers,
    )
    pull = api.post(f"{company_url}/data/queue/suppliers", headers=owner.headers).json()
    push = api.post(
        f"{company_url}/connections/{connection['id']}/push/suppliers",
        json={"supplierName": "Secret supplier"},
        headers=owner.headers,
    ).json()
    done = wait_for(
        lambda: (
            api.get(f"{company_url}/push/{push['pushOperationKey']}", headers=owner.headers).json()[
                "status"
            ]
            == "Success"
        ),
        "the other tenant's supplier push",
    )
    assert done
    sync = api.post(
        f"{company_url}/sync/expenses/expense-transactions", json=[EXPENSE], headers=owner.headers
    ).json()
    return {
        "companyId": company["id"],
        "connectionId": connection["id"],
        "apiKeyId": key["id"],
        "webhookId": hook["id"],
        "dataType": "suppliers",
        "datasetId": pull["id"],
        "pushOperationKey": push["pushOperationKey"],
        "supplierId": "SUP-0001",
        "syncId": sync["syncId"],
        "transactionId": EXPENSE["id"],
        "customerId": "CUS-0001",
        "deliveryId": wait_for(
            lambda: api.get(f"/webhooks/{hook['id']}/deliveries", headers=owner.headers).json()[
                "results"
            ],
            "the other tenant's webhook delivery",
        )[0]["id"],
    }


def test_every_route_with_a_tenant_object_answers_404_to_another_tenant(
    api: TestClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    theirs = _objects_of(api, other_tenant)
    before = api.get(f"/companies/{theirs['companyId']}", headers=other_tenant.headers).json()
    walked = set()
    # The published OpenAPI document is the list of every route a client can call.
    for template, operations in api.get("/openapi.json").json()["paths"].items():
        params = set(re.findall(r"{(\w+)}", template))
        if not params & TENANT_PARAMS:
            continue
        path = template
        for name in params:
            path = path.replace("{" + name + "}", theirs[name])
        for method, operation in operations.items():
            operation_id = operation["operationId"]
            response = api.request(
                method.upper(), path, json=BODIES.get(operation_id), headers=tenant.headers
            )
            assert response.status_code == 404, (method, template, response.text)
            assert response.json()["statusCode"] == 404
            walked.add(operation_id)
    assert {
        "get-company",
        "replace-company",
        "update-company",
        "delete-company",
        "list-connections",
        "create-connection",
        "get-connection",
        "delete-connection",
        "unlink-connection",
        "update-connection-authorization",
        "create-partner-expense-connection",
        "delete-api-key",
        "delete-webhook-consumer",
        "list-webhook-deliveries",
        "get-webhook-delivery",
        "retry-webhook-delivery",
        "create-expense-transaction",
        "update-expense-transaction",
        "get-sync-by-id",
        "list-sync-transactions",
        "get-sync-transaction",
        "set-company-configuration",
    } <= walked
    after = api.get(f"/companies/{theirs['companyId']}", headers=other_tenant.headers).json()
    assert after == before
    suppliers = api.get(
        f"/companies/{theirs['companyId']}/data/suppliers", headers=other_tenant.headers
    ).json()
    assert [s["supplierName"] for s in suppliers["results"]] == ["Secret supplier"]
    assert len(api.get("/apiKeys", headers=other_tenant.headers).json()["results"]) == 2
    assert len(api.get("/webhooks", headers=other_tenant.headers).json()["results"]) == 1


def test_lists_only_show_the_callers_objects(
    api: TestClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    _objects_of(api, other_tenant)
    assert api.get("/companies", headers=tenant.headers).json()["totalResults"] == 0
    assert api.get("/webhooks", headers=tenant.headers).json()["results"] == []
    assert [k["name"] for k in api.get("/apiKeys", headers=tenant.headers).json()["results"]] == [
        "tests"
    ]
