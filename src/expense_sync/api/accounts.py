"""Accounts and Bank accounts (Codat tags): create them in the books; their create models."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Body, Query

from expense_sync.api.dependencies import CallerDep, CompanySlot, RuntimeDep, UowDep
from expense_sync.api.errors import ERROR_RESPONSES
from expense_sync.api.operations import PushOperationWithData, push_option, submit_push

router = APIRouter(responses=ERROR_RESPONSES, dependencies=[CompanySlot])
CONNECTION = "/companies/{companyId}/connections/{connectionId}"
Timeout = Annotated[int | None, Query(description="Minutes before the push is timed out.")]
AllowSync = Annotated[bool, Query(description="Accepted for Codat compatibility.")]
Record = Annotated[dict[str, Any], Body(description="The record, in Codat's shape.")]


def _routes(segment: str, data_type: str, tag: str, create_id: str, model_id: str) -> None:
    @router.post(
        f"{CONNECTION}/push/{segment}",
        operation_id=create_id,
        tags=[tag],
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
        allowSyncOnPushComplete: AllowSync = True,
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

    @router.get(f"{CONNECTION}/options/{data_type}", operation_id=model_id, tags=[tag])
    def create_model(
        companyId: uuid.UUID, connectionId: uuid.UUID, caller: CallerDep, uow: UowDep
    ) -> dict[str, Any]:
        return push_option(uow, caller.client_id, companyId, connectionId, data_type)


_routes(
    "accounts", "chartOfAccounts", "Accounts", "create-account", "get-create-chartOfAccounts-model"
)
_routes(
    "bankAccounts",
    "bankAccounts",
    "Bank accounts",
    "create-bank-account",
    "get-create-bankAccounts-model",
)
