"""Integrations (Platform API tag: Integrations): every platform and its manifest."""

from __future__ import annotations

import html
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request, Response
from pydantic import BaseModel

from expense_sync.api.dependencies import CallerDep
from expense_sync.api.errors import ERROR_RESPONSES
from expense_sync.api.paging import PagingInfo, page_request, paging_fields
from expense_sync.connectors.base import PlatformManifest
from expense_sync.connectors.catalog import listed_manifests, manifest_for
from expense_sync.domain.connections import SourceType
from expense_sync.domain.errors import NotFound
from expense_sync.storage.query_sql import PageRequest, in_memory_page

router = APIRouter(tags=["Integrations"], responses=ERROR_RESPONSES)


class SupportedFeature(BaseModel):
    featureType: str
    featureState: str


class DataTypeFeature(BaseModel):
    """Codat's ``dataTypeFeature`` names the property ``dataType`` (as its SDKs read it) but
    requires ``datatype`` (as its example spells it); both are sent, with one value."""

    dataType: str
    datatype: str
    supportedFeatures: list[SupportedFeature]


class Manifest(BaseModel):
    """expense-sync's extension: the platform's capability manifest."""

    logoText: str
    connectorAvailable: bool
    availabilityNote: str
    authKind: str
    linkFields: list[dict[str, Any]]
    reads: list[str]
    writes: list[str]
    transactionTypes: list[str]
    batchSize: int
    rateLimit: dict[str, int]
    attachments: dict[str, Any] | None
    testedAgainst: str


class Integration(BaseModel):
    key: str
    logoUrl: str
    name: str
    enabled: bool
    sourceId: uuid.UUID
    sourceType: SourceType
    integrationId: uuid.UUID
    isOfflineConnector: bool
    isBeta: bool
    dataProvidedBy: str
    datatypeFeatures: list[DataTypeFeature]
    manifest: Manifest


class Integrations(PagingInfo):
    results: list[Integration]


QUERYABLE = ("key", "name", "enabled", "sourceType", "isOfflineConnector")


def _features(m: PlatformManifest) -> list[DataTypeFeature]:
    def state(supported: bool) -> str:
        return "Release" if supported and m.connector_available else "NotImplemented"

    return [
        DataTypeFeature(
            dataType=data_type,
            datatype=data_type,
            supportedFeatures=[
                SupportedFeature(featureType="Get", featureState=state(data_type in m.reads)),
                SupportedFeature(featureType="Post", featureState=state(data_type in m.writes)),
            ],
        )
        for data_type in dict.fromkeys((*m.reads, *m.writes))
    ]


def present(m: PlatformManifest, base_url: str) -> Integration:
    attachments = (
        {"maxBytes": m.attachments.max_bytes, "contentTypes": list(m.attachments.content_types)}
        if m.attachments
        else None
    )
    return Integration(
        key=m.key,
        logoUrl=f"{base_url}/integrations/{m.key}/logo.svg",
        name=m.name,
        enabled=m.connector_available,
        sourceId=m.source_id,
        sourceType=m.source_type,
        integrationId=m.integration_id,
        isOfflineConnector=m.is_offline_connector,
        isBeta=m.is_beta,
        dataProvidedBy="expense-sync",
        datatypeFeatures=_features(m),
        manifest=Manifest(
            logoText=m.logo_text,
            connectorAvailable=m.connector_available,
            availabilityNote=m.availability_note,
            authKind=m.auth_kind.value,
            linkFields=[
                {
                    "name": f.name,
                    "label": f.label,
                    "kind": f.kind,
                    "required": f.required,
                    "help": f.help,
                }
                for f in m.link_fields
            ],
            reads=list(m.reads),
            writes=list(m.writes),
            transactionTypes=list(m.transaction_types),
            batchSize=m.batch_size,
            rateLimit={"requests": m.rate_limit.requests, "perSeconds": m.rate_limit.per_seconds},
            attachments=attachments,
            testedAgainst=m.tested_against,
        ),
    )


def _value(item: Integration, field: str) -> Any:
    value = getattr(item, field)
    return str(value).lower() if isinstance(value, bool) else value


@router.get("/integrations", operation_id="list-integrations", response_model=Integrations)
def list_integrations(
    request: Request,
    caller: CallerDep,
    paging: Annotated[PageRequest, Depends(page_request)],
) -> Integrations:
    base = str(request.base_url).rstrip("/")
    everything = [present(m, base) for m in listed_manifests()]
    page = in_memory_page(everything, paging, _value, QUERYABLE)
    return Integrations(results=page.results, **paging_fields(request, page))


PlatformKey = Annotated[str, Path(min_length=1, max_length=100, description="e.g. bean")]


@router.get(
    "/integrations/{platformKey}", operation_id="get-integration", response_model=Integration
)
def get_integration(platformKey: PlatformKey, request: Request, caller: CallerDep) -> Integration:
    manifest = manifest_for(platformKey)
    if manifest is None or manifest not in listed_manifests():
        raise NotFound("Integration", platformKey)
    return present(manifest, str(request.base_url).rstrip("/"))


@router.get("/integrations/{platformKey}/logo.svg", include_in_schema=False)
def logo(platformKey: str) -> Response:
    manifest = manifest_for(platformKey)
    if manifest is None:
        raise NotFound("Integration", platformKey)
    text = html.escape(manifest.logo_text)
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64" viewBox="0 0 64 64">'
        '<rect width="64" height="64" rx="12" fill="#1f4e79"/>'
        '<text x="32" y="41" font-family="sans-serif" font-size="24" font-weight="bold" '
        f'fill="#fff" text-anchor="middle">{text}</text></svg>'
    )
    return Response(svg, media_type="image/svg+xml")
