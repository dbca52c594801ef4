"""The push endpoints every writable data type shares: create, update, and the create
model. Each is declared once here and added for accounts, bank accounts, customers and
suppliers, with the query parameters Codat's contract gives all of them."""

# No `from __future__ import annotations`: the routes use a locally built path-parameter
# type, which FastAPI must see as a real object, not a string.
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Body, Path, Query

from expense_sync.api.dependencies import CallerDep, RuntimeDep, UowDep
from expense_sync.api.operations import PushOperationWithData, push
from expense_sync.api.runtime import Runtime
from expense_sync.services import push as push_service
from expense_sync.services.books import linked_connection
from expense_sync.storage.uow import UnitOfWork

CONNECTION = "/companies/{companyId}/connections/{connectionId}"
Timeout = Annotated[int | None, Query(description="Minutes before the push is timed out.")]
AllowSync = Annotated[bool, Query(description="Accepted for Codat compatibility.")]
ForceUpdate = Annotated[bool, Query(description="Accepted for Codat compatibility.")]
Record = Annotated[dict[str, Any], Body(description="The record, in Codat's shape.")]


def add_push_routes(
    router: APIRouter,
    *,
    segment: str,
    data_type: str,
    tag: str,
    create_id: str,
    update: tuple[str, str] | None = None,
    create_model_id: str | None = None,
) -> None:
    """Add ``POST .../push/{segment}``; with ``update=(operation id, id parameter name)``
    also ``PUT .../push/{segment}/{id}``; with ``create_model_id`` also
    ``GET .../options/{data_type}``."""

    def submit(
        uow: UnitOfWork,
        runtime: Runtime,
        client_id: uuid.UUID,
        company_id: uuid.UUID,
        connection_id: uuid.UUID,
        body: dict[str, Any],
        timeout_in_minutes: int | None,
        record_id: str | None = None,
    ) -> PushOperationWithData:
        """Validate, record, commit, then hand the push to the executor."""
        row = push_service.submit(
            uow.session,
            client_id,
            company_id,
            connection_id,
            data_type,
            body,
            timeout_in_minutes=timeout_in_minutes,
            on_commit=uow.after_commit,
            enqueue=runtime.executor.push,
            record_id=record_id,
        )
        uow.commit()
        return push(row)

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
        return submit(
            uow, runtime, caller.client_id, companyId, connectionId, body, timeoutInMinutes
        )

    if update is not None:
        update_id, id_name = update
        RecordId = Annotated[str, Path(alias=id_name, min_length=1, max_length=200)]

        @router.put(
            f"{CONNECTION}/push/{segment}/{{{id_name}}}",
            operation_id=update_id,
            tags=[tag],
            response_model=PushOperationWithData,
        )
        def replace(
            companyId: uuid.UUID,
            connectionId: uuid.UUID,
            record_id: RecordId,
            body: Record,
            caller: CallerDep,
            uow: UowDep,
            runtime: RuntimeDep,
            timeoutInMinutes: Timeout = None,
            allowSyncOnPushComplete: AllowSync = True,
            forceUpdate: ForceUpdate = False,
        ) -> PushOperationWithData:
            return submit(
                uow,
                runtime,
                caller.client_id,
                companyId,
                connectionId,
                body,
                timeoutInMinutes,
                record_id,
            )

    if create_model_id is not None:

        @router.get(f"{CONNECTION}/options/{data_type}", operation_id=create_model_id, tags=[tag])
        def create_model(
            companyId: uuid.UUID, connectionId: uuid.UUID, caller: CallerDep, uow: UowDep
        ) -> dict[str, Any]:
            connection = linked_connection(uow.session, caller.client_id, companyId, connectionId)
            return push_service.create_model(uow.session, connection, data_type)
