"""Push operations (Codat tag): the history of writes to a company's books."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Request

from expense_sync.api import operations
from expense_sync.api.dependencies import CallerDep, CompanySlot, UowDep
from expense_sync.api.errors import ERROR_RESPONSES
from expense_sync.api.paging import page_request, paging_fields
from expense_sync.services import push as service
from expense_sync.storage.query_sql import PageRequest

router = APIRouter(tags=["Push operations"], responses=ERROR_RESPONSES, dependencies=[CompanySlot])


@router.get(
    "/companies/{companyId}/push",
    operation_id="list-push-operations",
    response_model=operations.PushOperations,
)
def list_push_operations(
    request: Request,
    companyId: uuid.UUID,
    caller: CallerDep,
    uow: UowDep,
    paging: Annotated[PageRequest, Depends(page_request)],
) -> operations.PushOperations:
    page = service.list_pushes(uow.session, caller.client_id, companyId, paging)
    return operations.PushOperations(
        results=[operations.push(row) for row in page.results], **paging_fields(request, page)
    )


@router.get(
    "/companies/{companyId}/push/{pushOperationKey}",
    operation_id="get-push-operation",
    response_model=operations.PushOperationWithData,
)
def get_push_operation(
    companyId: uuid.UUID, pushOperationKey: uuid.UUID, caller: CallerDep, uow: UowDep
) -> operations.PushOperationWithData:
    row = service.get_push(uow.session, caller.client_id, companyId, pushOperationKey)
    return operations.push(row)
