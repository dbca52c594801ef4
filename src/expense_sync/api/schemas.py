"""Wire models shared by several routers: Company and Connection, as the contract has them."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from expense_sync.api.paging import PagingInfo
from expense_sync.domain.connections import ConnectionStatus, SourceType
from expense_sync.domain.text import require_storable


class StrictRequest(BaseModel):
    """Request bodies refuse unknown fields, so a typo is reported rather than ignored."""

    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _storable(cls, data: Any) -> Any:
        # Raised as our own error (not ValueError) so the 400 names the exact field.
        require_storable(data, "")
        return data


Tags = dict[str, str]


class DataConnectionError(BaseModel):
    statusCode: str | None = None
    statusText: str | None = None
    errorMessage: str | None = None
    erroredOnUtc: datetime | None = None
    status: str | None = None
    resolvedOnUtc: datetime | None = None


class Connection(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: uuid.UUID
    integrationId: uuid.UUID
    integrationKey: str
    sourceId: uuid.UUID
    sourceType: SourceType
    platformName: str
    linkUrl: str
    status: ConnectionStatus
    lastSync: datetime | None = None
    created: datetime
    dataConnectionErrors: list[DataConnectionError] | None = None
    connectionInfo: dict[str, Any] | None = None


class CompanyLinks(BaseModel):
    portal: str | None = None


class CompanyReference(BaseModel):
    id: uuid.UUID
    name: str
    description: str | None = None
    links: CompanyLinks | None = None
    tags: Tags | None = None


class Company(BaseModel):
    id: uuid.UUID
    name: str
    description: str | None = None
    redirect: str
    lastSync: datetime | None = None
    created: datetime
    createdByUserName: str | None = None
    products: list[str] = Field(default_factory=list)
    tags: Tags = Field(default_factory=dict)
    referenceParentCompany: CompanyReference | None = None
    referenceSubsidiaryCompanies: list[CompanyReference] = Field(default_factory=list)
    dataConnections: list[Connection] = Field(default_factory=list)


class Companies(PagingInfo):
    results: list[Company]


class Connections(PagingInfo):
    results: list[Connection]
