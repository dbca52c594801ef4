"""The Tryton connector against a real trytond server over JSON-RPC."""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path

import pytest

from expense_sync.connectors.base import (
    FatalConnectorError,
    LedgerSession,
    LinkContext,
    LinkedBooks,
    RetriableConnectorError,
)
from expense_sync.connectors.tryton import TrytonConnector
from expense_sync.connectors.tryton.client import TrytonClient
from tests.connectors.conformance import ConnectorConformance
from tests.e2e.server import free_port
from tests.tryton_server import TrytonServer


@pytest.fixture
def connector() -> TrytonConnector:
    return TrytonConnector()


def _context(tmp_path: Path) -> LinkContext:
    return LinkContext(uuid.uuid4(), uuid.uuid4(), tmp_path, tmp_path, "Tryton Co")


@pytest.fixture
def books(connector: TrytonConnector, tryton: TrytonServer, tmp_path: Path) -> LedgerSession:
    linked = connector.authorize(_context(tmp_path), tryton.fields)
    return connector.open(LinkedBooks(linked.connection_info, linked.secrets, tmp_path))


class TestTrytonConformance(ConnectorConformance):
    pass


def test_authorize_keeps_the_password_secret(
    connector: TrytonConnector, tryton: TrytonServer, tmp_path: Path
) -> None:
    linked = connector.authorize(_context(tmp_path), tryton.fields)
    assert linked.secrets == {"password": "admin"}
    assert "password" not in linked.connection_info
    assert linked.connection_info["companyId"] == "1"


def test_a_wrong_password_names_the_field(
    connector: TrytonConnector, tryton: TrytonServer, tmp_path: Path
) -> None:
    with pytest.raises(FatalConnectorError) as caught:
        connector.authorize(_context(tmp_path), tryton.fields | {"password": "wrong"})
    assert caught.value.field == "password"


def test_an_unreachable_server_is_retriable(connector: TrytonConnector, tmp_path: Path) -> None:
    fields = {"url": f"http://127.0.0.1:{free_port()}", "database": "books",
              "username": "admin", "password": "admin"}  # fmt: skip
    with pytest.raises(RetriableConnectorError, match="cannot be reached"):
        connector.authorize(_context(tmp_path), fields)


def test_reads_map_tryton_models(books: LedgerSession) -> None:
    accounts = {a["name"]: a for a in books.read("chartOfAccounts")}
    assert accounts["Cash and Cash Equivalents"]["type"] == "Asset"
    assert accounts["Cash and Cash Equivalents"]["isBankAccount"] is True
    assert accounts["Services"]["type"] in ("Income", "Expense")
    company = books.read("company")[0]
    assert company["companyName"] == "Dunder Mifflin" and company["baseCurrency"] == "USD"


def test_an_account_tryton_counts_inactive_is_read_as_archived(
    books: LedgerSession, tryton: TrytonServer
) -> None:
    """Tryton counts an account inactive when its dates leave out the current fiscal
    year; it is still in the chart, as Archived (and so not offered for mapping)."""
    old, kept = books.create("chartOfAccounts", [
        {"name": "Old Travel", "fullyQualifiedName": "Old Travel", "type": "Expense"},
        {"name": "Travel", "fullyQualifiedName": "Travel", "type": "Expense"},
    ])  # fmt: skip
    raw = TrytonClient(tryton.url, tryton.database, "admin", "admin")
    raw.call("account.account", "write", [int(old["id"])],
             {"start_date": dt.date(2000, 1, 1), "end_date": dt.date(2000, 12, 31)})  # fmt: skip
    accounts = {a["id"]: a for a in books.read("chartOfAccounts")}
    assert (accounts[old["id"]]["name"], accounts[old["id"]]["status"]) == (
        "Old Travel",
        "Archived",
    )
    assert accounts[kept["id"]]["status"] == "Active"
    assert {a["status"] for a in accounts.values()} == {"Active", "Archived"}
