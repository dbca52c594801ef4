"""The Xero connector (``gbol``): linked by OAuth 2.0 through the cloud kit, tested
against the Xero sandbox (``sandboxes.xero``), whose every request and answer is held
to Xero's official OpenAPI."""

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
from expense_sync.connectors.xero.api import XeroApi, read_problem
from expense_sync.connectors.xero.session import XeroSession
from expense_sync.connectors.xero.writing import CATEGORIES

# Xero's documented limits: 60 calls a minute, 5,000 a day and 5 at once per tenant;
# 10 MB per attachment; up to 50 records per batch is what Xero recommends.
XERO_MANIFEST = PlatformManifest(
    key="gbol",
    name="Xero",
    logo_text="X",
    auth_kind=AuthKind.OAUTH2,
    reads=LEDGER_READS,
    writes=LEDGER_WRITES,
    transaction_types=EXPENSE_TRANSACTION_TYPES,
    batch_size=50,
    rate_limit=RateLimit(60, 60, per_day=5000, concurrent=5),
    attachments=AttachmentLimits(
        max_bytes=10 * MB,
        content_types=(
            *DOCUMENT_TYPES,
            "image/bmp",
            "text/plain",
            "text/csv",
            "application/zip",
            "application/msword",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "application/vnd.ms-excel",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
    ),
    connector_available=True,
    tested_against="the Xero sandbox (sandboxes.xero), held to Xero's official OpenAPI",
)
PUSH_MODELS = standard_push_models(
    "Xero",
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
            description="The account's type, then one of Xero's account types of that class "
            "(Expense.OVERHEADS); the type alone gives Xero's default for it (EXPENSE, "
            "REVENUE, CURRENT, CURRLIAB, EQUITY).",
            information="One of the options, each a Xero account type.",
        ),
    ),
    FieldRule("accountName", "Account name", required=True, max_length=150),
    contact_omits=(),
)
XERO_HTTP = PlatformHttp(
    name="Xero",
    read_problem=read_problem,
    minute_header="X-MinLimit-Remaining",
    day_header="X-DayLimit-Remaining",
    headers={"Accept": "application/json"},
)


def _client(cloud: CloudAccess, tenant_id: str) -> CloudClient:
    return CloudClient(
        cloud,
        XERO_HTTP,
        base_url=cloud.app.api_url,
        scope=f"gbol:{tenant_id}",
        limits=Limits.of(XERO_MANIFEST.rate_limit),
    )


class XeroConnector(CloudConnector):
    manifest = XERO_MANIFEST
    push_models = PUSH_MODELS
    setup_name = "Xero"
    settings = "XERO"
    sign_in = "Xero is linked by signing in to Xero: choose Connect Xero."

    def session(self, cloud: CloudAccess, info: dict[str, Any]) -> LedgerSession:
        tenant = str(info["tenantId"])
        return XeroSession(XeroApi(_client(cloud, tenant), tenant), XERO_MANIFEST.attachments)

    def link(self, cloud: CloudAccess, access_token: str, fields: dict[str, str]) -> dict[str, str]:
        """Pick the organisation the consent granted (Xero's ``/connections``: the first
        organisation of this consent)."""
        tenants = _tenants(cloud, access_token)
        if not tenants:
            raise ValidationConnectorError(
                "The Xero sign-in granted no organisation; choose one on Xero's page.",
                field="code",
            )
        tenant = tenants[0]
        return {
            "tenantId": str(tenant["tenantId"]),
            "organisationName": str(tenant.get("tenantName") or ""),
        }


def _tenants(cloud: CloudAccess, access_token: str) -> list[dict[str, str]]:
    """The organisations a fresh access token reaches (one call, outside any tenant's
    budget: there is no tenant yet)."""
    try:
        response = httpx.get(
            f"{cloud.app.api_url}/connections",
            headers={"Authorization": f"Bearer {access_token}", "Accept": "application/json"},
            timeout=30.0,
        )
    except httpx.HTTPError as error:
        raise transport_error(error, "Xero") from error
    if not response.is_success:
        raise classify(response, read_problem, "Xero")
    body = response.json()
    return [
        t
        for t in body
        if isinstance(t, dict) and t.get("tenantType", "ORGANISATION") == "ORGANISATION"
    ]
