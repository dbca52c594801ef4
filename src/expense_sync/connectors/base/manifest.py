"""The capability manifest: what a platform can do, declared once.

The integrations registry, the link page, request validation and the docs all read the
manifest, so a platform's limits are written in exactly one place.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from enum import StrEnum

from expense_sync.domain.connections import SourceType

# Stable identifiers derived from the platform key, so integrationId and sourceId never
# change between releases or installations.
_NAMESPACE = uuid.UUID("6f1c2a8e-8d1b-4c55-9a59-3a2f0f1d2b7e")


# What a full accounting connector reads and writes, and the spend it can post; platforms
# declare these unless they differ.
LEDGER_READS = (
    "chartOfAccounts",
    "bankAccounts",
    "suppliers",
    "customers",
    "taxRates",
    "trackingCategories",
    "company",
)
LEDGER_WRITES = ("chartOfAccounts", "bankAccounts", "suppliers", "customers")
EXPENSE_TRANSACTION_TYPES = (
    "Payment",
    "Refund",
    "Reward",
    "Chargeback",
    "ReimbursableExpense",
    "Transfer",
    "Adjustment",
)
DOCUMENT_TYPES = ("application/pdf", "image/jpeg", "image/png", "image/gif", "image/tiff")
MB = 1024 * 1024


class AuthKind(StrEnum):
    LEDGER_FILE = "LedgerFile"
    CREDENTIALS = "Credentials"
    OAUTH2 = "OAuth2"
    DESKTOP_CONNECTOR = "DesktopConnector"
    PARTNER = "Partner"


@dataclass(frozen=True)
class LinkField:
    """One value the customer gives on the link page (or in ``PUT .../authorization``)."""

    name: str
    label: str
    kind: str = "text"  # text | url | password
    required: bool = True
    help: str = ""
    placeholder: str = ""


@dataclass(frozen=True)
class RateLimit:
    """Calls per tenant: ``requests`` per ``per_seconds`` (a sliding window), and for
    cloud platforms also per hour (FreeAgent), per day and in flight at once. The cloud
    kit enforces them across every worker process (``connectors.base.cloud.limits``)."""

    requests: int
    per_seconds: int
    per_day: int | None = None
    concurrent: int | None = None
    per_hour: int | None = None


@dataclass(frozen=True)
class AttachmentLimits:
    max_bytes: int
    content_types: tuple[str, ...]


@dataclass(frozen=True)
class PlatformManifest:
    key: str
    name: str
    logo_text: str
    auth_kind: AuthKind
    reads: tuple[str, ...]
    writes: tuple[str, ...]
    transaction_types: tuple[str, ...]
    batch_size: int
    rate_limit: RateLimit
    attachments: AttachmentLimits | None
    link_fields: tuple[LinkField, ...] = ()
    connector_available: bool = False
    availability_note: str = ""
    source_type: SourceType = SourceType.ACCOUNTING
    is_offline_connector: bool = False
    is_beta: bool = False
    tested_against: str = ""

    @property
    def integration_id(self) -> uuid.UUID:
        return uuid.uuid5(_NAMESPACE, f"integration:{self.key}")

    @property
    def source_id(self) -> uuid.UUID:
        return uuid.uuid5(_NAMESPACE, f"source:{self.key}")
