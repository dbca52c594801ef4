"""Attachments (Codat's tag): a receipt for a transaction of a sync, streamed to disk."""

# No `from __future__ import annotations`: FastAPI must see the Annotated dependency types.
import uuid

from fastapi import APIRouter, Request
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from expense_sync.api.dependencies import CallerDep, CompanySlot, RuntimeDep
from expense_sync.api.errors import ERROR_RESPONSES
from expense_sync.api.uploads import receive_file
from expense_sync.domain.errors import InvalidRequest
from expense_sync.services import attachments as service
from expense_sync.storage.uow import UnitOfWork

router = APIRouter(responses=ERROR_RESPONSES, dependencies=[CompanySlot])
PATH = (
    "/companies/{companyId}/sync/expenses/syncs/{syncId}/transactions/{transactionId}/attachments"
)
MULTIPART_OVERHEAD = 64 * 1024  # boundaries and part headers around the file


class AttachmentCreated(BaseModel):
    companyId: uuid.UUID
    id: str
    transactionId: str


UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {"file": {"type": "string", "format": "binary"}},
                }
            }
        },
    }
}


@router.post(
    PATH,
    operation_id="upload-expense-attachment",
    tags=["Attachments"],
    summary="Upload a receipt for a transaction of a sync",
    description=(
        "The file (form field `file`) is checked against the accounting platform's size and "
        "type limits as it arrives, kept under the data directory, and attached to the "
        "transaction's record in the books once the transaction has been posted."
    ),
    openapi_extra=UPLOAD_BODY,
)
async def upload_attachment(
    companyId: uuid.UUID,
    syncId: uuid.UUID,
    transactionId: str,
    request: Request,
    caller: CallerDep,
    runtime: RuntimeDep,
) -> AttachmentCreated:
    def target() -> service.UploadTarget:
        with UnitOfWork(runtime.session_factory) as uow:
            return service.upload_target(
                uow.session, caller.client_id, companyId, syncId, transactionId
            )

    found = await run_in_threadpool(target)
    declared = int(request.headers.get("content-length") or 0)
    if declared > found.limits.max_bytes + MULTIPART_OVERHEAD:
        raise InvalidRequest.for_field(
            "file",
            f"The upload ({declared} bytes) is larger than the accounting platform accepts "
            f"({found.limits.max_bytes} bytes); send a smaller or compressed copy.",
        )
    received = await receive_file(
        request.stream(),
        request.headers.get("content-type", ""),
        found.limits,
        service.incoming_dir(runtime.settings),
    )

    def keep() -> AttachmentCreated:
        with UnitOfWork(runtime.session_factory) as uow:
            attachment = service.store(
                uow.session, runtime.settings, found, received.path, received.file_name,
                received.content_type, received.size, received.sha256,
                on_commit=uow.after_commit, enqueue=runtime.executor.attach,
            )  # fmt: skip
            uow.commit()
            return AttachmentCreated(
                companyId=found.company_id,
                id=str(attachment.id),
                transactionId=found.transaction_id,
            )

    try:
        return await run_in_threadpool(keep)
    finally:
        received.path.unlink(missing_ok=True)  # moved away unless keeping it failed
