"""The control API's tenants and state, the US seed, and the app-wide minute limit."""

from __future__ import annotations

import httpx
import pytest

from sandboxes.xero import Limits, RunningSandbox, SandboxConfig, run, run_process
from tests.sandboxes.xero.oauth import REDIRECT_URI, link


def test_tenants_are_created_from_a_seed_and_read_back(http: httpx.Client) -> None:
    created = http.post("/__sandbox__/tenants", json={"name": "Acme Inc", "seed": "demo-us"})
    assert created.status_code == 201
    tenant_id = created.json()["tenantId"]
    state = http.get(f"/__sandbox__/state/{tenant_id}").json()
    assert state["Organisation"]["BaseCurrency"] == "USD"
    assert state["Organisation"]["Name"] == "Acme Inc"
    assert {a["Code"] for a in state["Accounts"]} >= {"090", "600", "620"}
    assert [t["tenantName"] for t in http.get("/__sandbox__/tenants").json()] == ["Acme Inc"]
    assert http.get("/__sandbox__/state/nope").status_code == 404
    unknown = http.post("/__sandbox__/tenants", json={"seed": "mars"})
    assert unknown.status_code == 400 and "unknown seed" in unknown.json()["error"]


def test_the_us_seed_links_as_a_us_organisation() -> None:
    with run(SandboxConfig(seed="demo-us")) as xero, httpx.Client(base_url=xero.base_url) as http:
        linked = link(http, xero)
        organisation = http.get(
            "/api.xro/2.0/Organisation",
            headers={
                "Authorization": f"Bearer {linked.access_token}",
                "xero-tenant-id": linked.tenant_id,
            },
        ).json()["Organisations"][0]
        assert (organisation["CountryCode"], organisation["Version"]) == ("US", "US")


def test_the_app_minute_limit_spans_tenants() -> None:
    with (
        run(SandboxConfig(limits=Limits(app_per_minute=2))) as xero,
        httpx.Client(base_url=xero.base_url) as http,
    ):
        first, second = link(http, xero), link(http, xero)

        def organisation(linked_tenant: str, token: str) -> httpx.Response:
            return http.get(
                "/api.xro/2.0/Organisation",
                headers={"Authorization": f"Bearer {token}", "xero-tenant-id": linked_tenant},
            )

        assert organisation(first.tenant_id, first.access_token).status_code == 200
        assert organisation(second.tenant_id, second.access_token).status_code == 200
        refused = organisation(first.tenant_id, first.access_token)
        assert (refused.status_code, refused.headers["x-rate-limit-problem"]) == (429, "appminute")
        assert refused.headers["x-appminlimit-remaining"] == "0"


def test_an_unknown_seed_is_refused_at_start() -> None:
    with pytest.raises(ValueError, match="unknown seed 'mars'"), run(SandboxConfig(seed="mars")):
        pass


def test_running_sandbox_urls(xero: RunningSandbox) -> None:
    assert xero.api_url == f"{xero.base_url}/api.xro/2.0"
    assert xero.token_url == f"{xero.base_url}/connect/token"
    assert httpx.get(xero.connections_url).status_code == 401


def test_a_sandbox_in_its_own_process() -> None:
    config = SandboxConfig(limits=Limits(per_minute=1), redirect_uris=(REDIRECT_URI,))
    with run_process(config) as xero, httpx.Client(base_url=xero.base_url) as http:
        linked = link(http, xero)
        headers = {
            "Authorization": f"Bearer {linked.access_token}",
            "xero-tenant-id": linked.tenant_id,
        }
        assert http.get("/api.xro/2.0/Organisation", headers=headers).status_code == 200
        assert http.get("/api.xro/2.0/Organisation", headers=headers).status_code == 429
        assert xero.state(linked.tenant_id)["Organisation"]["Name"] == "Demo Company (UK)"
        assert xero.violations() == []
        with pytest.raises(RuntimeError, match="another process"):
            _ = xero.memory
    with pytest.raises(httpx.TransportError):
        httpx.get(xero.base_url, timeout=2)


def test_a_config_survives_json() -> None:
    config = SandboxConfig(
        limits=Limits(per_minute=7), redirect_uris=("http://a/cb",), seed="demo-us"
    )
    assert SandboxConfig.from_json(config.to_json()) == config
