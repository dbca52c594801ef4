"""What every connector is and declares: the protocol, the manifest and the errors."""

from expense_sync.connectors.base.errors import (
    ConnectorError,
    FatalConnectorError,
    RetriableConnectorError,
    ValidationConnectorError,
)
from expense_sync.connectors.base.manifest import (
    DOCUMENT_TYPES,
    EXPENSE_TRANSACTION_TYPES,
    LEDGER_READS,
    LEDGER_WRITES,
    MB,
    AttachmentLimits,
    AuthKind,
    LinkField,
    PlatformManifest,
    RateLimit,
)
from expense_sync.connectors.base.posting import Posted, Posting, PostingLine
from expense_sync.connectors.base.protocol import (
    Authorization,
    Connector,
    Document,
    LedgerSession,
    LinkContext,
    LinkedBooks,
    Record,
)
from expense_sync.connectors.base.push_model import FieldRule, PushModel

__all__ = [
    "DOCUMENT_TYPES",
    "EXPENSE_TRANSACTION_TYPES",
    "LEDGER_READS",
    "LEDGER_WRITES",
    "MB",
    "AttachmentLimits",
    "AuthKind",
    "Authorization",
    "Connector",
    "ConnectorError",
    "Document",
    "FatalConnectorError",
    "FieldRule",
    "LedgerSession",
    "LinkContext",
    "LinkField",
    "LinkedBooks",
    "PlatformManifest",
    "Posted",
    "Posting",
    "PostingLine",
    "PushModel",
    "RateLimit",
    "Record",
    "RetriableConnectorError",
    "ValidationConnectorError",
]
