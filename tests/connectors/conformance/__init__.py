"""The connector conformance suite: what every connector passes, in one line.

A connector's test module provides two fixtures and one class line::

    from tests.connectors.conformance import ConnectorConformance

    @pytest.fixture
    def connector() -> MyConnector:
        return MyConnector()

    @pytest.fixture
    def books(connector: MyConnector, tmp_path: Path) -> LedgerSession:
        ...  # a session on fresh books, linked as a customer would link them

    class TestMyConformance(ConnectorConformance):
        pass

Every check reads the connector's own manifest (data types, transaction types,
attachments) and push models, so a newly declared type or limit is checked at once. The
suite is ``RecordChecks`` (reads, creates, updates), ``PostChecks`` (every expense type
posts once; a re-post writes nothing; a new revision replaces; a refused posting fails
alone) and ``AttachChecks`` (idempotent on the document id; an unknown key is a
``ValidationConnectorError``); a connector may take only some of them. Optional
overrides in the subclass:

- ``written`` fixture: a callable counting the postings the books hold, read apart from
  ``post`` (e.g. with the platform's own client), so "writes nothing" is checked in the
  books and not only in ``post``'s answers;
- ``refs`` fixture: the accounts and contacts postings use (``Refs.found_in(books)`` by
  default: the first expense, income and bank accounts read, contacts created);
- ``unknown_account``: an account id no books hold, in the platform's id format.

A subclass that runs a check on other records than the suite's (a platform that cannot
write ``chartOfAccounts``) builds them with ``SAMPLES[data_type](unique())``.

It lives with the tests, not in ``expense_sync``: it is built of pytest classes and
fixtures (as Singer SDK's ``singer_sdk.testing``), and the product never imports test
code. ``tests.connectors.memory.MemoryConnector`` passes all of it.
"""

from tests.connectors.conformance.attach import AttachChecks, receipt
from tests.connectors.conformance.posting import PostChecks, Refs, posting_of
from tests.connectors.conformance.records import SAMPLES, RecordChecks, unique


class ConnectorConformance(RecordChecks, PostChecks, AttachChecks):
    """Every check; subclass it and provide ``connector`` and ``books`` fixtures."""


__all__ = [
    "SAMPLES",
    "AttachChecks",
    "ConnectorConformance",
    "PostChecks",
    "RecordChecks",
    "Refs",
    "posting_of",
    "receipt",
    "unique",
]
