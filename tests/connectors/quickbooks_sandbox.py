"""Linking a company to the QuickBooks sandbox through our link page, as a customer
would: our page, Intuit's consent page (choosing the company), our callback with
``realmId``. Shared by the QuickBooks connector tests."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from expense_sync.config import Settings
from sandboxes.quickbooks import RunningSandbox, SandboxConfig, run
from tests.conftest import Tenant
from tests.connectors.xero_sandbox import local, start_consent


@pytest.fixture
def sandbox() -> Iterator[RunningSandbox]:
    with run(SandboxConfig(auto_approve=True)) as running:
        yield running
        assert running.violations() == [], "requests or answers broke Intuit's XSDs"


def quickbooks_settings(settings: Settings, sandbox: RunningSandbox) -> Settings:
    return settings.model_copy(
        update={
            "quickbooks_client_id": sandbox.config.client_id,
            "quickbooks_client_secret": sandbox.config.client_secret,
            "quickbooks_authorize_url": sandbox.authorize_url,
            "quickbooks_token_url": sandbox.token_url,
            "quickbooks_api_url": sandbox.api_url,
        }
    )


@dataclass
class Linked:
    api: TestClient
    tenant: Tenant
    company_id: str
    connection_id: str
    realm_id: str

    @property
    def company(self) -> str:
        return f"/companies/{self.company_id}"

    def connection(self) -> dict[str, Any]:
        url = f"{self.company}/connections/{self.connection_id}"
        response = self.api.get(url, headers=self.tenant.headers)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body


def consent(api: TestClient, tenant: Tenant, name: str, company: str) -> tuple[str, str, str]:
    """Our link page up to Intuit's consent URL, choosing the sandbox's ``company``."""
    company_id, connection_id, url = start_consent(
        api, tenant, name, platform="qhyg", button="Connect QuickBooks Online"
    )
    return company_id, connection_id, f"{url}&sandbox_company={company}"


def link(api: TestClient, tenant: Tenant, company: str = "new-us", name: str = "QBO Co") -> Linked:
    """Link a fresh company of the sandbox (``new-us``, ``new-uk``) or a seeded one."""
    company_id, connection_id, url = consent(api, tenant, name, company)
    granted = httpx.get(url, follow_redirects=False)  # the sandbox approves at once
    assert granted.status_code in (302, 303), granted.text
    assert "realmId=" in granted.headers["location"]
    back = api.get(local(granted.headers["location"]), follow_redirects=False)
    assert back.status_code == 303, back.text
    done = api.get(local(back.headers["location"]))
    assert done.status_code == 200 and "QuickBooks Online connected" in done.text, done.text
    linked = Linked(api, tenant, company_id, connection_id, "")
    linked.realm_id = linked.connection()["connectionInfo"]["realmId"]
    return linked
