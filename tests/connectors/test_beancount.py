"""The Beancount connector against Beancount itself."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from beancount import loader
from beancount.core import data

from expense_sync.connectors.base import (
    FatalConnectorError,
    LedgerSession,
    LinkContext,
    LinkedBooks,
    ValidationConnectorError,
)
from expense_sync.connectors.beancount import BeancountConnector
from tests.connectors.conformance import ConnectorConformance
from tests.connectors.conformance.posting import Written


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
    @pytest.fixture
    def written(self, ledger: Path) -> Written:
        """Transactions expense-sync wrote, as Beancount's own loader reads the ledger."""

        def count() -> int:
            entries, errors, _ = loader.load_file(str(ledger))
            assert errors == []
            return sum(isinstance(e, data.Transaction) and "expense-sync-id" in e.meta
                       for e in entries)  # fmt: skip

        return count


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


def test_an_include_added_after_linking_is_checked_on_every_read(
    books: LedgerSession, ledger: Path, tmp_path: Path
) -> None:
    outside = tmp_path.parent / f"outside-{uuid.uuid4().hex}.beancount"
    outside.write_text("2000-01-01 open Assets:Other:Secret\n")
    with ledger.open("a") as out:
        out.write(f'\ninclude "{outside}"\n')
    with pytest.raises(FatalConnectorError, match="outside"):
        books.read("chartOfAccounts")


def test_a_change_in_an_included_file_is_read(
    books: LedgerSession, ledger: Path, tmp_path: Path
) -> None:
    part = tmp_path / "more.beancount"
    part.write_text("2000-01-01 open Expenses:Included\n")
    with ledger.open("a") as out:
        out.write('\ninclude "more.beancount"\n')
    assert "Expenses:Included" in {a["id"] for a in books.read("chartOfAccounts")}
    part.write_text("2000-01-01 open Expenses:Included\n2000-01-01 open Expenses:Later\n")
    assert "Expenses:Later" in {a["id"] for a in books.read("chartOfAccounts")}


def test_a_pickle_cache_beside_the_ledger_is_never_loaded(
    books: LedgerSession, ledger: Path, tmp_path: Path
) -> None:
    marker = tmp_path / "ran"

    class Payload:
        def __reduce__(self) -> tuple[object, tuple[str]]:
            return (Path(marker).touch, ())  # type: ignore[return-value]

    import pickle

    (ledger.parent / f".{ledger.name}.picklecache").write_bytes(pickle.dumps(Payload()))
    with ledger.open("a") as out:
        out.write("\n")  # a new version, so the ledger is parsed again
    books.read("chartOfAccounts")
    assert not marker.exists()
