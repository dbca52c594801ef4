"""Integrations, API keys and webhook consumers (the Platform API subset)."""

from __future__ import annotations

import base64
import uuid

from fastapi.testclient import TestClient

from expense_sync.api.runtime import Runtime
from expense_sync.services.clients import hash_key
from expense_sync.storage.models import ApiKey, WebhookConsumer
from tests.conftest import Tenant

ALL_KEYS = {"bean", "tryt", "gbol", "qhyg", "akxx", "trji", "fbrh", "pqsw"}


def test_integrations_list_every_platform_with_its_manifest(
    api: TestClient, tenant: Tenant
) -> None:
    body = api.get("/integrations", headers=tenant.headers).json()
    assert {i["key"] for i in body["results"]} == ALL_KEYS
    assert body["totalResults"] == 8
    by_key = {i["key"]: i for i in body["results"]}
    assert by_key["bean"]["enabled"] is True
    assert by_key["gbol"]["enabled"] is True
    assert by_key["gbol"]["manifest"]["authKind"] == "OAuth2"
    assert by_key["qhyg"]["enabled"] is True
    assert by_key["qhyg"]["manifest"]["batchSize"] == 30
    assert by_key["fbrh"]["enabled"] is True
    assert by_key["fbrh"]["manifest"]["attachments"]["maxBytes"] == 5 * 1024 * 1024
    assert by_key["akxx"]["enabled"] is False
    assert "cannot be linked" in by_key["akxx"]["manifest"]["availabilityNote"]
    manifest = by_key["bean"]["manifest"]
    assert manifest["authKind"] == "LedgerFile"
    assert manifest["linkFields"][0]["name"] == "ledgerPath"
    assert manifest["attachments"]["maxBytes"] > 0
    assert "Payment" in manifest["transactionTypes"]
    assert by_key["pqsw"]["isOfflineConnector"] is True
    logo = api.get(by_key["bean"]["logoUrl"].split("testserver", 1)[1])
    assert logo.headers["content-type"].startswith("image/svg+xml")


def test_integrations_query_and_get(api: TestClient, tenant: Tenant) -> None:
    enabled = api.get("/integrations", params={"query": "enabled=true"}, headers=tenant.headers)
    assert {i["key"] for i in enabled.json()["results"]} == {
        "bean",
        "tryt",
        "gbol",
        "qhyg",
        "trji",
        "fbrh",
    }
    named = api.get(
        "/integrations",
        params={"query": "name~quickbooks", "orderBy": "-name"},
        headers=tenant.headers,
    )
    assert [i["name"] for i in named.json()["results"]] == [
        "QuickBooks Online",
        "QuickBooks Desktop",
    ]
    assert api.get("/integrations/tryt", headers=tenant.headers).json()["name"] == "Tryton"
    assert api.get("/integrations/nope", headers=tenant.headers).status_code == 404
    bad = api.get("/integrations", params={"query": "colour=red"}, headers=tenant.headers)
    assert bad.status_code == 400


def test_api_keys_are_shown_once_and_stored_hashed(
    api: TestClient, tenant: Tenant, runtime: Runtime
) -> None:
    created = api.post("/apiKeys", json={"name": "ci"}, headers=tenant.headers)
    assert created.status_code == 201
    key = created.json()["apiKey"]
    with runtime.session_factory() as session:
        stored = session.get(ApiKey, uuid.UUID(created.json()["id"]))
        assert (
            stored is not None and stored.key_hash == hash_key(key) and key not in stored.key_hash
        )
    listed = api.get("/apiKeys", headers=tenant.headers).json()["results"]
    assert {k["name"] for k in listed} == {"tests", "ci"}
    assert all("apiKey" not in k for k in listed)
    new_headers = {"Authorization": "Basic " + base64.b64encode(key.encode()).decode()}
    assert api.get("/companies", headers=new_headers).status_code == 200
    assert api.delete(f"/apiKeys/{created.json()['id']}", headers=tenant.headers).status_code == 204
    assert api.get("/companies", headers=new_headers).status_code == 401
    assert api.delete("/apiKeys/not-a-key", headers=tenant.headers).status_code == 404
    assert api.post("/apiKeys", json={"name": "x" * 51}, headers=tenant.headers).status_code == 400


