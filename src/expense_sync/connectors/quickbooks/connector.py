"""The QuickBooks Online connector (``qhyg``): linked by OAuth 2.0 through the cloud kit
(Intuit's callback names the company it granted, ``realmId``, which the connection keeps
in ``connectionInfo``), tested against the QuickBooks sandbox (``sandboxes.quickbooks``),
which holds every body to Intuit's XSDs."""

from __future__ import annotations

from typing import Any

import httpx

from expense_sync.connectors.base import (
    DOCUMENT_TYPES,
    EXPENSE_TRANSACTION_TYPES,
    LEDGER_READS,
    LEDGER_WRITES,
    MB,
    AttachmentLimits,
    AuthKind,
    FieldRule,
    LedgerSession,
    PlatformManifest,
    RateLimit,
    ValidationConnectorError,
)
from expense_sync.connectors.base.cloud import CloudAccess, CloudClient, Limits, PlatformHttp
from expense_sync.connectors.base.cloud.classify import classify, transport_error
from expense_sync.connectors.base.cloud.connector import CloudConnector
from expense_sync.connectors.base.records import standard_push_models
from expense_sync.connectors.quickbooks.api import MINOR_VERSION, QuickBooksApi, read_problem
from expense_sync.connectors.quickbooks.session import QuickBooksSession
from expense_sync.connectors.quickbooks.writing import CATEGORIES

# Intuit's documented limits per realm: 500 requests a minute and 10 at once; /batch
# takes 30 items and 40 calls a minute; attachments up to 100 MB of the listed types.
QUICKBOOKS_MANIFEST = PlatformManifest(
    key="qhyg",
    name="QuickBooks Online",
    logo_text="QB",
    auth_kind=AuthKind.OAUTH2,
    reads=LEDGER_READS,
    writes=LEDGER_WRITES,
    transaction_types=EXPENSE_TRANSACTION_TYPES,
    batch_size=30,
    rate_limit=RateLimit(500, 60, concurrent=10),
    attachments=AttachmentLimits(
        max_bytes=100 * MB,
        content_types=(
            *DOCUMENT_TYPES,
            "text/plain",
            "text/csv",
            "text/xml",
            "application/xml",
            "application/rtf",
            "application/postscript",
            "application/msword",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "application/vnd.ms-excel",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "application/vnd.oasis.opendocument.spreadsheet",
        ),
    ),
    connector_available=True,
    tested_against="the QuickBooks sandbox (sandboxes.quickbooks), held to Intuit's XSDs",
)
BATCH_LIMITS = Limits(per_minute=40)
PUSH_MODELS = standard_push_models(
    "QuickBooks Online",
    (
        FieldRule(
            "fullyQualifiedName",
            "Full name",
            max_length=150,
            description="Type, then the account's name (Expense.Travel); its last part names "
            "the account when name is not given.",
        ),
        FieldRule(
            "fullyQualifiedCategory",
            "Fully qualified category",
            choices=CATEGORIES,
            description="The account's type, then one of QuickBooks' account types under it "
            "(Expense.Other Expense); the type alone gives Expense, Income, Other Current "
            "Asset, Other Current Liability or Equity.",
            information="One of the options, each a QuickBooks account type.",
        ),
    ),
    FieldRule("accountName", "Account name", required=True, max_length=100),
    contact_omits=(),
)
QUICKBOOKS_HTTP = PlatformHttp(
    name="QuickBooks",
    read_problem=read_problem,
    headers={"Accept": "application/json"},
)


def client(cloud: CloudAccess, realm_id: str) -> CloudClient:
    return CloudClient(
        cloud,
        QUICKBOOKS_HTTP,
        base_url=cloud.app.api_url,
        scope=f"qhyg:{realm_id}",
        limits=Limits.of(QUICKBOOKS_MANIFEST.rate_limit),
        buckets={"batch": BATCH_LIMITS},
    )


class QuickBooksConnector(CloudConnector):
    manifest = QUICKBOOKS_MANIFEST
    push_models = PUSH_MODELS
    setup_name = "QuickBooks Online"
    settings = "QUICKBOOKS"
    sign_in = "QuickBooks is linked by signing in to Intuit: choose Connect QuickBooks Online."

    def session(self, cloud: CloudAccess, info: dict[str, Any]) -> LedgerSession:
        realm = str(info["realmId"])
        return QuickBooksSession(
            QuickBooksApi(client(cloud, realm), realm), QUICKBOOKS_MANIFEST.attachments
        )

    def check(self, fields: dict[str, str]) -> None:
        if not fields.get("realmId", ""):
            raise ValidationConnectorError(
                "Intuit's sign-in named no company (realmId); choose one on Intuit's page.",
                field="realmId",
            )

    def link(self, cloud: CloudAccess, access_token: str, fields: dict[str, str]) -> dict[str, str]:
        """Keep the company the consent granted."""
        realm = fields["realmId"]
        info = _company_info(cloud, realm, access_token)
        return {"realmId": realm, "companyName": str(info.get("CompanyName") or "")}


def _company_info(cloud: CloudAccess, realm: str, access_token: str) -> dict[str, object]:
    """The granted company's ``CompanyInfo`` (one call with the fresh token, outside the
    realm's budget: the connection holds no tokens yet)."""
    try:
        response = httpx.get(
            f"{cloud.app.api_url}/v3/company/{realm}/query",
            params={"query": "select * from CompanyInfo", "minorversion": MINOR_VERSION},
            headers={"Authorization": f"Bearer {access_token}", "Accept": "application/json"},
            timeout=30.0,
        )
    except httpx.HTTPError as error:
        raise transport_error(error, "QuickBooks") from error
    if not response.is_success:
        raise classify(response, read_problem, "QuickBooks")
    body = response.json()
    found = (body.get("QueryResponse") or {}).get("CompanyInfo") if isinstance(body, dict) else None
    return dict(found[0]) if isinstance(found, list) and found else {}
