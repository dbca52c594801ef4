"""Connections (Codat tag: Connections), including the Platform API's authorization PUT."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Body, Depends, Request, Response
from pydantic import Field

from expense_sync.api import presenters, schemas
from expense_sync.api.dependencies import CallerDep, CompanySlot, RuntimeDep, UowDep
from expense_sync.api.errors import ERROR_RESPONSES
from expense_sync.api.paging import page_request, paging_fields
from expense_sync.api.presenters import LinkUrlsDep
from expense_sync.domain.connections import ConnectionStatus
from expense_sync.services import connections as service
from expense_sync.storage.query_sql import PageRequest

router = APIRouter(tags=["Connections"], responses=ERROR_RESPONSES, dependencies=[CompanySlot])

CONNECTION = "/companies/{companyId}/connections/{connectionId}"


class CreateConnection(schemas.StrictRequest):
    platformKey: str = Field(
        min_length=1, max_length=100, description="A key from GET /integrations, e.g. bean."
    )


class UpdateConnection(schemas.StrictRequest):
    status: ConnectionStatus | None = None


@router.get(
    "/companies/{companyId}/connections",
    operation_id="list-connections",
    response_model=schemas.Connections,
)
def list_connections(
    request: Request,
    companyId: uuid.UUID,
    caller: CallerDep,
    uow: UowDep,
    urls: LinkUrlsDep,
    paging: Annotated[PageRequest, Depends(page_request)],
) -> schemas.Connections:
    page = service.list_connections(uow.session, caller.client_id, companyId, paging)
    return schemas.Connections(
        results=[presenters.connection(row, urls) for row in page.results],
        **paging_fields(request, page),
    )


@router.post(
    "/companies/{companyId}/connections",
    operation_id="create-connection",
    response_model=schemas.Connection,
)
def create_connection(
    companyId: uuid.UUID,
    body: CreateConnection,
    caller: CallerDep,
    uow: UowDep,
    urls: LinkUrlsDep,
) -> schemas.Connection:
    row = service.create_connection(uow.session, caller.client_id, companyId, body.platformKey)
    uow.commit()
    return presenters.connection(row, urls)


@router.get(CONNECTION, operation_id="get-connection", response_model=schemas.Connection)
def get_connection(
    companyId: uuid.UUID,
    connectionId: uuid.UUID,
    caller: CallerDep,
    uow: UowDep,
    urls: LinkUrlsDep,
) -> schemas.Connection:
    row = service.get_connection(uow.session, caller.client_id, companyId, connectionId)
    return presenters.connection(row, urls)


@router.delete(CONNECTION, operation_id="delete-connection", response_class=Response)
def delete_connection(
    companyId: uuid.UUID, connectionId: uuid.UUID, caller: CallerDep, uow: UowDep
) -> Response:
    service.delete_connection(uow.session, caller.client_id, companyId, connectionId)
    uow.commit()
    return Response(status_code=200)


@router.patch(CONNECTION, operation_id="unlink-connection", response_model=schemas.Connection)
def unlink_connection(
    companyId: uuid.UUID,
    connectionId: uuid.UUID,
    caller: CallerDep,
    uow: UowDep,
    urls: LinkUrlsDep,
    body: UpdateConnection | None = None,
) -> schemas.Connection:
    status = body.status if body else None
    row = service.unlink_connection(uow.session, caller.client_id, companyId, connectionId, status)
    uow.commit()
    return presenters.connection(row, urls)


@router.put(
    f"{CONNECTION}/authorization",
    operation_id="update-connection-authorization",
    response_model=schemas.Connection,
)
def update_authorization(
    companyId: uuid.UUID,
    connectionId: uuid.UUID,
    caller: CallerDep,
    uow: UowDep,
    urls: LinkUrlsDep,
    runtime: RuntimeDep,
    body: Annotated[
        dict[str, str],
        Body(description='The platform\'s link fields, e.g. {} or {"ledgerPath": "a.beancount"}.'),
    ],
) -> schemas.Connection:
    row = service.get_connection(uow.session, caller.client_id, companyId, connectionId)
    service.authorize_connection(uow.session, runtime.settings, row, body)
    uow.commit()
    return presenters.connection(row, urls)


@router.post(
    "/companies/{companyId}/sync/expenses/connections/partnerExpense",
    operation_id="create-partner-expense-connection",
    response_model=schemas.Connection,
)
def create_partner_expense_connection(
    companyId: uuid.UUID, caller: CallerDep, uow: UowDep, urls: LinkUrlsDep
) -> schemas.Connection:
    row = service.create_partner_expense_connection(uow.session, caller.client_id, companyId)
    uow.commit()
    return presenters.connection(row, urls)