def test_webhook_consumers(api: TestClient, tenant: Tenant, runtime: Runtime) -> None:
    company = api.post("/companies", json={"name": "Hooked"}, headers=tenant.headers).json()
    created = api.post(
        "/webhooks",
        json={
            "url": "https://example.test/hooks",
            "eventTypes": ["expenses.sync.successful", "expenses.sync.unsuccessful"],
            "companyId": company["id"],
        },
        headers=tenant.headers,
    )
    assert created.status_code == 201, created.text
    consumer = created.json()
    secret = consumer["signingSecret"]
    assert secret.startswith("whsec_") and len(base64.b64decode(secret[6:])) == 24
    assert consumer["companyId"] == company["id"]
    listed = api.get("/webhooks", headers=tenant.headers).json()["results"]
    assert [c["id"] for c in listed] == [consumer["id"]]
    assert "signingSecret" not in listed[0]
    with runtime.session_factory() as session:
        row = session.get(WebhookConsumer, uuid.UUID(consumer["id"]))
        assert row is not None and secret not in row.encrypted_signing_secret
        assert runtime.secrets.open(row.encrypted_signing_secret)["secret"] == secret
    assert api.delete(f"/webhooks/{consumer['id']}", headers=tenant.headers).status_code == 204
    assert api.get("/webhooks", headers=tenant.headers).json()["results"] == []


def test_bad_webhook_consumers_are_refused(api: TestClient, tenant: Tenant) -> None:
    cases = [
        ({"url": "not a url", "eventTypes": []}, 400, "url"),
        ({"url": "ftp://x.test", "eventTypes": []}, 400, "url"),
        ({"url": "https://x.test", "eventTypes": ["expenses.sync.maybe"]}, 400, "eventTypes"),
        ({"url": "https://x.test", "secret": "mine"}, 400, "secret"),
        ({"url": "https://x.test", "companyId": "00000000-0000-0000-0000-000000000000"}, 404, None),
    ]
    for body, status, item in cases:
        response = api.post("/webhooks", json=body, headers=tenant.headers)
        assert response.status_code == status, response.text
        if item:
            assert response.json()["validation"]["errors"][0]["itemId"] == item
    assert api.get("/webhooks", headers=tenant.headers).json()["results"] == []


def test_healthz_checks_the_database(api: TestClient) -> None:
    response = api.get("/healthz")
    assert response.status_code == 200 and response.json()["database"] == "ok"


def test_data_type_features_carry_both_spellings_of_codats_schema(
    api: TestClient, tenant: Tenant
) -> None:
    # Codat's dataTypeFeature defines `dataType` (its SDKs read it) yet requires `datatype`.
    features = api.get("/integrations/bean", headers=tenant.headers).json()["datatypeFeatures"]
    assert features and all(f["datatype"] == f["dataType"] for f in features)
    assert {"chartOfAccounts", "suppliers"} <= {f["dataType"] for f in features}


def test_an_unknown_authorization_field_is_named_even_when_its_name_is_empty(
    api: TestClient, tenant: Tenant
) -> None:
    company = api.post("/companies", json={"name": "Keys"}, headers=tenant.headers).json()
    url = f"/companies/{company['id']}/connections"
    connection = api.post(url, json={"platformKey": "bean"}, headers=tenant.headers).json()
    refused = api.put(
        f"{url}/{connection['id']}/authorization", json={"": "x"}, headers=tenant.headers
    )
    assert refused.status_code == 400, refused.text
    (problem,) = refused.json()["validation"]["errors"]
    assert problem["itemId"] == "" and "takes only ledgerPath" in problem["message"]
    kept = api.get(f"{url}/{connection['id']}", headers=tenant.headers).json()
    assert kept["status"] == "PendingAuth"
