"""Push operations: create or update records in the company's books, asynchronously.

The request is checked against the connector's push model first (a 400 naming each bad
field, nothing stored); then a ``Pending`` operation is recorded and handed to the
executor, which writes through the connector and records Success, Failed or TimedOut.
A field of Codat's schema the platform cannot store is left out of the write and named
in the operation's ``validation.warnings``.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from expense_sync.config import Settings
from expense_sync.connectors.base import (
    ConnectorError,
    PushModel,
    RetriableConnectorError,
    ValidationConnectorError,
)
from expense_sync.domain.errors import InvalidRequest
from expense_sync.services.books import connector_of, linked_connection, open_books
from expense_sync.services.cached_data import records_by_type
from expense_sync.services.companies import get_company_row, list_operations
from expense_sync.services.jobs import Outcome, run_guarded
from expense_sync.services.retry import record_failed_try
from expense_sync.storage.models import CachedRecord, Connection, PushOperation
from expense_sync.storage.query_sql import Page, PageRequest, QueryField
from expense_sync.storage.uow import UnitOfWork
from expense_sync.storage.upsert import upsert

FINISHED = {"Success", "Failed", "TimedOut"}
log = logging.getLogger("expense_sync.pushes")
PUSH_FIELDS = {
    "pushOperationKey": QueryField(PushOperation.id, "uuid"),
    "dataType": QueryField(PushOperation.data_type),
    "status": QueryField(
        PushOperation.status, "enum", ("Pending", "Failed", "Success", "TimedOut")
    ),
    "requestedOnUtc": QueryField(PushOperation.requested, "datetime"),
    "completedOnUtc": QueryField(PushOperation.completed, "datetime"),
}
MAX_TIMEOUT_MINUTES = 7 * 24 * 60


def push_model_for(connection: Connection, data_type: str) -> PushModel:
    model = connector_of(connection).push_models.get(data_type)
    if model is None:
        raise InvalidRequest.for_field("dataType", f"{data_type} cannot be written here.")
    return model


def create_model(session: Session, connection: Connection, data_type: str) -> dict[str, Any]:
    """Codat's PushOption for ``data_type``, its listed options (the chart's categories)
    read from the connection's cache: refresh the books to see groups added there."""
    model = push_model_for(connection, data_type)
    books = records_by_type(session, connection.id, set(model.listed_sources().values()))
    return model.as_push_option(books)


def submit(
    session: Session,
    client_id: uuid.UUID,
    company_id: uuid.UUID,
    connection_id: uuid.UUID,
    data_type: str,
    record: dict[str, Any],
    *,
    timeout_in_minutes: int | None,
    on_commit: Callable[[Callable[[], None]], None],
    enqueue: Callable[[uuid.UUID], None],
    record_id: str | None = None,
) -> PushOperation:
    connection = linked_connection(session, client_id, company_id, connection_id)
    model = push_model_for(connection, data_type)
    problems = model.problems(record)
    if problems:
        raise InvalidRequest(
            f"The {data_type} record is not valid: " + "; ".join(p.message for p in problems[:3]),
            problems,
        )
    if timeout_in_minutes is not None and not 1 <= timeout_in_minutes <= MAX_TIMEOUT_MINUTES:
        raise InvalidRequest.for_field(
            "timeoutInMinutes", f"timeoutInMinutes must be 1 to {MAX_TIMEOUT_MINUTES}."
        )
    if record_id is not None and record.get("id") not in (None, record_id):
        raise InvalidRequest.for_field("id", "The body's id must match the id in the path.")
    warnings = model.warnings(record)
    operation = PushOperation(
        company_id=company_id,
        connection_id=connection.id,
        data_type=data_type,
        record_id=record_id,
        status="Pending",
        status_code=202,
        timeout_in_minutes=timeout_in_minutes,
        data={k: v for k, v in model.stored_part(record).items() if k != "id"},
        validation={"errors": [], "warnings": [_item(p.item, p.message) for p in warnings]}
        if warnings
        else None,
    )
    session.add(operation)
    session.flush()
    operation_id = operation.id
    on_commit(lambda: enqueue(operation_id))
    return operation


def run_push(
    session_factory: sessionmaker[Session], settings: Settings, push_id: uuid.UUID
) -> Outcome:
    """Run the push once; the outcome says whether (and when) to run it again."""
    return run_guarded(
        log,
        "push",
        push_id,
        lambda: _run_push(session_factory, settings, push_id),
        lambda message: _retry_after_error(session_factory, push_id, message),
    )


