"""Linking a company to the Xero sandbox through our link page, as a customer would:
our page, Xero's consent page, our callback. Shared by the Xero connector tests."""

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
from sandboxes.xero import RunningSandbox, SandboxConfig, run
from tests.conftest import Tenant


@pytest.fixture
def sandbox() -> Iterator[RunningSandbox]:
    with run(SandboxConfig(auto_approve=True)) as running:
        yield running
        assert running.violations() == [], "requests or answers broke Xero's OpenAPI"


def xero_settings(settings: Settings, sandbox: RunningSandbox) -> Settings:
    return settings.model_copy(
        update={
            "xero_client_id": sandbox.config.client_id,
            "xero_client_secret": sandbox.config.client_secret,
            "xero_authorize_url": sandbox.authorize_url,
            "xero_identity_url": sandbox.base_url,
            "xero_api_url": sandbox.base_url,
        }
    )


@dataclass
class Linked:
    api: TestClient
    tenant: Tenant
    company_id: str
    connection_id: str
    tenant_id: str

    @property
    def company(self) -> str:
        return f"/companies/{self.company_id}"

    def connection(self) -> dict[str, Any]:
        url = f"{self.company}/connections/{self.connection_id}"
        response = self.api.get(url, headers=self.tenant.headers)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body


def local(url: str) -> str:
    """The path and query of one of our own URLs (the test client's host is fake)."""
    return "/" + url.split("://", 1)[1].split("/", 1)[1]


def start_consent(
    api: TestClient,
    tenant: Tenant,
    name: str,
    *,
    platform: str = "gbol",
    button: str = "Connect Xero",
) -> tuple[str, str, str]:
    """Our link page up to the platform's consent URL: (company, connection, consent)."""
    company = api.post("/companies", json={"name": name}, headers=tenant.headers).json()
    connection = api.post(
        f"/companies/{company['id']}/connections",
        json={"platformKey": platform},
        headers=tenant.headers,
    ).json()
    return company["id"], connection["id"], consent_url(api, connection["linkUrl"], button)


def consent_url(api: TestClient, link_url: str, button: str = "Connect Xero") -> str:
    """Our link page for a connection, up to the platform's consent URL."""
    page = api.get(local(link_url))
    assert page.status_code == 200 and button in page.text, page.text
    action = re.search(r'action="([^"]*consent[^"]*)"', page.text)
    assert action is not None, page.text
    started = api.post(action.group(1).replace("&amp;", "&"), follow_redirects=False)
    assert started.status_code == 303, started.text
    return str(started.headers["location"])


def link(api: TestClient, tenant: Tenant, name: str = "Xero Co") -> Linked:
    company_id, connection_id, consent = start_consent(api, tenant, name)
    consent_and_return(api, consent)
    linked = Linked(api, tenant, company_id, connection_id, "")
    linked.tenant_id = linked.connection()["connectionInfo"]["tenantId"]
    return linked


def relink(linked: Linked) -> None:
    """Link an existing connection again (after the platform de-authorized it), to the
    same organisation (the sandbox's consent page takes ``tenant``)."""
    consent = consent_url(linked.api, linked.connection()["linkUrl"])
    consent_and_return(linked.api, f"{consent}&tenant={linked.tenant_id}")


def consent_and_return(api: TestClient, consent: str) -> None:
    """The sandbox's consent page (it approves at once), then our callback."""
    granted = httpx.get(consent, follow_redirects=False)  # the sandbox approves at once
    assert granted.status_code in (302, 303), granted.text
    back = api.get(local(granted.headers["location"]), follow_redirects=False)
    assert back.status_code == 303, back.text
    done = api.get(local(back.headers["location"]))
    assert done.status_code == 200 and "Xero connected" in done.text, done.text


def books_of(runtime: Runtime, connection_id: str) -> LedgerSession:
    with UnitOfWork(runtime.session_factory) as uow:
        row = uow.session.get(Connection, uuid.UUID(connection_id))
        assert row is not None
        return open_books(uow.session, runtime.settings, row)
