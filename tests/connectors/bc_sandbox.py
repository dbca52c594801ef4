"""Linking a company to the Business Central sandbox through our link page, as a
customer would: our page, Microsoft's consent page, our callback."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from expense_sync.api.runtime import Runtime
from expense_sync.config import Settings
from expense_sync.connectors.base import LedgerSession
from expense_sync.services.books import open_books
from expense_sync.storage.models import Connection
from expense_sync.storage.uow import UnitOfWork
from sandboxes.business_central import RunningSandbox, SandboxConfig, run
from tests.conftest import Tenant
from tests.connectors.xero_sandbox import local

NAME = "Dynamics 365 Business Central"


@pytest.fixture
def sandbox() -> Iterator[RunningSandbox]:
    with run(SandboxConfig(auto_approve=True)) as running:
        yield running
        assert running.violations() == [], "requests or answers broke BC's v2.0 schemas"


def bc_settings(settings: Settings, sandbox: RunningSandbox) -> Settings:
    return settings.model_copy(
        update={
            "business_central_client_id": sandbox.config.client_id,
            "business_central_client_secret": sandbox.config.client_secret,
            "business_central_login_url": f"{sandbox.base_url}/{sandbox.config.tenant}",
            "business_central_api_url": sandbox.base_url,
        }
    )


@dataclass
class Linked:
    api: TestClient
    tenant: Tenant
    company_id: str
    connection_id: str
    bc_company: str = ""

    def connection(self) -> dict[str, Any]:
        url = f"/companies/{self.company_id}/connections/{self.connection_id}"
        response = self.api.get(url, headers=self.tenant.headers)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body


def start_consent(api: TestClient, tenant: Tenant, name: str) -> tuple[str, str, str]:
    company = api.post("/companies", json={"name": name}, headers=tenant.headers).json()
    connection = api.post(
        f"/companies/{company['id']}/connections",
        json={"platformKey": "trji"},
        headers=tenant.headers,
    ).json()
    page = api.get(local(connection["linkUrl"]))
    assert page.status_code == 200 and f"Connect {NAME}" in page.text, page.text
    action = re.search(r'action="([^"]*consent[^"]*)"', page.text)
    assert action is not None, page.text
    started = api.post(action.group(1).replace("&amp;", "&"), follow_redirects=False)
    assert started.status_code == 303, started.text
    return company["id"], connection["id"], started.headers["location"]


def link(api: TestClient, tenant: Tenant, name: str = "BC Co") -> Linked:
    company_id, connection_id, consent = start_consent(api, tenant, name)
    granted = httpx.get(consent, follow_redirects=False)  # the sandbox approves at once
    assert granted.status_code == 302, granted.text
    back = api.get(local(granted.headers["location"]), follow_redirects=False)
    assert back.status_code == 303, back.text
    done = api.get(local(back.headers["location"]))
    assert done.status_code == 200 and f"{NAME} connected" in done.text, done.text
    linked = Linked(api, tenant, company_id, connection_id)
    linked.bc_company = linked.connection()["connectionInfo"]["companyId"]
    return linked


def books_of(runtime: Runtime, connection_id: str) -> LedgerSession:
    with UnitOfWork(runtime.session_factory) as uow:
        row = uow.session.get(Connection, uuid.UUID(connection_id))
        assert row is not None
        return open_books(uow.session, runtime.settings, row)
