"""API keys (Platform API tag: Settings; Codat files them there)."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Response
from pydantic import BaseModel, Field

from expense_sync.api.dependencies import CallerDep, UowDep
from expense_sync.api.errors import ERROR_RESPONSES
from expense_sync.api.schemas import StrictRequest
from expense_sync.services import clients as service

router = APIRouter(tags=["Settings"], responses=ERROR_RESPONSES)


class CreateApiKey(StrictRequest):
    name: str | None = Field(default=None, max_length=50)


class ApiKeyDetails(BaseModel):
    id: str
    name: str | None = None
    apiKey: str | None = Field(
        default=None, description="Only in the create response: keys are stored hashed."
    )
    createdDate: datetime | None = None


class ApiKeys(BaseModel):
    results: list[ApiKeyDetails]


@router.get(
    "/apiKeys",
    operation_id="list-api-keys",
    response_model=ApiKeys,
    response_model_exclude_none=True,
)
def list_api_keys(caller: CallerDep, uow: UowDep) -> ApiKeys:
    keys = service.list_api_keys(uow.session, caller.client_id)
    return ApiKeys(
        results=[ApiKeyDetails(id=str(k.id), name=k.name, createdDate=k.created) for k in keys]
    )


@router.post(
    "/apiKeys",
    operation_id="create-api-key",
    status_code=201,
    response_model=ApiKeyDetails,
    response_model_exclude_none=True,
)
def create_api_key(
    caller: CallerDep, uow: UowDep, body: CreateApiKey | None = None
) -> ApiKeyDetails:
    created = service.create_api_key(uow.session, caller.client_id, body.name if body else None)
    uow.commit()
    record = created.record
    return ApiKeyDetails(
        id=str(record.id), name=record.name, apiKey=created.plaintext, createdDate=record.created
    )


@router.delete(
    "/apiKeys/{apiKeyId}", operation_id="delete-api-key", status_code=204, response_class=Response
)
def delete_api_key(apiKeyId: str, caller: CallerDep, uow: UowDep) -> Response:
    service.delete_api_key(uow.session, caller.client_id, apiKeyId)
    uow.commit()
    return Response(status_code=204)
