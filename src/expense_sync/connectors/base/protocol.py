"""The connector protocol: the one interface the engine talks to.

A connector is a small class with a ``manifest``, the ``push_models`` of the data types it
writes, and two methods: ``authorize`` (link a connection) and ``open`` (a session on the
linked books). Records go in and out in Codat's JSON shape (``dict``), ids as strings.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from expense_sync.connectors.base.manifest import PlatformManifest
from expense_sync.connectors.base.posting import Posted, Posting
from expense_sync.connectors.base.push_model import PushModel

if TYPE_CHECKING:  # the cloud kit imports this module
    from expense_sync.connectors.base.cloud.app import CloudAccess


@dataclass(frozen=True)
class LinkContext:
    """Where a connection may keep its files, and whose it is."""

    company_id: uuid.UUID
    connection_id: uuid.UUID
    data_dir: Path
    ledger_root: Path
    company_name: str = ""
    cloud: CloudAccess | None = None  # a cloud platform's app, tokens and rate limiter


@dataclass(frozen=True)
class Authorization:
    """The outcome of linking: public facts for ``connectionInfo``, and secrets to encrypt."""

    connection_info: dict[str, str]
    secrets: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class LinkedBooks:
    """What ``authorize`` returned, handed back to ``open`` (secrets decrypted)."""

    connection_info: dict[str, Any]
    secrets: dict[str, str]
    ledger_root: Path
    cloud: CloudAccess | None = None  # a cloud platform's app, tokens and rate limiter


Record = dict[str, Any]


@dataclass(frozen=True)
class Document:
    """A file to attach to a posted record (a receipt). ``path`` is where it is stored;
    the connector copies or uploads it, never moves it."""

    id: str
    file_name: str
    content_type: str
    path: Path
    size: int
    sha256: str


class LedgerSession(Protocol):
    """Reads and writes on one connection's books. Every method raises only
    ``ConnectorError`` subclasses for upstream trouble."""

    def check(self) -> None:
        """Raise ``FatalConnectorError`` (with the platform's own message) if the books
        cannot be used as they are."""
        ...

    def read(self, data_type: str) -> list[Record]:
        """Every record of ``data_type``, in Codat's shape."""
        ...

    def create(
        self, data_type: str, records: list[Record], *, key: str | None = None
    ) -> list[Record]:
        """Write new records in one batch (all or nothing); return them with their ids.

        ``key`` makes the write idempotent: it is stored with the records where the
        platform can search for it, and a second call with the same key returns the
        records the first one wrote instead of writing again (a retry after a crash).
        """
        ...

    def update(self, data_type: str, record_id: str, record: Record) -> Record:
        """Replace the fields of one record; return it as stored."""
        ...

    def post(self, postings: list[Posting]) -> list[Posted]:
        """Write the postings in one batch (all or nothing); return where each landed.

        The books are asked, under the same lock as the write, which keys they hold: a
        posting already there at its revision (written before a crash) is not written
        again; one at an older revision is replaced in place. A revision older than the
        one the books hold (sent late) writes nothing and is answered with the revision
        held, so it never takes the newer one's place.
        """
        ...

    def attach(self, key: str, document: Document) -> str:
        """Attach a stored file to the record posted under ``key``; return where it is.

        Idempotent on ``document.id``: attaching the same document twice (a retry after a
        crash) returns the first reference and writes nothing. Raise
        ``ValidationConnectorError`` if nothing was posted under ``key``.
        """
        ...


class Connector(Protocol):
    manifest: PlatformManifest
    push_models: dict[str, PushModel]

    def open(self, books: LinkedBooks) -> LedgerSession:
        """A session on linked books; cheap, so open one per unit of work."""
        ...

    def authorize(self, context: LinkContext, fields: dict[str, str]) -> Authorization:
        """Check the customer's answers against the platform and return what to keep.

        Raise ``ValidationConnectorError`` naming the field when an answer is wrong,
        ``RetriableConnectorError`` when the platform cannot be reached.
        """
        ...
