"""Turn stored rows into the contract's shapes."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from expense_sync.api import schemas
from expense_sync.api.dependencies import RuntimeDep
from expense_sync.domain.connections import ConnectionStatus
from expense_sync.services.companies import tags_of
from expense_sync.services.connections import manifest_of
from expense_sync.services.secrets import SecretBox
from expense_sync.storage import models


@dataclass(frozen=True)
class LinkUrls:
    """Builds the customer-facing link pages' URLs, each carrying its access token."""

    base_url: str
    secrets: SecretBox

    def company(self, company_id: uuid.UUID) -> str:
        token = self.secrets.link_token(str(company_id))
        return f"{self.base_url}/link/{company_id}?token={token}"

    def connection(self, company_id: uuid.UUID, connection_id: uuid.UUID) -> str:
        token = self.secrets.link_token(str(connection_id))
        return f"{self.base_url}/link/{company_id}/{connection_id}?token={token}"


def get_link_urls(request: Request, runtime: RuntimeDep) -> LinkUrls:
    base = runtime.settings.public_url or str(request.base_url)
    return LinkUrls(base.rstrip("/"), runtime.secrets)


LinkUrlsDep = Annotated[LinkUrls, Depends(get_link_urls)]


def connection(row: models.Connection, urls: LinkUrls) -> schemas.Connection:
    manifest = manifest_of(row)
    return schemas.Connection(
        id=row.id,
        integrationId=manifest.integration_id,
        integrationKey=manifest.key,
        sourceId=manifest.source_id,
        sourceType=manifest.source_type,
        platformName=manifest.name,
        linkUrl=urls.connection(row.company_id, row.id),
        status=ConnectionStatus(row.status),
        lastSync=row.last_sync,
        created=row.created,
        dataConnectionErrors=[schemas.DataConnectionError(**e) for e in row.errors or []] or None,
        connectionInfo=row.connection_info,
    )


def _reference(row: models.Company) -> schemas.CompanyReference:
    return schemas.CompanyReference(
        id=row.id, name=row.name, description=row.description, tags=tags_of(row)
    )


def company(row: models.Company, urls: LinkUrls) -> schemas.Company:
    return schemas.Company(
        id=row.id,
        name=row.name,
        description=row.description,
        redirect=urls.company(row.id),
        lastSync=row.last_sync,
        created=row.created,
        createdByUserName=row.created_by_user_name,
        products=list(row.products or []),
        tags=tags_of(row),
        referenceParentCompany=_reference(row.parent) if row.parent else None,
        referenceSubsidiaryCompanies=[_reference(child) for child in row.subsidiaries],
        dataConnections=[connection(c, urls) for c in row.connections],
    )
