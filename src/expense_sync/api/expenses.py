"""Expenses, reimbursements, transfers, adjustments, configuration and sync status
(Codat's Sync for Expenses tags)."""

# No `from __future__ import annotations`: FastAPI must see the Annotated body type.
import uuid
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Request
from pydantic import BaseModel

from expense_sync.api.dependencies import CallerDep, CompanySlot, RuntimeDep, UowDep
from expense_sync.api.errors import ERROR_RESPONSES
from expense_sync.api.paging import page_request, paging_fields
from expense_sync.domain.expenses import canonical_id
from expense_sync.domain.syncs import status_text, visible_code
from expense_sync.services import expenses as intake
from expense_sync.services import syncs as service
from expense_sync.storage.models import Sync, SyncItem
from expense_sync.storage.query_sql import PageRequest

router = APIRouter(responses=ERROR_RESPONSES, dependencies=[CompanySlot])
BASE = "/companies/{companyId}/sync/expenses"
JsonBody = Annotated[Any, Body(description="The request body, in Codat's shape.")]


class SyncCreated(BaseModel):
    syncId: uuid.UUID


class CompanySyncStatus(BaseModel):
    companyId: str
    syncId: str
    syncStatusCode: int
    syncStatus: str
    errorMessage: str | None = None
    syncExceptionMessage: str | None = None
    syncUtc: str
    dataPushed: bool


class TransactionStatus(BaseModel):
    transactionId: str
    status: str
    message: str | None = None
    integrationType: str = "expenses"


# (method, path under BASE, operationId, tag, kind, status code); a path ending in
# {transactionId} takes the client's id from the path.
INTAKE = (
    ("POST", "/expense-transactions", "create-expense-transaction", "Expenses", "expense", 200),
    ("PUT", "/expense-transactions/{transactionId}", "update-expense-transaction", "Expenses",
     "expense", 202),
    ("POST", "/reimbursable-expense-transactions", "create-reimbursable-expense-transaction",
     "Reimbursements", "reimbursable", 200),
    ("PUT", "/reimbursable-expense-transactions/{transactionId}",
     "update-reimbursable-expense-transaction", "Reimbursements", "reimbursable", 200),
    ("PUT", "/transfer-transactions/{transactionId}", "create-transfer-transaction", "Transfers",
     "transfer", 200),
    ("POST", "/adjustment-transactions", "create-adjustment-transaction", "Adjustments",
     "adjustment", 200),
)  # fmt: skip


def _add_intake(method: str, path: str, operation_id: str, tag: str, kind: str, code: int) -> None:
    """Declare one intake endpoint: check, store, commit, then queue the sync."""

    def submit(
        uow: UowDep, runtime: RuntimeDep, client_id: uuid.UUID, company_id: uuid.UUID,
        body: Any, transaction_id: str | None,
    ) -> SyncCreated:  # fmt: skip
        sync = intake.submit(
            uow.session, client_id, company_id, kind, body,
            on_commit=uow.after_commit, enqueue=runtime.executor.sync,
            transaction_id=transaction_id,
        )  # fmt: skip
        uow.commit()
        return SyncCreated(syncId=sync.id)

    route = router.api_route(f"{BASE}{path}", methods=[method], status_code=code,
                             operation_id=operation_id, tags=[tag])  # fmt: skip
    if path.endswith("{transactionId}"):

        def by_id(
            companyId: uuid.UUID, transactionId: uuid.UUID, body: JsonBody, caller: CallerDep,
            uow: UowDep, runtime: RuntimeDep,
        ) -> SyncCreated:  # fmt: skip
            return submit(uow, runtime, caller.client_id, companyId, body, str(transactionId))

        route(by_id)
    else:

        def batch(
            companyId: uuid.UUID, body: JsonBody, caller: CallerDep, uow: UowDep,
            runtime: RuntimeDep,
        ) -> SyncCreated:  # fmt: skip
            return submit(uow, runtime, caller.client_id, companyId, body, None)

        route(batch)


for declared in INTAKE:
    _add_intake(*declared)


# -- the v1 flow (sync-for-expenses-v1.openapi.json): datasets, then a sync of them -----


class DatasetCreated(BaseModel):
    datasetId: uuid.UUID


@router.post(
    f"{BASE}/data/expense-transactions",
    operation_id="create-expense-dataset",
    tags=["Expenses"],
    summary="Create an expense dataset (v1); sync it with POST .../syncs",
)
def create_dataset(
    companyId: uuid.UUID, body: JsonBody, caller: CallerDep, uow: UowDep
) -> DatasetCreated:
    dataset = intake.create_dataset(uow.session, caller.client_id, companyId, body)
    uow.commit()
    return DatasetCreated(datasetId=dataset.id)


