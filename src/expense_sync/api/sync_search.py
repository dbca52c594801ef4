"""``GET /syncs``: the client's syncs across all companies (an extension; Codat lists
syncs only per company). Codat's ``query``, ``page``, ``pageSize`` and ``orderBy`` and
its paging envelope, so support tools script what the dashboard's history shows."""

# No `from __future__ import annotations`: FastAPI must see the Annotated types.
import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel

from expense_sync.api.dependencies import CallerDep, UowDep
from expense_sync.api.errors import ERROR_RESPONSES
from expense_sync.api.paging import PagingInfo, page_request, paging_fields
from expense_sync.services.sync_search import SyncRow, search_syncs
from expense_sync.storage.query_sql import PageRequest

router = APIRouter(responses=ERROR_RESPONSES)

DESCRIPTION = """\
**Extension** (not in Codat's API, which lists syncs per company only): every sync of
every company of the calling client, newest first, in Codat's paging envelope.

`query` is Codat's query language over `syncId`, `companyId`, `companyName`,
`syncStatusCode`, `dataPushed`, `requestedUtc`, `startedUtc`, `completedUtc`,
`durationMs`, `platformKey` and `retryOfSyncId`; `orderBy` takes any of them
(`-` for descending). Example: `query=companyName~acme&&syncStatusCode=5130&orderBy=-requestedUtc`.
"""


class SyncSummary(BaseModel):
    """Codat's ``CompanySyncStatus`` fields, then this extension's own (marked)."""

    companyId: str
    syncId: str
    syncStatusCode: int
    syncStatus: str
    errorMessage: str | None = None
    syncExceptionMessage: str | None = None
    syncUtc: datetime
    dataPushed: bool
    companyName: str
    requestedUtc: datetime
    startedUtc: datetime | None = None
    completedUtc: datetime | None = None
    durationMs: int | None = None
    platformKey: str | None = None
    retryOfSyncId: uuid.UUID | None = None


class SyncPage(PagingInfo):
    results: list[SyncSummary]


def summary(row: SyncRow) -> SyncSummary:
    duration = row.duration
    return SyncSummary(
        companyId=str(row.company_id),
        syncId=str(row.id),
        syncStatusCode=row.status_code,
        syncStatus=row.status,
        errorMessage=row.error_message,
        syncExceptionMessage=row.exception_message,
        syncUtc=row.completed or row.started or row.requested,
        dataPushed=row.data_pushed,
        companyName=row.company_name,
        requestedUtc=row.requested,
        startedUtc=row.started,
        completedUtc=row.completed,
        durationMs=None if duration is None else int(duration.total_seconds() * 1000),
        platformKey=row.platform_key,
        retryOfSyncId=row.retry_of_id,
    )


@router.get(
    "/syncs",
    operation_id="x-list-client-syncs",
    tags=["Sync status"],
    summary="List syncs across all companies (extension)",
    description=DESCRIPTION,
)
def list_client_syncs(
    request: Request,
    caller: CallerDep,
    uow: UowDep,
    paging: Annotated[PageRequest, Depends(page_request)],
) -> SyncPage:
    page = search_syncs(uow.session, caller.client_id, paging)
    return SyncPage(results=[summary(row) for row in page.results], **paging_fields(request, page))
