"""Fixtures shared by the integration tests."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.conftest import Tenant
from tests.integration.test_ledger_data import Books

CARD = "Liabilities:CreditCard:Corporate"


@pytest.fixture
def books(api: TestClient, tenant: Tenant) -> Books:
    """A company on a fresh Beancount ledger, its cache refreshed, the card configured."""
    books = Books(api, tenant)
    books.refresh()
    saved = books.api.post(
        f"{books.company}/sync/expenses/config",
        headers=books.headers,
        json={
            "bankAccount": {"id": CARD},
            "supplier": {"id": None},
            "customer": {"id": None},
        },
    )
    assert saved.status_code == 200, saved.text
    return books
