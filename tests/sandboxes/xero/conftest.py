"""A Xero sandbox per test, served over real HTTP, and a linked tenant on it."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from sandboxes.xero import RunningSandbox, SandboxConfig, run
from tests.sandboxes.xero.oauth import Linked, link


@pytest.fixture
def xero() -> Iterator[RunningSandbox]:
    """A sandbox with default settings (no limits); its own answers must all keep the spec."""
    with run(SandboxConfig()) as running:
        yield running
        own = [v for v in running.violations() if v["kind"] == "response"]
        assert own == [], own


@pytest.fixture
def http(xero: RunningSandbox) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=xero.base_url, timeout=30) as client:
        yield client


@pytest.fixture
def linked(xero: RunningSandbox, http: httpx.Client) -> Linked:
    """A new demo organisation linked through the consent page with PKCE."""
    return link(http, xero)


@pytest.fixture
def api(linked: Linked, xero: RunningSandbox) -> Iterator[httpx.Client]:
    """A client of the Accounting API for the linked tenant, as the connector will call it."""
    headers = {
        "Authorization": f"Bearer {linked.access_token}",
        "xero-tenant-id": linked.tenant_id,
        "Accept": "application/json",
    }
    with httpx.Client(base_url=xero.api_url, headers=headers, timeout=30) as client:
        yield client
