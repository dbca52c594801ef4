"""The control API, and a sandbox served in a process of its own."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlparse

import httpx
import pytest

from sandboxes.quickbooks import Limits, RunningSandbox, SandboxConfig, run_process
from tests.sandboxes.quickbooks.conftest import api_client
from tests.sandboxes.quickbooks.oauth import Linked, authorize_params, exchange
from tests.sandboxes.quickbooks.payloads import purchase


def test_companies_are_listed_and_added(qbo: RunningSandbox) -> None:
    listed = qbo.companies()
    assert {(c["country"], c["homeCurrency"]) for c in listed} == {("US", "USD"), ("GB", "GBP")}
    added = qbo.control("POST", "companies", {"seed": "uk", "name": "Tea Ltd"}).json()
    assert added["companyName"] == "Tea Ltd"
    assert qbo.state(added["realmId"])["CompanyInfo"][0]["CompanyName"] == "Tea Ltd"
    refused = httpx.post(f"{qbo.base_url}/__sandbox__/companies", json={"seed": "fr"})
    assert refused.status_code == 400
    with pytest.raises(KeyError):
        qbo.state("123")


def test_the_in_thread_memory_is_the_sandboxs(qbo: RunningSandbox) -> None:
    assert qbo.memory.seeded("uk").realm_id == qbo.realm("GB")
    assert qbo.memory.seeded("uk").multicurrency is True


def test_a_sandbox_in_its_own_process() -> None:
    config = SandboxConfig(limits=Limits(per_minute=3, window_seconds=30), auto_approve=True)
    with run_process(config) as qbo, httpx.Client(base_url=qbo.base_url) as http:
        with pytest.raises(RuntimeError):
            _ = qbo.memory
        params = {**authorize_params(qbo), "sandbox_company": "new-uk"}
        callback = http.get("/connect/oauth2", params=params)  # auto-approved: no page
        assert callback.status_code == 302
        query = dict(parse_qsl(urlparse(callback.headers["location"]).query))
        tokens = exchange(http, qbo, query["code"]).json()
        linked = Linked(tokens["access_token"], tokens["refresh_token"], query["realmId"], tokens)
        assert linked.realm_id not in (qbo.realm("US"), qbo.realm("GB"))
        with api_client(qbo, linked) as api:
            answer = api.post("/purchase", json=purchase())  # no VAT code: refused
            assert answer.json()["Fault"]["Error"][0]["code"] == "6000"
            assert api.post("/purchase", json={"PaymentType": "Card"}).status_code == 400
            # the refusal of the sandbox itself counts no call: 2 more reach the limit of 3
            assert api.get("/companyinfo/1").status_code == 200
            assert api.get("/companyinfo/1").status_code == 200
            assert api.get("/companyinfo/1").status_code == 429
        assert [v["kind"] for v in qbo.violations()] == ["request"]
        assert qbo.state(linked.realm_id)["country"] == "GB"
        assert qbo.control("GET", "calls").json()["refused"] == {linked.realm_id: 1}
