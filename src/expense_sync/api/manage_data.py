"""Manage data (Codat tag): refresh the cache from the books, and follow the pulls."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from pydantic import BaseModel

from expense_sync.api import operations
from expense_sync.api.dependencies import CallerDep, CompanySlot, RuntimeDep, UowDep
from expense_sync.api.errors import ERROR_RESPONSES
from expense_sync.api.paging import page_request, paging_fields
from expense_sync.services import manage_data as service
from expense_sync.storage.query_sql import PageRequest

router = APIRouter(tags=["Manage data"], responses=ERROR_RESPONSES, dependencies=[CompanySlot])


class DataStatus(BaseModel):
    dataType: str
    lastSuccessfulSync: datetime | None = None
    currentStatus: str
    latestSyncId: uuid.UUID | None = None
    latestSuccessfulSyncId: uuid.UUID | None = None
    errorMessage: str | None = None


@router.post(
    "/companies/{companyId}/data/all",
    operation_id="refresh-all-data-types",
    status_code=204,
    response_class=Response,
)
def refresh_all(
    companyId: uuid.UUID, caller: CallerDep, uow: UowDep, runtime: RuntimeDep
) -> Response:
    service.queue_all(
        uow.session, caller.client_id, companyId, uow.after_commit, runtime.executor.pull
    )
    uow.commit()
    return Response(status_code=204)


@router.post(
    "/companies/{companyId}/data/queue/{dataType}",
    operation_id="refresh-data-type",
    response_model=operations.PullOperation,
)
def refresh_data_type(
    companyId: uuid.UUID,
    dataType: Annotated[str, Path(max_length=100)],
    caller: CallerDep,
    uow: UowDep,
    runtime: RuntimeDep,
    connectionId: Annotated[uuid.UUID | None, Query()] = None,
) -> operations.PullOperation:
    row = service.queue_pull(
        uow.session,
        caller.client_id,
        companyId,
        dataType,
        uow.after_commit,
        runtime.executor.pull,
        connectionId,
    )
    uow.commit()
    return operations.pull(row)


@router.get(
    "/companies/{companyId}/dataStatus",
    operation_id="get-data-status",
    response_model=dict[str, DataStatus],
)
def data_status(companyId: uuid.UUID, caller: CallerDep, uow: UowDep) -> dict[str, DataStatus]:
    return {
        status.data_type: DataStatus(
            dataType=status.data_type,
            currentStatus=status.current_status,
            latestSyncId=status.latest.id,
            lastSuccessfulSync=status.latest_successful.completed
            if status.latest_successful
            else None,
            latestSuccessfulSyncId=status.latest_successful.id
            if status.latest_successful
            else None,
            errorMessage=status.latest.error_message,
        )
        for status in service.data_status(uow.session, caller.client_id, companyId)
    }


@router.get(
    "/companies/{companyId}/data/history",
    operation_id="list-pull-operations",
    response_model=operations.PullOperations,
)
def list_pull_operations(
    request: Request,
    companyId: uuid.UUID,
    caller: CallerDep,
    uow: UowDep,
    paging: Annotated[PageRequest, Depends(page_request)],
) -> operations.PullOperations:
    page = service.list_pulls(uow.session, caller.client_id, companyId, paging)
    return operations.PullOperations(
        results=[operations.pull(row) for row in page.results], **paging_fields(request, page)
    )


@router.get(
    "/companies/{companyId}/data/history/{datasetId}",
    operation_id="get-pull-operation",
    response_model=operations.PullOperation,
)
def get_pull_operation(
    companyId: uuid.UUID, datasetId: uuid.UUID, caller: CallerDep, uow: UowDep
) -> operations.PullOperation:
    return operations.pull(service.get_pull(uow.session, caller.client_id, companyId, datasetId))
