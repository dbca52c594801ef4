"""Manage data: pull the connection's books into the cache, one data type at a time.

A pull is a row in ``pull_operations`` first and a job second: the request queues it and
answers at once; the executor runs ``run_pull``; a restart re-queues whatever is not done.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Text, cast, delete, select, update
from sqlalchemy.orm import Session, sessionmaker

from expense_sync.config import Settings
from expense_sync.connectors.base import ConnectorError, RetriableConnectorError
from expense_sync.domain.errors import InvalidRequest
from expense_sync.services.books import accounting_connection, linked_connection, open_books
from expense_sync.services.companies import get_company_row, list_operations, owned_company_id
from expense_sync.services.connections import manifest_of
from expense_sync.services.jobs import Outcome, run_guarded
from expense_sync.services.retry import record_failed_try
from expense_sync.storage.bulk import insert_rows
from expense_sync.storage.db import dump_json
from expense_sync.storage.models import CachedRecord, Company, Connection, PullOperation
from expense_sync.storage.query_sql import Page, PageRequest, QueryField
from expense_sync.storage.uow import UnitOfWork

log = logging.getLogger("expense_sync.pulls")
PULL_FIELDS = {
    "id": QueryField(PullOperation.id, "uuid"),
    "dataType": QueryField(PullOperation.data_type),
    "status": QueryField(PullOperation.status),
    "requested": QueryField(PullOperation.requested, "datetime"),
    "completed": QueryField(PullOperation.completed, "datetime"),
}
FINISHED = {"Complete", "FetchError", "AuthError", "NotSupported", "InternalError"}
ERRORED = FINISHED - {"Complete"}


def _pick_connection(
    session: Session, client_id: uuid.UUID, company_id: uuid.UUID, connection_id: uuid.UUID | None
) -> Connection:
    if connection_id is not None:
        return linked_connection(session, client_id, company_id, connection_id)
    return accounting_connection(session, client_id, company_id)


def queue_pull(
    session: Session,
    client_id: uuid.UUID,
    company_id: uuid.UUID,
    data_type: str,
    on_commit: Callable[[Callable[[], None]], None],
    enqueue: Callable[[uuid.UUID], None],
    connection_id: uuid.UUID | None = None,
) -> PullOperation:
    connection = _pick_connection(session, client_id, company_id, connection_id)
    return _queue(session, connection, data_type, on_commit, enqueue)


def _queue(
    session: Session,
    connection: Connection,
    data_type: str,
    on_commit: Callable[[Callable[[], None]], None],
    enqueue: Callable[[uuid.UUID], None],
) -> PullOperation:
    manifest = manifest_of(connection)
    if data_type not in manifest.reads:
        raise InvalidRequest.for_field(
            "dataType",
            f"Unknown or unsupported data type '{data_type}'. {manifest.name} provides: "
            f"{', '.join(manifest.reads)}.",
        )
    operation = PullOperation(
        company_id=connection.company_id,
        connection_id=connection.id,
        data_type=data_type,
        status="Queued",
        progress=0,
    )
    session.add(operation)
    session.flush()
    operation_id = operation.id
    on_commit(lambda: enqueue(operation_id))
    return operation


def queue_all(
    session: Session,
    client_id: uuid.UUID,
    company_id: uuid.UUID,
    on_commit: Callable[[Callable[[], None]], None],
    enqueue: Callable[[uuid.UUID], None],
) -> list[PullOperation]:
    connection = accounting_connection(session, client_id, company_id)
    return [
        _queue(session, connection, data_type, on_commit, enqueue)
        for data_type in manifest_of(connection).reads
    ]


def run_pull(
    session_factory: sessionmaker[Session], settings: Settings, pull_id: uuid.UUID
) -> Outcome:
    """Run the pull once; the outcome says whether (and when) to run it again."""
    return run_guarded(
        log,
        "pull",
        pull_id,
        lambda: _run_pull(session_factory, settings, pull_id),
        lambda message: _retry_later(session_factory, pull_id, message, "InternalError"),
    )


def _run_pull(
    session_factory: sessionmaker[Session], settings: Settings, pull_id: uuid.UUID
) -> Outcome:
    try:
        with UnitOfWork(session_factory) as uow:
            started = uow.session.execute(  # one statement: claim it, and say what to read
                update(PullOperation)
                .where(PullOperation.id == pull_id, PullOperation.status.not_in(FINISHED))
                .values(status="Fetching", progress=10)
                .returning(PullOperation.connection_id, PullOperation.data_type)
                .execution_options(synchronize_session=False)
            ).one_or_none()
            if started is None:  # gone, or finished already
                return Outcome()
            connection = uow.session.get(Connection, started.connection_id)
            assert connection is not None
            books = open_books(uow.session, settings, connection)
            uow.commit()
        records = books.read(started.data_type)
    except RetriableConnectorError as error:
        return _retry_later(session_factory, pull_id, error.message)
    except ConnectorError as error:
        _finish(session_factory, pull_id, "FetchError", error.message)
        return Outcome()
    _store(session_factory, pull_id, started.connection_id, started.data_type, records)
    return Outcome()


def _retry_later(
    session_factory: sessionmaker[Session],
    pull_id: uuid.UUID,
    message: str,
    final_status: str = "FetchError",
) -> Outcome:
    with UnitOfWork(session_factory) as uow:
        operation = uow.session.get(PullOperation, pull_id)
        if operation is None or operation.status in FINISHED:
            return Outcome()
        delay = record_failed_try(operation, message, datetime.now(UTC))
        if delay is None:
            _mark(operation, final_status, operation.error_message)
        else:
            operation.status = "Queued"
        uow.commit()
    return Outcome(retry_in=delay)


def _ending(status: str, message: str | None, now: datetime) -> dict[str, Any]:
    """The columns a finished pull operation ends with."""
    return {
        "status": status,
        "error_message": message,
        "completed": now,
        "progress": 100,
        "next_attempt": None,
    }


def _mark(operation: PullOperation, status: str, message: str | None) -> None:
    for column, value in _ending(status, message, datetime.now(UTC)).items():
        setattr(operation, column, value)


def _finish(
    session_factory: sessionmaker[Session], pull_id: uuid.UUID, status: str, message: str
) -> None:
    with UnitOfWork(session_factory) as uow:
        operation = uow.session.get(PullOperation, pull_id)
        assert operation is not None
        _mark(operation, status, message)
        connection = uow.session.get(Connection, operation.connection_id)
        if connection is not None:
            connection.errors = [
                {
                    "statusCode": "400",
                    "statusText": status,
                    "errorMessage": message,
                    "erroredOnUtc": datetime.now(UTC).isoformat(),
                    "status": "Active",
                }
            ]
        uow.commit()


def _store(
    session_factory: sessionmaker[Session],
    pull_id: uuid.UUID,
    connection_id: uuid.UUID,
    data_type: str,
    records: list[dict[str, Any]],
) -> None:
    """Bring the cached records of this type in line with the books, in one transaction.

    Only what changed is written: new records appended, changed ones updated, vanished
    ones deleted. Records are compared by their canonical JSON text, so a refresh of
    unchanged books decodes nothing and writes nothing but the operation's status.
    Every statement is Core: no row is loaded to be changed.
    """
    now = datetime.now(UTC)
    with UnitOfWork(session_factory) as uow:
        session = uow.session
        # The connection's row is written first: its lock keeps two pulls of one type
        # from both finding the cache empty and both inserting.
        company_id = session.execute(
            update(Connection)
            .where(Connection.id == connection_id)
            .values(last_sync=now, errors=None)
            .returning(Connection.company_id)
            .execution_options(synchronize_session=False)
        ).scalar_one_or_none()
        if company_id is None:  # the connection was deleted, and its pulls with it
            return
        scope = (CachedRecord.connection_id == connection_id, CachedRecord.data_type == data_type)
        stored: dict[str, str] = {
            record_id: text
            for record_id, text in session.execute(
                select(CachedRecord.record_id, cast(CachedRecord.data, Text)).where(*scope)
            )
        }
        fresh = {str(record["id"]): record for record in records}
        gone = [record_id for record_id in stored if record_id not in fresh]
        rows = [
            {
                "connection_id": connection_id,
                "data_type": data_type,
                "record_id": record_id,
                "data": record,
                "modified": now,
            }
            for record_id, record in fresh.items()
            if record_id not in stored or stored[record_id] != dump_json(record)
        ]
        changed = [row for row in rows if row["record_id"] in stored]
        added = [row for row in rows if row["record_id"] not in stored]
        if gone:
            vanished = CachedRecord.record_id.in_(gone)
            session.execute(delete(CachedRecord).where(*scope, vanished))
        if changed:
            session.execute(update(CachedRecord), changed)  # by primary key
        insert_rows(session, CachedRecord, added)
        session.execute(
            update(PullOperation)
            .where(PullOperation.id == pull_id)
            .values(_ending("Complete", None, now))
        )
        session.execute(update(Company).where(Company.id == company_id).values(last_sync=now))
        uow.commit()


def list_pulls(
    session: Session, client_id: uuid.UUID, company_id: uuid.UUID, request: PageRequest
) -> Page[PullOperation]:
    return list_operations(session, client_id, company_id, PullOperation, PULL_FIELDS, request)


def get_pull(
    session: Session, client_id: uuid.UUID, company_id: uuid.UUID, pull_id: uuid.UUID
) -> PullOperation:
    return get_company_row(session, client_id, company_id, PullOperation, pull_id, "Pull operation")


@dataclass(frozen=True)
class DataStatus:
    data_type: str
    current_status: str
    latest: PullOperation
    latest_successful: PullOperation | None


def data_status(session: Session, client_id: uuid.UUID, company_id: uuid.UUID) -> list[DataStatus]:
    owned_company_id(session, client_id, company_id)
    pulls = session.scalars(
        select(PullOperation)
        .where(PullOperation.company_id == company_id)
        .order_by(PullOperation.requested)
    )
    latest: dict[str, PullOperation] = {}
    successful: dict[str, PullOperation] = {}
    for pull in pulls:
        latest[pull.data_type] = pull
        if pull.status == "Complete":
            successful[pull.data_type] = pull
    return [
        DataStatus(data_type, pull.status, pull, successful.get(data_type))
        for data_type, pull in latest.items()
    ]
