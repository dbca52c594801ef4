"""Customers and Suppliers (Codat tags): read from the cache, create and update in the books."""

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Path, Query, Request

from expense_sync.api.dependencies import CallerDep, CompanySlot, RuntimeDep, UowDep
from expense_sync.api.errors import ERROR_RESPONSES
from expense_sync.api.operations import PushOperationWithData, submit_push
from expense_sync.api.paging import PagingInfo, page_request, paging_fields
from expense_sync.services import cached_data
from expense_sync.storage.query_sql import PageRequest

router = APIRouter(responses=ERROR_RESPONSES, dependencies=[CompanySlot])
CONNECTION = "/companies/{companyId}/connections/{connectionId}"
Timeout = Annotated[int | None, Query(description="Minutes before the push is timed out.")]
Record = Annotated[dict[str, Any], Body(description="The record, in Codat's shape.")]


class Records(PagingInfo):
    results: list[dict[str, Any]]


def _routes(data_type: str, tag: str, singular: str) -> None:
    RecordId = Annotated[str, Path(alias=f"{singular}Id", min_length=1, max_length=200)]

    @router.get(
        f"/companies/{{companyId}}/data/{data_type}",
        tags=[tag],
        operation_id=f"list-{data_type}",
        response_model=Records,
    )
    def list_records(
        request: Request,
        companyId: uuid.UUID,
        caller: CallerDep,
        uow: UowDep,
        paging: Annotated[PageRequest, Depends(page_request)],
    ) -> Records:
        page = cached_data.list_records(uow.session, caller.client_id, companyId, data_type, paging)
        return Records(results=[row.data for row in page.results], **paging_fields(request, page))

    @router.get(
        f"/companies/{{companyId}}/data/{data_type}/{{{singular}Id}}",
        tags=[tag],
        operation_id=f"get-{singular}",
    )
    def get_record(
        companyId: uuid.UUID, record_id: RecordId, caller: CallerDep, uow: UowDep
    ) -> dict[str, Any]:
        return cached_data.get_record(
            uow.session, caller.client_id, companyId, data_type, record_id
        )

    @router.post(
        f"{CONNECTION}/push/{data_type}",
        tags=[tag],
        operation_id=f"create-{singular}",
        response_model=PushOperationWithData,
    )
    def create(
        companyId: uuid.UUID,
        connectionId: uuid.UUID,
        body: Record,
        caller: CallerDep,
        uow: UowDep,
        runtime: RuntimeDep,
        timeoutInMinutes: Timeout = None,
    ) -> PushOperationWithData:
        return submit_push(
            uow=uow,
            runtime=runtime,
            client_id=caller.client_id,
            company_id=companyId,
            connection_id=connectionId,
            data_type=data_type,
            body=body,
            timeout_in_minutes=timeoutInMinutes,
        )

    @router.put(
        f"{CONNECTION}/push/{data_type}/{{{singular}Id}}",
        tags=[tag],
        operation_id=f"update-{singular}",
        response_model=PushOperationWithData,
    )
    def update(
        companyId: uuid.UUID,
        connectionId: uuid.UUID,
        body: Record,
        caller: CallerDep,
        uow: UowDep,
        runtime: RuntimeDep,
        record_id: RecordId,
        timeoutInMinutes: Timeout = None,
        forceUpdate: Annotated[bool, Query()] = False,
    ) -> PushOperationWithData:
        return submit_push(
            uow=uow,
            runtime=runtime,
            client_id=caller.client_id,
            company_id=companyId,
            connection_id=connectionId,
            data_type=data_type,
            body=body,
            timeout_in_minutes=timeoutInMinutes,
            record_id=record_id,
        )


_routes("customers", "Customers", "customer")
_routes("suppliers", "Suppliers", "supplier")
