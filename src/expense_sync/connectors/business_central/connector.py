"""The Dynamics 365 Business Central connector (``trji``): linked by OAuth 2.0 through
Microsoft identity (the cloud kit), then an environment and a company of that tenant;
tested against the Business Central sandbox (``sandboxes.business_central``), whose
every request and answer is held to schemas built from Microsoft's v2.0 pages."""

from __future__ import annotations

from typing import Any

import httpx

from expense_sync.connectors.base import (
    DOCUMENT_TYPES,
    EXPENSE_TRANSACTION_TYPES,
    LEDGER_READS,
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
from expense_sync.connectors.business_central.api import BATCH_MAX, BcApi, read_problem
from expense_sync.connectors.business_central.session import BcSession

NAME = "Business Central"
ENVIRONMENTS = "/admin/v2.24/applications/businesscentral/environments"
# G/L accounts are read-only in API v2.0: bank accounts, vendors and customers are written.
BC_WRITES = ("bankAccounts", "suppliers", "customers")
# Microsoft's limits: 6,000 requests per 5 minutes per user, 5 processed at once per
# environment (95 more queue); $batch of at most 100; 350 MB per attachment.
BUSINESS_CENTRAL_MANIFEST = PlatformManifest(
    key="trji",
    name="Dynamics 365 Business Central",
    logo_text="BC",
    auth_kind=AuthKind.OAUTH2,
    reads=LEDGER_READS,
    writes=BC_WRITES,
    transaction_types=EXPENSE_TRANSACTION_TYPES,
    batch_size=BATCH_MAX,
    rate_limit=RateLimit(6000, 300, concurrent=5),
    attachments=AttachmentLimits(
        max_bytes=350 * MB,
        content_types=(*DOCUMENT_TYPES, "text/plain", "text/csv"),
    ),
    connector_available=True,
    tested_against="the Business Central sandbox (sandboxes.business_central), held to "
    "schemas generated from Microsoft's API v2.0 pages",
)
_MODELS = standard_push_models(
    NAME,
    (FieldRule("fullyQualifiedName", "Full name", max_length=150),),
    FieldRule("accountName", "Account name", required=True, max_length=100),
    contact_omits=("registrationNumber", "defaultCurrency", "contactName"),
)
PUSH_MODELS = {k: v for k, v in _MODELS.items() if k in BC_WRITES}
BC_HTTP = PlatformHttp(name=NAME, read_problem=read_problem, headers={"Accept": "application/json"})


class BusinessCentralConnector(CloudConnector):
    manifest = BUSINESS_CENTRAL_MANIFEST
    push_models = PUSH_MODELS
    setup_name = NAME
    settings = "BUSINESS_CENTRAL"
    sign_in = "Business Central is linked by signing in with Microsoft: choose Connect."

    def session(self, cloud: CloudAccess, info: dict[str, Any]) -> LedgerSession:
        environment = str(info["environment"])
        company = str(info["companyId"])
        client = CloudClient(
            cloud,
            BC_HTTP,
            base_url=cloud.app.api_url,
            scope=f"trji:{environment}",
            limits=Limits.of(BUSINESS_CENTRAL_MANIFEST.rate_limit),
        )
        return BcSession(BcApi(client, environment, company), BUSINESS_CENTRAL_MANIFEST.attachments)

    def link(self, cloud: CloudAccess, access_token: str, fields: dict[str, str]) -> dict[str, str]:
        """Pick the environment (the one named in ``environment``, else the first the
        admin API lists) and its company (the one named in ``companyId``, else the first)."""
        environments = _get(cloud, access_token, ENVIRONMENTS).get("value") or []
        names = [str(e["name"]) for e in environments if isinstance(e, dict) and e.get("name")]
        wanted = fields.get("environment") or (names[0] if names else "")
        if wanted not in names:
            raise ValidationConnectorError(
                f"The Microsoft sign-in reaches no Business Central environment {wanted!r}.",
                field="environment",
            )
        companies = _get(cloud, access_token, f"/v2.0/{wanted}/api/v2.0/companies")
        found = [c for c in companies.get("value") or [] if isinstance(c, dict)]
        if fields.get("companyId"):
            found = [c for c in found if str(c.get("id")) == fields["companyId"]]
        if not found:
            raise ValidationConnectorError(
                f"Environment {wanted} has no such company.", field="companyId"
            )
        company = found[0]
        return {
            "environment": wanted,
            "companyId": str(company["id"]),
            "companyName": str(company.get("displayName") or company.get("name") or ""),
        }


def _get(cloud: CloudAccess, access_token: str, path: str) -> dict[str, Any]:
    """One call while linking, before any environment's budget applies."""
    try:
        response = httpx.get(
            f"{cloud.app.api_url}{path}",
            headers={"Authorization": f"Bearer {access_token}", "Accept": "application/json"},
            timeout=30.0,
        )
    except httpx.HTTPError as error:
        raise transport_error(error, NAME) from error
    if not response.is_success:
        raise classify(response, read_problem, NAME)
    body: dict[str, Any] = response.json()
    return body
