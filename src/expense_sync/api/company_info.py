"""Company info and Mapping options (Codat tags), both read from the cache."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter

from expense_sync.api.dependencies import CallerDep, CompanySlot, UowDep
from expense_sync.api.errors import ERROR_RESPONSES
from expense_sync.services import cached_data

router = APIRouter(responses=ERROR_RESPONSES, dependencies=[CompanySlot])


@router.get(
    "/companies/{companyId}/data/info", operation_id="get-company-info", tags=["Company info"]
)
def get_company_info(companyId: uuid.UUID, caller: CallerDep, uow: UowDep) -> dict[str, Any]:
    return cached_data.company_info(uow.session, caller.client_id, companyId)


@router.get(
    "/companies/{companyId}/sync/expenses/mappingOptions",
    operation_id="get-mapping-options",
    tags=["Mapping options"],
)
def get_mapping_options(companyId: uuid.UUID, caller: CallerDep, uow: UowDep) -> dict[str, Any]:
    return cached_data.mapping_options(uow.session, caller.client_id, companyId)
