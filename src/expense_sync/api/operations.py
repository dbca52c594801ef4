"""Wire shapes of pull and push operations, shared by the routers that return them."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel

from expense_sync.api.errors import Validation
from expense_sync.api.paging import PagingInfo
from expense_sync.services.manage_data import ERRORED, FINISHED
from expense_sync.storage import models


class PullOperation(BaseModel):
    id: uuid.UUID
    companyId: uuid.UUID
    connectionId: uuid.UUID
    dataType: str
    status: str
    statusDescription: str | None = None
    errorMessage: str | None = None
    requested: datetime
    completed: datetime | None = None
    progress: int
    isCompleted: bool
    isErrored: bool


class PullOperations(PagingInfo):
    results: list[PullOperation]


class RecordRef(BaseModel):
    id: str | None = None
    dataType: str | None = None


class PushChange(BaseModel):
    type: str
    recordRef: RecordRef
    attachmentId: str | None = None


class PushOperation(BaseModel):
    changes: list[PushChange] | None = None
    dataType: str
    companyId: uuid.UUID
    pushOperationKey: uuid.UUID
    dataConnectionKey: uuid.UUID
    requestedOnUtc: datetime
    completedOnUtc: datetime | None = None
    timeoutInMinutes: int | None = None
    timeoutInSeconds: int | None = None
    status: str
    errorMessage: str | None = None
    validation: Validation | None = None
    statusCode: int


class PushOperationWithData(PushOperation):
    data: dict[str, Any]


class PushOperations(PagingInfo):
    results: list[PushOperation]


def pull(row: models.PullOperation) -> PullOperation:
    return PullOperation(
        id=row.id,
        companyId=row.company_id,
        connectionId=row.connection_id,
        dataType=row.data_type,
        status=row.status,
        statusDescription=row.status_description,
        errorMessage=row.error_message,
        requested=row.requested,
        completed=row.completed,
        progress=row.progress,
        isCompleted=row.status in FINISHED,
        isErrored=row.status in ERRORED,
    )


def push(row: models.PushOperation) -> PushOperationWithData:
    return PushOperationWithData(
        changes=[PushChange.model_validate(c) for c in row.changes] if row.changes else None,
        dataType=row.data_type,
        companyId=row.company_id,
        pushOperationKey=row.id,
        dataConnectionKey=row.connection_id,
        requestedOnUtc=row.requested,
        completedOnUtc=row.completed,
        timeoutInMinutes=row.timeout_in_minutes,
        timeoutInSeconds=row.timeout_in_minutes * 60 if row.timeout_in_minutes else None,
        status=row.status,
        errorMessage=row.error_message,
        validation=Validation.model_validate(row.validation) if row.validation else None,
        statusCode=row.status_code,
        data={"id": row.record_id, **row.data} if row.record_id else row.data,
    )
