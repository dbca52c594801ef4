"""The Beancount connector against Beancount itself."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from beancount import loader

from expense_sync.connectors.base import (
    FatalConnectorError,
    LedgerSession,
    LinkContext,
    LinkedBooks,
    ValidationConnectorError,
)
from expense_sync.connectors.beancount import BeancountConnector
from tests.connectors.conformance import ConnectorConformance


@pytest.fixture
def connector() -> BeancountConnector:
    return BeancountConnector()


@pytest.fixture
def ledger(tmp_path: Path, connector: BeancountConnector) -> Path:
    context = LinkContext(uuid.uuid4(), uuid.uuid4(), tmp_path, tmp_path, "Conformance Ltd")
    return Path(connector.authorize(context, {}).connection_info["ledgerPath"])


@pytest.fixture
def books(connector: BeancountConnector, ledger: Path, tmp_path: Path) -> LedgerSession:
    return connector.open(LinkedBooks({"ledgerPath": str(ledger)}, {}, tmp_path))


class TestBeancountConformance(ConnectorConformance):
    pass


def test_every_write_leaves_a_ledger_beancount_accepts(books: LedgerSession, ledger: Path) -> None:
    books.create("suppliers", [{"supplierName": 'Quote " and \\ backslash'}])
    books.create("chartOfAccounts", [{"fullyQualifiedName": "Expenses:New", "type": "Expense",
                                      "currency": "GBP"}])  # fmt: skip
    _, errors, _ = loader.load_file(str(ledger))
    assert errors == []


def test_a_rejected_write_leaves_the_file_byte_for_byte(books: LedgerSession, ledger: Path) -> None:
    before = ledger.read_bytes()
    with pytest.raises(ValidationConnectorError):
        books.create("chartOfAccounts", [{"fullyQualifiedName": "Expenses:Travel",
                                          "type": "Expense", "currency": "USD"}])  # fmt: skip
    assert ledger.read_bytes() == before


def test_a_broken_ledger_blocks_reads_and_writes(books: LedgerSession, ledger: Path) -> None:
    ledger.write_text(ledger.read_text() + "\n2024-01-01 * \"x\"\n  Expenses:Nope 1 USD\n"
                      "  Assets:Bank:Checking\n")  # fmt: skip
    broken = ledger.read_bytes()
    with pytest.raises(FatalConnectorError, match="Expenses:Nope"):
        books.read("suppliers")
    with pytest.raises(FatalConnectorError):
        books.create("suppliers", [{"supplierName": "Blocked"}])
    assert ledger.read_bytes() == broken