@router.post(
    f"{BASE}/syncs",
    operation_id="initiate-sync",
    tags=["Sync"],
    summary="Sync expense datasets (v1)",
)
def initiate_sync(
    companyId: uuid.UUID, body: JsonBody, caller: CallerDep, uow: UowDep, runtime: RuntimeDep
) -> SyncCreated:
    sync = intake.sync_datasets(
        uow.session, caller.client_id, companyId, body,
        on_commit=uow.after_commit, enqueue=runtime.executor.sync,
    )  # fmt: skip
    uow.commit()
    return SyncCreated(syncId=sync.id)


# -- configuration -----------------------------------------------------------------------


@router.get(f"{BASE}/config", operation_id="get-company-configuration", tags=["Configuration"])
def get_configuration(companyId: uuid.UUID, caller: CallerDep, uow: UowDep) -> dict[str, Any]:
    return intake.get_configuration(uow.session, caller.client_id, companyId)


@router.post(f"{BASE}/config", operation_id="set-company-configuration", tags=["Configuration"])
def set_configuration(
    companyId: uuid.UUID, body: JsonBody, caller: CallerDep, uow: UowDep
) -> dict[str, Any]:
    saved = intake.set_configuration(uow.session, caller.client_id, companyId, body)
    uow.commit()
    return saved


# -- sync status -------------------------------------------------------------------------


def _status(sync: Sync) -> CompanySyncStatus:
    code = visible_code(sync.status_code, sync.started, datetime.now(UTC))
    return CompanySyncStatus(
        companyId=str(sync.company_id),
        syncId=str(sync.id),
        syncStatusCode=code,
        syncStatus=status_text(code),
        errorMessage=sync.error_message,
        syncExceptionMessage=sync.exception_message,
        syncUtc=(sync.completed or sync.started or sync.requested).isoformat(),
        dataPushed=sync.data_pushed,
    )


@router.get(
    f"{BASE}/syncs/lastSuccessful/status",
    operation_id="get-last-successful-sync",
    tags=["Sync status"],
)
def last_successful(companyId: uuid.UUID, caller: CallerDep, uow: UowDep) -> CompanySyncStatus:
    return _status(service.latest_sync(uow.session, caller.client_id, companyId, successful=True))


@router.get(f"{BASE}/syncs/latest/status", operation_id="get-latest-sync", tags=["Sync status"])
def latest(companyId: uuid.UUID, caller: CallerDep, uow: UowDep) -> CompanySyncStatus:
    return _status(service.latest_sync(uow.session, caller.client_id, companyId))


@router.get(f"{BASE}/syncs/list/status", operation_id="list-syncs", tags=["Sync status"])
def list_syncs(companyId: uuid.UUID, caller: CallerDep, uow: UowDep) -> list[CompanySyncStatus]:
    return [_status(s) for s in service.list_syncs(uow.session, caller.client_id, companyId)]


@router.get(f"{BASE}/syncs/{{syncId}}/status", operation_id="get-sync-by-id", tags=["Sync status"])
def get_sync(
    companyId: uuid.UUID, syncId: uuid.UUID, caller: CallerDep, uow: UowDep
) -> CompanySyncStatus:
    return _status(service.get_sync(uow.session, caller.client_id, companyId, syncId))


def _transaction(item: SyncItem) -> TransactionStatus:
    status = "Pending" if item.status == "Pushing" else item.status
    return TransactionStatus(
        transactionId=item.transaction.transaction_id, status=status, message=item.message
    )


@router.get(
    f"{BASE}/syncs/{{syncId}}/transactions",
    operation_id="list-sync-transactions",
    tags=["Transaction status"],
)
def list_transactions(
    companyId: uuid.UUID,
    syncId: uuid.UUID,
    request: Request,
    caller: CallerDep,
    uow: UowDep,
    paging: Annotated[PageRequest, Depends(page_request)],
) -> dict[str, Any]:
    page = service.list_items(uow.session, caller.client_id, companyId, syncId, paging)
    return {
        "results": [_transaction(item).model_dump() for item in page.results],
        **paging_fields(request, page),
    }


@router.get(
    f"{BASE}/syncs/{{syncId}}/transactions/{{transactionId}}",
    operation_id="get-sync-transaction",
    tags=["Transaction status"],
)
def get_transaction(
    companyId: uuid.UUID, syncId: uuid.UUID, transactionId: str, caller: CallerDep, uow: UowDep
) -> list[TransactionStatus]:
    wanted = canonical_id(transactionId) or transactionId
    item = service.get_item(uow.session, caller.client_id, companyId, syncId, wanted)
    return [_transaction(item)]
