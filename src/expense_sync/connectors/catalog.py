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
from expense_sync.connectors.freeagent import FREEAGENT_MANIFEST, FreeAgentConnector
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
    _cloud(
        "qhyg",
        "QuickBooks Online",
        "QB",
        AuthKind.OAUTH2,
        30,
        RateLimit(500, 60),
        100,
        tested_against="Intuit's official QuickBooks Online XSDs (no connector yet)",
    ),
    _cloud("akxx", "Oracle NetSuite", "NS", AuthKind.OAUTH2, 25, RateLimit(100, 60), 100),
    _cloud(
        "trji",
        "Dynamics 365 Business Central",
        "BC",
        AuthKind.OAUTH2,
        100,
        RateLimit(600, 60),
        350,
    ),
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
    "fbrh": FreeAgentConnector(),
}
_BY_KEY = {m.key: m for m in (*MANIFESTS, PARTNER_EXPENSE_MANIFEST)}


def manifest_for(key: str) -> PlatformManifest | None:
    return _BY_KEY.get(key)


def listed_manifests() -> tuple[PlatformManifest, ...]:
    return MANIFESTS


def connector_for(key: str) -> Connector | None:
    return _CONNECTORS.get(key)
