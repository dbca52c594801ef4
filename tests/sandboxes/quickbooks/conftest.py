"""A QuickBooks sandbox per test, over real HTTP, and linked companies on it."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from sandboxes.quickbooks import RunningSandbox, SandboxConfig, run
from tests.sandboxes.quickbooks.oauth import Linked, link


@pytest.fixture
def qbo() -> Iterator[RunningSandbox]:
    """A sandbox with default settings (no limits); its own answers must all keep the XSDs."""
    with run(SandboxConfig()) as running:
        yield running
        own = [v for v in running.violations() if v["kind"] == "response"]
        assert own == [], own


@pytest.fixture
def http(qbo: RunningSandbox) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=qbo.base_url, timeout=30) as client:
        yield client


def api_client(qbo: RunningSandbox, linked: Linked) -> httpx.Client:
    """A client of ``/v3/company/{realmId}`` as the connector will call it."""
    headers = {"Authorization": f"Bearer {linked.access_token}", "Accept": "application/json"}
    return httpx.Client(
        base_url=qbo.company_url(linked.realm_id),
        headers=headers,
        params={"minorversion": "75"},
        timeout=30,
    )


@pytest.fixture
def us(qbo: RunningSandbox, http: httpx.Client) -> Linked:
    return link(http, qbo, "new-us")


@pytest.fixture
def uk(qbo: RunningSandbox, http: httpx.Client) -> Linked:
    return link(http, qbo, "new-uk")


@pytest.fixture
def api(qbo: RunningSandbox, us: Linked) -> Iterator[httpx.Client]:
    with api_client(qbo, us) as client:
        yield client


@pytest.fixture
def uk_api(qbo: RunningSandbox, uk: Linked) -> Iterator[httpx.Client]:
    with api_client(qbo, uk) as client:
        yield client
