"""Every platform expense-sync knows, with its manifest, and the connectors that work.

Limits for the cloud platforms come from each vendor's public documentation; a platform
whose connector is not built yet is listed so clients can discover it, says so in
``availability_note``, and cannot be linked.
"""

from __future__ import annotations

from expense_sync.connectors.base import (
    DOCUMENT_TYPES,
    EXPENSE_TRANSACTION_TYPES,
    LEDGER_READS,
    LEDGER_WRITES,
    MB,
    AttachmentLimits,
    AuthKind,
    Connector,
    PlatformManifest,
    RateLimit,
)
from expense_sync.connectors.beancount import BeancountConnector
from expense_sync.connectors.beancount.connector import BEANCOUNT_MANIFEST
from expense_sync.connectors.business_central import (
    BUSINESS_CENTRAL_MANIFEST,
    BusinessCentralConnector,
)
from expense_sync.connectors.freeagent import FREEAGENT_MANIFEST, FreeAgentConnector
from expense_sync.connectors.quickbooks import QUICKBOOKS_MANIFEST, QuickBooksConnector
from expense_sync.connectors.tryton import TRYTON_MANIFEST, TrytonConnector
from expense_sync.connectors.xero import XERO_MANIFEST, XeroConnector
from expense_sync.domain.connections import SourceType

NOT_BUILT = "No working connector yet: listed for discovery, cannot be linked."


def _cloud(
    key: str,
    name: str,
    logo: str,
    auth: AuthKind,
    batch: int,
    rate: RateLimit,
    attachment_mb: int,
    *,
    offline: bool = False,
    tested_against: str = "vendor documentation; no connector yet",
) -> PlatformManifest:
    return PlatformManifest(
        key=key,
        name=name,
        logo_text=logo,
        auth_kind=auth,
        reads=LEDGER_READS,
        writes=LEDGER_WRITES,
        transaction_types=EXPENSE_TRANSACTION_TYPES,
        batch_size=batch,
        rate_limit=rate,
        attachments=AttachmentLimits(max_bytes=attachment_mb * MB, content_types=DOCUMENT_TYPES),
        availability_note=NOT_BUILT,
        is_offline_connector=offline,
        tested_against=tested_against,
    )


MANIFESTS: tuple[PlatformManifest, ...] = (
    BEANCOUNT_MANIFEST,
    TRYTON_MANIFEST,
    XERO_MANIFEST,
    QUICKBOOKS_MANIFEST,
    _cloud("akxx", "Oracle NetSuite", "NS", AuthKind.OAUTH2, 25, RateLimit(100, 60), 100),
    BUSINESS_CENTRAL_MANIFEST,
    FREEAGENT_MANIFEST,
    _cloud(
        "pqsw",
        "QuickBooks Desktop",
        "QBD",
        AuthKind.DESKTOP_CONNECTOR,
        10,
        RateLimit(60, 60),
        20,
        offline=True,
    ),
)

# The partner expense connection represents the card/expense platform itself.
PARTNER_EXPENSE_MANIFEST = PlatformManifest(
    key="expn",
    name="Partner expense",
    logo_text="EX",
    auth_kind=AuthKind.PARTNER,
    reads=(),
    writes=(),
    transaction_types=(),
    batch_size=50,
    rate_limit=RateLimit(requests=1000, per_seconds=60),
    attachments=None,
    connector_available=True,
    source_type=SourceType.EXPENSE,
)

_CONNECTORS: dict[str, Connector] = {
    "bean": BeancountConnector(),
    "tryt": TrytonConnector(),
    "gbol": XeroConnector(),
    "trji": BusinessCentralConnector(),
    "qhyg": QuickBooksConnector(),
    "fbrh": FreeAgentConnector(),
}
_BY_KEY = {m.key: m for m in (*MANIFESTS, PARTNER_EXPENSE_MANIFEST)}


def manifest_for(key: str) -> PlatformManifest | None:
    return _BY_KEY.get(key)


def listed_manifests() -> tuple[PlatformManifest, ...]:
    return MANIFESTS


def connector_for(key: str) -> Connector | None:
    return _CONNECTORS.get(key)


def register(connector: Connector) -> None:
    """Make a connector the catalog does not ship linkable under its manifest's key (a
    test's in-memory books, a connector developed outside this package). It is not
    listed in ``/integrations``; ``unregister`` takes it away again."""
    key = connector.manifest.key
    if key in _BY_KEY:
        raise ValueError(f"Platform key {key} is taken; register the connector under another.")
    _CONNECTORS[connector.manifest.key] = connector
    _BY_KEY[connector.manifest.key] = connector.manifest


def unregister(key: str) -> None:
    if key in (m.key for m in (*MANIFESTS, PARTNER_EXPENSE_MANIFEST)):
        raise ValueError(f"{key} is a platform of the catalog; it cannot be unregistered.")
    _CONNECTORS.pop(key, None)
    _BY_KEY.pop(key, None)
