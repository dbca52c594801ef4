"""The FreeAgent connector (``fbrh``): linked by OAuth 2.0 through the cloud kit, tested
against the FreeAgent sandbox (``sandboxes.freeagent``), whose every request and answer
is held to schemas built from FreeAgent's official Postman collection."""

from __future__ import annotations

from typing import Any

import httpx

from expense_sync.connectors.base import (
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
)
from expense_sync.connectors.base.cloud import CloudAccess, CloudClient, Limits, PlatformHttp
from expense_sync.connectors.base.cloud.classify import classify, transport_error
from expense_sync.connectors.base.cloud.connector import CloudConnector
from expense_sync.connectors.base.records import standard_push_models
from expense_sync.connectors.freeagent.api import FreeAgentApi, read_problem
from expense_sync.connectors.freeagent.session import FreeAgentSession
from expense_sync.connectors.freeagent.writing import CATEGORY_GROUP

# FreeAgent's documented limits: 120 requests a minute and 3,600 an hour per user;
# attachments up to 5 MB of PNG, JPEG, GIF or PDF. No batch writes: a batch is what
# one look-up call covers (a page of 100).
FREEAGENT_MANIFEST = PlatformManifest(
    key="fbrh",
    name="FreeAgent",
    logo_text="FA",
    auth_kind=AuthKind.OAUTH2,
    reads=LEDGER_READS,
    writes=LEDGER_WRITES,
    transaction_types=EXPENSE_TRANSACTION_TYPES,
    batch_size=50,
    rate_limit=RateLimit(120, 60, per_hour=3600),
    attachments=AttachmentLimits(
        max_bytes=5 * MB,
        content_types=("image/png", "image/jpeg", "image/gif", "application/pdf"),
    ),
    connector_available=True,
    tested_against=(
        "the FreeAgent sandbox (sandboxes.freeagent), held to schemas built from "
        "FreeAgent's official Postman collection"
    ),
)
PUSH_MODELS = standard_push_models(
    "FreeAgent",
    (
        FieldRule("fullyQualifiedName", "Full name", max_length=150),
        FieldRule(
            "fullyQualifiedCategory",
            "Fully qualified category",
            choices=tuple(CATEGORY_GROUP),
            description="The account's type: FreeAgent files a category under the group "
            "of that type.",
            information="One of the options, each a FreeAgent category group.",
        ),
    ),
    FieldRule("accountName", "Account name", required=True, max_length=255),
    contact_omits=(),
)
FREEAGENT_HTTP = PlatformHttp(
    name="FreeAgent",
    read_problem=read_problem,
    headers={"Accept": "application/json"},
)


# FreeAgent counts a call when it arrives and sends no remaining-calls header to catch
# up with; our limiter counts when the call leaves. A 2.5% margin keeps latency jitter
# from turning a full minute into a 429 (117 of 120 a minute, 3,510 of 3,600 an hour).
MARGIN = 0.975
LIMITS = Limits(
    per_minute=int(120 * MARGIN),
    per_hour=int(3600 * MARGIN),
)


class FreeAgentConnector(CloudConnector):
    manifest = FREEAGENT_MANIFEST
    push_models = PUSH_MODELS
    setup_name = "FreeAgent"
    settings = "FREEAGENT"
    sign_in = "FreeAgent is linked by signing in to FreeAgent: choose Connect FreeAgent."

    def session(self, cloud: CloudAccess, info: dict[str, Any]) -> LedgerSession:
        company = str(info.get("subdomain") or info["companyUrl"])
        client = CloudClient(
            cloud,
            FREEAGENT_HTTP,
            base_url=cloud.app.api_url,
            scope=f"fbrh:{company}",
            limits=LIMITS,
        )
        return FreeAgentSession(
            FreeAgentApi(client, cloud.app.api_url), FREEAGENT_MANIFEST.attachments
        )

    def link(self, cloud: CloudAccess, access_token: str, fields: dict[str, str]) -> dict[str, str]:
        """Read the company the approval's tokens reach."""
        company = _company(cloud, access_token)
        return {
            "companyName": str(company.get("name") or ""),
            "subdomain": str(company.get("subdomain") or ""),
            "companyUrl": str(company.get("url") or ""),
        }


def _company(cloud: CloudAccess, access_token: str) -> dict[str, object]:
    """The company a fresh token reaches (one call before the connection exists)."""
    try:
        response = httpx.get(
            f"{cloud.app.api_url}/v2/company",
            headers={"Authorization": f"Bearer {access_token}", "Accept": "application/json"},
            timeout=30.0,
        )
    except httpx.HTTPError as error:
        raise transport_error(error, "FreeAgent") from error
    if not response.is_success:
        raise classify(response, read_problem, "FreeAgent")
    company: dict[str, object] = response.json().get("company") or {}
    return company
