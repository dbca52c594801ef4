"""Companies (Codat tag: Companies)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import Field

from expense_sync.api import presenters, schemas
from expense_sync.api.dependencies import CallerDep, CompanySlot, UowDep
from expense_sync.api.errors import ERROR_RESPONSES
from expense_sync.api.paging import page_request, paging_fields
from expense_sync.api.presenters import LinkUrlsDep
from expense_sync.domain.text import require_storable
from expense_sync.services import companies as service
from expense_sync.storage.query_sql import PageRequest

router = APIRouter(tags=["Companies"], responses=ERROR_RESPONSES)

TagsField = Annotated[
    schemas.Tags | None,
    Field(description="Up to 10 key-value pairs; keys 1-27 characters, values up to 100."),
]


class CompanyRequestBody(schemas.StrictRequest):
    name: str = Field(
        min_length=1,
        max_length=500,
        description="Characters outside letters, digits, spaces and - ' , & @ . ? ! are removed.",
    )
    description: str | None = Field(default=None, max_length=5000)
    tags: TagsField = None


class CompanyUpdateRequest(schemas.StrictRequest):
    name: str | None = Field(default=None, min_length=1, max_length=500)
    description: str | None = Field(default=None, max_length=5000)
    tags: TagsField = None


def _changes(body: CompanyRequestBody | CompanyUpdateRequest) -> service.CompanyChanges:
    return service.CompanyChanges(name=body.name, description=body.description, tags=body.tags)


@router.get("/companies", operation_id="list-companies", response_model=schemas.Companies)
def list_companies(
    request: Request,
    caller: CallerDep,
    uow: UowDep,
    urls: LinkUrlsDep,
    paging: Annotated[PageRequest, Depends(page_request)],
    tags: Annotated[str | None, Query(description="Filter on tags, e.g. region=uk.")] = None,
) -> schemas.Companies:
    require_storable(tags, "tags")
    page = service.list_companies(uow.session, caller.client_id, paging, tags)
    return schemas.Companies(
        results=[presenters.company(row, urls) for row in page.results],
        **paging_fields(request, page),
    )


@router.post("/companies", operation_id="create-company", response_model=schemas.Company)
def create_company(
    body: CompanyRequestBody, caller: CallerDep, uow: UowDep, urls: LinkUrlsDep
) -> schemas.Company:
    row = service.create_company(uow.session, caller.client_id, _changes(body), created_by=None)
    uow.commit()
    return presenters.company(row, urls)


@router.get(
    "/companies/{companyId}",
    operation_id="get-company",
    response_model=schemas.Company,
    dependencies=[CompanySlot],
)
def get_company(
    companyId: uuid.UUID, caller: CallerDep, uow: UowDep, urls: LinkUrlsDep
) -> schemas.Company:
    return presenters.company(service.get_company(uow.session, caller.client_id, companyId), urls)


@router.put(
    "/companies/{companyId}",
    operation_id="replace-company",
    response_model=schemas.Company,
    dependencies=[CompanySlot],
)
def replace_company(
    companyId: uuid.UUID,
    body: CompanyRequestBody,
    caller: CallerDep,
    uow: UowDep,
    urls: LinkUrlsDep,
) -> schemas.Company:
    row = service.replace_company(uow.session, caller.client_id, companyId, _changes(body))
    uow.commit()
    return presenters.company(row, urls)


@router.patch(
    "/companies/{companyId}",
    operation_id="update-company",
    response_model=schemas.Company,
    dependencies=[CompanySlot],
)
def update_company(
    companyId: uuid.UUID,
    caller: CallerDep,
    uow: UowDep,
    urls: LinkUrlsDep,
    body: CompanyUpdateRequest | None = None,
) -> schemas.Company:
    changes = _changes(body) if body else service.CompanyChanges()
    row = service.update_company(uow.session, caller.client_id, companyId, changes)
    uow.commit()
    return presenters.company(row, urls)


@router.delete(
    "/companies/{companyId}",
    operation_id="delete-company",
    status_code=204,
    response_class=Response,
    dependencies=[CompanySlot],
)
def delete_company(companyId: uuid.UUID, caller: CallerDep, uow: UowDep) -> Response:
    service.delete_company(uow.session, caller.client_id, companyId)
    uow.commit()
    return Response(status_code=204)
