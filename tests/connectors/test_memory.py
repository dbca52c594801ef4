"""The in-memory connector engine tests use passes the whole conformance suite."""

from __future__ import annotations

import pytest

from expense_sync.connectors.base import LedgerSession
from tests.connectors.conformance import ConnectorConformance
from tests.connectors.conformance.posting import Written
from tests.connectors.memory import MemoryConnector, MemorySession


@pytest.fixture
def connector() -> MemoryConnector:
    return MemoryConnector()


@pytest.fixture
def books(connector: MemoryConnector) -> LedgerSession:
    return connector.link()


class TestMemoryConformance(ConnectorConformance):
    @pytest.fixture
    def written(self, books: MemorySession) -> Written:
        return lambda: len(books.books.postings)
