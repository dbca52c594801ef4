"""Companies through the HTTP API, on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import Tenant


def create(api: TestClient, tenant: Tenant, **body: Any) -> dict[str, Any]:
    response = api.post("/companies", json=body, headers=tenant.headers)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def test_create_returns_every_contract_field(api: TestClient, tenant: Tenant) -> None:
    company = create(api, tenant, name="Company (Codat[1])", description="d", tags={"uid": "42"})
    assert company["name"] == "Company Codat1"
    assert company["description"] == "d"
    assert company["tags"] == {"uid": "42"}
    assert company["dataConnections"] == []
    assert company["referenceSubsidiaryCompanies"] == []
    assert company["referenceParentCompany"] is None
    assert company["lastSync"] is None
    assert company["products"] == ["expenses"]
    assert company["created"].endswith("Z")
    assert f"/link/{company['id']}?token=" in company["redirect"]
    fetched = api.get(f"/companies/{company['id']}", headers=tenant.headers).json()
    assert fetched == company


def test_replace_clears_what_is_not_sent_and_update_keeps_it(
    api: TestClient, tenant: Tenant
) -> None:
    company = create(api, tenant, name="Acme", description="first", tags={"region": "uk"})
    url = f"/companies/{company['id']}"
    patched = api.patch(url, json={"description": "second"}, headers=tenant.headers).json()
    assert (patched["name"], patched["description"], patched["tags"]) == (
        "Acme",
        "second",
        {"region": "uk"},
    )
    replaced = api.put(url, json={"name": "Acme 2"}, headers=tenant.headers).json()
    assert (replaced["name"], replaced["description"], replaced["tags"]) == ("Acme 2", None, {})
    retagged = api.patch(url, json={"tags": {"region": "us"}}, headers=tenant.headers).json()
    assert retagged["tags"] == {"region": "us"}


def test_delete_cascades_to_connections(api: TestClient, tenant: Tenant) -> None:
    company = create(api, tenant, name="Gone")
    connection = api.post(
        f"/companies/{company['id']}/connections",
        json={"platformKey": "bean"},
        headers=tenant.headers,
    ).json()
    assert api.delete(f"/companies/{company['id']}", headers=tenant.headers).status_code == 204
    assert api.get(f"/companies/{company['id']}", headers=tenant.headers).status_code == 404
    gone = api.get(
        f"/companies/{company['id']}/connections/{connection['id']}", headers=tenant.headers
    )
    assert gone.status_code == 404


def test_paging_envelope_and_links(api: TestClient, tenant: Tenant) -> None:
    for index in range(5):
        create(api, tenant, name=f"Company {index}")
    page = api.get("/companies?page=2&pageSize=2", headers=tenant.headers).json()
    assert (page["pageNumber"], page["pageSize"], page["totalResults"]) == (2, 2, 5)
    assert [c["name"] for c in page["results"]] == ["Company 2", "Company 3"]
    links = page["_links"]
    assert links["self"]["href"] == "/companies"
    assert links["current"]["href"] == "/companies?page=2&pageSize=2"
    assert links["next"]["href"] == "/companies?page=3&pageSize=2"
    assert links["previous"]["href"] == "/companies?page=1&pageSize=2"
    last = api.get("/companies?page=3&pageSize=2", headers=tenant.headers).json()
    assert "next" not in last["_links"] and len(last["results"]) == 1


def test_page_sizes_over_2000_are_served_as_2000(api: TestClient, tenant: Tenant) -> None:
    create(api, tenant, name="Only")
    page = api.get("/companies?pageSize=5000", headers=tenant.headers).json()
    assert page["pageSize"] == 2000
    assert page["_links"]["current"]["href"] == "/companies?page=1&pageSize=2000"


def test_query_language_and_order_by(api: TestClient, tenant: Tenant) -> None:
    for name in ("Alpha Ltd", "Beta Ltd", "Gamma Inc"):
        create(api, tenant, name=name, description=name.split()[1])

    def names(params: dict[str, str]) -> list[str]:
        response = api.get("/companies", params=params, headers=tenant.headers)
        assert response.status_code == 200, response.text
        return [c["name"] for c in response.json()["results"]]

    assert names({"query": "name~ltd"}) == ["Alpha Ltd", "Beta Ltd"]
    assert names({"query": "name!=Beta Ltd && description=Ltd"}) == ["Alpha Ltd"]
    assert names({"query": "name=Gamma Inc||(name~alp&&description=Ltd)"}) == [
        "Alpha Ltd",
        "Gamma Inc",
    ]
    assert names({"query": "created>2000-01-01T00:00:00Z", "orderBy": "-name"}) == [
        "Gamma Inc",
        "Beta Ltd",
        "Alpha Ltd",
    ]
    assert names({"query": "created<2000-01-01T00:00:00Z"}) == []


def test_contains_treats_wildcards_literally(api: TestClient, tenant: Tenant) -> None:
    create(api, tenant, name="Plain")
    response = api.get("/companies", params={"query": "name~%"}, headers=tenant.headers)
    assert response.json()["totalResults"] == 0


def test_tags_filter(api: TestClient, tenant: Tenant) -> None:
    create(api, tenant, name="UK Team", tags={"region": "uk", "team": "finance"})
    create(api, tenant, name="US Team", tags={"region": "us"})
    create(api, tenant, name="No Tags")

    def names(tags: str) -> list[str]:
        response = api.get("/companies", params={"tags": tags}, headers=tenant.headers)
        assert response.status_code == 200, response.text
        return sorted(c["name"] for c in response.json()["results"])

    assert names("region=uk") == ["UK Team"]
    assert names("region!=uk") == ["No Tags", "US Team"]
    assert names("team~fin && region=uk") == ["UK Team"]
    assert names("region=us || team=finance") == ["UK Team", "US Team"]
    bad = api.get("/companies", params={"tags": "region>uk"}, headers=tenant.headers)
    assert bad.status_code == 400 and bad.json()["validation"]["errors"][0]["itemId"] == "tags"


@pytest.mark.parametrize(
    ("params", "item", "fragment"),
    [
        ({"query": "name="}, "query", "Expected a value"),
        ({"query": "secret=1"}, "query", "queryable fields are"),
        ({"query": "created>yesterday"}, "query", "ISO 8601"),
        ({"query": "id=12"}, "query", "UUID"),
        ({"orderBy": "password"}, "orderBy", "Cannot order by"),
        ({"pageSize": "5001"}, "pageSize", "less than or equal to 5000"),
        ({"page": "0"}, "page", "greater than or equal to 1"),
        ({"pageSize": "ten"}, "pageSize", "integer"),
    ],
)
def test_bad_list_parameters_are_400_naming_the_parameter(
    api: TestClient, tenant: Tenant, params: dict[str, str], item: str, fragment: str
) -> None:
    response = api.get("/companies", params=params, headers=tenant.headers)
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["statusCode"] == 400 and body["correlationId"]
    assert body["validation"]["errors"][0]["itemId"] == item
    assert fragment in body["validation"]["errors"][0]["message"] + body["error"]


@pytest.mark.parametrize(
    ("content", "item"),
    [
        ('{"name": "x",}', "body"),
        ('{"name": 5}', "name"),
        ('{"name": "x", "colour": "red"}', "colour"),
        ('{"description": "no name"}', "name"),
        ('{"name": "()"}', "name"),
        ('{"name": "x", "tags": {"a": 1}}', "tags.a"),
        ("[]", "body"),
    ],
)
def test_bad_bodies_are_400_and_store_nothing(
    api: TestClient, tenant: Tenant, content: str, item: str
) -> None:
    headers = {**tenant.headers, "Content-Type": "application/json"}
    response = api.post("/companies", content=content, headers=headers)
    assert response.status_code == 400, response.text
    assert response.json()["validation"]["errors"][0]["itemId"] == item
    assert api.get("/companies", headers=tenant.headers).json()["totalResults"] == 0


def test_rejected_update_changes_nothing(api: TestClient, tenant: Tenant) -> None:
    company = create(api, tenant, name="Steady", tags={"a": "1"})
    url = f"/companies/{company['id']}"
    too_many = {f"k{i}": "v" for i in range(11)}
    assert api.patch(url, json={"tags": too_many}, headers=tenant.headers).status_code == 400
    assert api.put(url, json={"name": "()[]"}, headers=tenant.headers).status_code == 400
    assert api.get(url, headers=tenant.headers).json() == company


def test_non_uuid_ids_are_404_naming_the_parameter(api: TestClient, tenant: Tenant) -> None:
    # Codat declares 404, and no 400, for an id that names nothing (replace-company,
    # unlink-connection ...), so a malformed id is a 404 too, saying what an id looks like.
    company = api.post("/companies", json={"name": "Kept"}, headers=tenant.headers).json()
    url = f"/companies/{company['id']}"
    connection = api.post(
        f"{url}/connections", json={"platformKey": "bean"}, headers=tenant.headers
    ).json()
    requests = [
        ("GET", "/companies/not-a-uuid", None),
        ("PUT", "/companies/not-a-uuid", {"name": "Changed"}),
        ("PATCH", "/companies/not-a-uuid", {"name": "Changed"}),
        ("DELETE", "/companies/not-a-uuid", None),
        ("GET", f"{url}/connections/not-a-uuid", None),
        ("PATCH", f"{url}/connections/not-a-uuid", {"status": "Unlinked"}),
        ("DELETE", f"{url}/connections/not-a-uuid", None),
        ("GET", f"{url}/sync/expenses/syncs/not-a-uuid/status", None),
    ]
    for method, path, body in requests:
        response = api.request(method, path, json=body, headers=tenant.headers)
        assert response.status_code == 404, (method, path, response.text)
        error = response.json()
        problem = error["validation"]["errors"][0]
        assert problem["itemId"] in ("companyId", "connectionId", "syncId"), error
        assert "'not-a-uuid' names nothing" in error["error"]
        assert "must be a UUID such as" in problem["message"]
    assert api.get(url, headers=tenant.headers).json()["name"] == "Kept"
    kept = api.get(f"{url}/connections/{connection['id']}", headers=tenant.headers).json()
    assert kept["status"] == connection["status"]


def test_a_malformed_query_is_400_on_every_list(api: TestClient, tenant: Tenant) -> None:
    company = api.post("/companies", json={"name": "Acme"}, headers=tenant.headers).json()
    url = f"/companies/{company['id']}"
    for path in ("/companies", f"{url}/connections", f"{url}/push", f"{url}/data/history",
                 "/integrations"):  # fmt: skip
        for query in ("name==", "name==Acme", "name=>Acme"):
            response = api.get(path, params={"query": query}, headers=tenant.headers)
            assert response.status_code == 400, (path, query, response.text)
            (problem,) = response.json()["validation"]["errors"]
            assert problem["itemId"] == "query"
            assert "found another operator" in problem["message"], problem
    quoted = api.get("/companies", params={"query": 'name="Acme"'}, headers=tenant.headers)
    assert [c["name"] for c in quoted.json()["results"]] == ["Acme"]


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer abc"},
        {"Authorization": "Basic d3Jvbmc="},
        {"Authorization": "Basic"},
    ],
)
def test_missing_or_wrong_keys_are_401(api: TestClient, headers: dict[str, str]) -> None:
    response = api.get("/companies", headers=headers)
    assert response.status_code == 401
    assert response.json()["statusCode"] == 401
    assert "Basic" in response.json()["error"]


def test_every_response_carries_its_correlation_id(api: TestClient, tenant: Tenant) -> None:
    response = api.get("/companies/00000000-0000-0000-0000-000000000000", headers=tenant.headers)
    assert response.status_code == 404
    assert response.headers["x-correlation-id"] == response.json()["correlationId"]


def test_a_body_that_is_not_utf8_is_a_400_naming_the_body(api: TestClient, tenant: Tenant) -> None:
    company = api.post("/companies", json={"name": "Bytes"}, headers=tenant.headers).json()
    response = api.patch(
        f"/companies/{company['id']}",
        content=b'{"name": "\xff\xfe"}',
        headers=tenant.headers | {"Content-Type": "application/json"},
    )
    assert response.status_code == 400, response.text
    (problem,) = response.json()["validation"]["errors"]
    assert problem["itemId"] == "body" and "UTF-8" in problem["message"]
    assert api.get(f"/companies/{company['id']}", headers=tenant.headers).json()["name"] == "Bytes"
