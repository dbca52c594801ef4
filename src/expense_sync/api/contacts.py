"""Customers and Suppliers (Codat tags): read from the cache, create and update in the books."""

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request

from expense_sync.api.dependencies import CallerDep, CompanySlot, UowDep
from expense_sync.api.errors import ERROR_RESPONSES
from expense_sync.api.paging import PagingInfo, page_request, paging_fields
from expense_sync.api.push_routes import add_push_routes
from expense_sync.services import cached_data
from expense_sync.storage.query_sql import PageRequest

router = APIRouter(responses=ERROR_RESPONSES, dependencies=[CompanySlot])


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

    add_push_routes(
        router,
        segment=data_type,
        data_type=data_type,
        tag=tag,
        create_id=f"create-{singular}",
        update=(f"update-{singular}", f"{singular}Id"),
    )


_routes("customers", "Customers", "customer")
_routes("suppliers", "Suppliers", "supplier")
