"""Linking a company to the FreeAgent sandbox through our link page, as a customer
would: our page, FreeAgent's approval page, our callback. Shared by the FreeAgent tests."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from expense_sync.config import Settings
from sandboxes.freeagent import RunningSandbox, SandboxConfig, run
from tests.conftest import Tenant
from tests.connectors.xero_sandbox import local


@pytest.fixture
def sandbox() -> Iterator[RunningSandbox]:
    with run(SandboxConfig(auto_approve=True)) as running:
        yield running
        assert running.violations() == [], "requests or answers broke FreeAgent's schemas"


def freeagent_settings(settings: Settings, sandbox: RunningSandbox) -> Settings:
    return settings.model_copy(
        update={
            "freeagent_client_id": sandbox.config.client_id,
            "freeagent_client_secret": sandbox.config.client_secret,
            "freeagent_api_url": sandbox.base_url,
        }
    )


@dataclass
class Linked:
    api: TestClient
    tenant: Tenant
    company_id: str
    connection_id: str
    sandbox_company: str  # the sandbox's id of the FreeAgent company

    def connection(self) -> dict[str, Any]:
        url = f"/companies/{self.company_id}/connections/{self.connection_id}"
        response = self.api.get(url, headers=self.tenant.headers)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body


def start_consent(api: TestClient, tenant: Tenant, name: str) -> tuple[str, str, str]:
    """Our link page up to FreeAgent's approval URL: (company, connection, approval)."""
    company = api.post("/companies", json={"name": name}, headers=tenant.headers).json()
    connection = api.post(
        f"/companies/{company['id']}/connections",
        json={"platformKey": "fbrh"},
        headers=tenant.headers,
    ).json()
    page = api.get(local(connection["linkUrl"]))
    assert page.status_code == 200 and "Connect FreeAgent" in page.text, page.text
    action = re.search(r'action="([^"]*consent[^"]*)"', page.text)
    assert action is not None, page.text
    started = api.post(action.group(1).replace("&amp;", "&"), follow_redirects=False)
    assert started.status_code == 303, started.text
    return company["id"], connection["id"], started.headers["location"]


def link(api: TestClient, tenant: Tenant, sandbox: RunningSandbox, name: str = "FA Co") -> Linked:
    company_id, connection_id, consent = start_consent(api, tenant, name)
    assert consent.startswith(f"{sandbox.base_url}/v2/approve_app?")
    granted = httpx.get(consent, follow_redirects=False)  # the sandbox approves at once
    assert granted.status_code == 302, granted.text
    back = api.get(local(granted.headers["location"]), follow_redirects=False)
    assert back.status_code == 303, back.text
    done = api.get(local(back.headers["location"]))
    assert done.status_code == 200 and "FreeAgent connected" in done.text, done.text
    linked = Linked(api, tenant, company_id, connection_id, "")
    subdomain = linked.connection()["connectionInfo"]["subdomain"]
    linked.sandbox_company = subdomain.removeprefix("demo")
    return linked