def _run_push(
    session_factory: sessionmaker[Session], settings: Settings, push_id: uuid.UUID
) -> Outcome:
    with UnitOfWork(session_factory) as uow:
        operation = uow.session.get(PushOperation, push_id)
        if operation is None or operation.status in FINISHED:
            return Outcome()
        if _timed_out(operation):
            _finish(operation, "TimedOut", 504, "The push did not complete in time.")
            uow.commit()
            return Outcome()
        connection = uow.session.get(Connection, operation.connection_id)
        assert connection is not None
        books = open_books(uow.session, settings, connection)
        data_type, data, record_id = operation.data_type, operation.data, operation.record_id
    # The platform is called with no database transaction open: a slow answer (or a
    # wait inside the connector) holds no connection and keeps no writer waiting.
    try:
        if record_id is None:
            stored = books.create(data_type, [data], key=str(push_id))[0]
            change = "Created"
        else:
            stored = books.update(data_type, record_id, data)
            change = "Modified"
    except RetriableConnectorError as error:
        return _retry_after_error(session_factory, push_id, error.message, error.retry_after)
    except ValidationConnectorError as error:
        return _ended(session_factory, push_id, "Failed", 400, error.message, error.field)
    except ConnectorError as error:
        return _ended(session_factory, push_id, "Failed", 422, error.message)
    with UnitOfWork(session_factory) as uow:
        operation = uow.session.get(PushOperation, push_id)
        if operation is None or operation.status in FINISHED:
            return Outcome()
        operation.data = stored
        operation.record_id = str(stored["id"])
        operation.changes = [
            {
                "type": change,
                "recordRef": {"id": str(stored["id"]), "dataType": operation.data_type},
            }
        ]
        _finish(operation, "Success", 200, None)
        _cache(uow.session, operation, stored)
        uow.commit()
    return Outcome()


def _ended(
    session_factory: sessionmaker[Session],
    push_id: uuid.UUID,
    status: str,
    code: int,
    message: str,
    field: str | None = None,
) -> Outcome:
    with UnitOfWork(session_factory) as uow:
        operation = uow.session.get(PushOperation, push_id)
        if operation is not None and operation.status not in FINISHED:
            _finish(operation, status, code, message, field=field)
            uow.commit()
    return Outcome()


def _timed_out(operation: PushOperation) -> bool:
    if operation.timeout_in_minutes is None:
        return False
    deadline = operation.requested + timedelta(minutes=operation.timeout_in_minutes)
    return datetime.now(UTC) > deadline


def _retry_after_error(
    session_factory: sessionmaker[Session],
    push_id: uuid.UUID,
    message: str,
    retry_after: float | None = None,
) -> Outcome:
    with UnitOfWork(session_factory) as uow:
        operation = uow.session.get(PushOperation, push_id)
        if operation is None or operation.status in FINISHED:
            return Outcome()
        return _retry_later(uow, operation, message, retry_after)


def _retry_later(
    uow: UnitOfWork, operation: PushOperation, message: str, retry_after: float | None = None
) -> Outcome:
    delay = record_failed_try(operation, message, datetime.now(UTC), retry_after)
    if delay is None:
        _finish(operation, "Failed", 503, operation.error_message)
    uow.commit()
    return Outcome(retry_in=delay)


def _finish(
    operation: PushOperation, status: str, code: int, message: str | None, field: str | None = None
) -> None:
    operation.status = status
    operation.status_code = code
    operation.error_message = message
    operation.completed = datetime.now(UTC)
    operation.next_attempt = None
    if message and status == "Failed" and code == 400:
        operation.validation = {
            "errors": [{"itemId": field, "message": message, "validatorName": "connector"}],
            "warnings": (operation.validation or {}).get("warnings", []),
        }


def _item(field: str, message: str) -> dict[str, Any]:
    return {"itemId": field, "message": message, "validatorName": "push-model"}


def _cache(session: Session, operation: PushOperation, record: dict[str, Any]) -> None:
    """Keep the cache in step with what we just wrote, without waiting for a refresh."""
    values = {
        "connection_id": operation.connection_id,
        "data_type": operation.data_type,
        "record_id": str(record["id"]),
        "data": record,
        "modified": datetime.now(UTC),
    }
    statement = upsert(
        session,
        CachedRecord,
        values,
        [CachedRecord.connection_id, CachedRecord.data_type, CachedRecord.record_id],
        {"data": record, "modified": values["modified"]},
    )
    session.execute(statement)


def list_pushes(
    session: Session, client_id: uuid.UUID, company_id: uuid.UUID, request: PageRequest
) -> Page[PushOperation]:
    return list_operations(session, client_id, company_id, PushOperation, PUSH_FIELDS, request)


def get_push(
    session: Session, client_id: uuid.UUID, company_id: uuid.UUID, push_id: uuid.UUID
) -> PushOperation:
    return get_company_row(session, client_id, company_id, PushOperation, push_id, "Push operation")
