"""The connector protocol: the one interface the engine talks to.

A connector is a small class with a ``manifest`` and a few methods. This first cut holds
the linking step; reading and writing ledger data extend the same protocol.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from expense_sync.connectors.base.manifest import PlatformManifest


@dataclass(frozen=True)
class LinkContext:
    """Where a connection may keep its files, and whose it is."""

    company_id: uuid.UUID
    connection_id: uuid.UUID
    data_dir: Path
    ledger_root: Path


@dataclass(frozen=True)
class Authorization:
    """The outcome of linking: public facts for ``connectionInfo``, and secrets to encrypt."""

    connection_info: dict[str, str]
    secrets: dict[str, str] = field(default_factory=dict)


class Connector(Protocol):
    manifest: PlatformManifest

    def authorize(self, context: LinkContext, fields: dict[str, str]) -> Authorization:
        """Check the customer's answers against the platform and return what to keep.

        Raise ``ValidationConnectorError`` naming the field when an answer is wrong,
        ``RetriableConnectorError`` when the platform cannot be reached.
        """
        ...
