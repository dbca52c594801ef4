"""Manage data: pull the connection's books into the cache, one data type at a time.

A pull is a row in ``pull_operations`` first and a job second: the request queues it and
answers at once; the executor runs ``run_pull``; a restart re-queues whatever is not done.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Text, cast, delete, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from expense_sync.config import Settings
from expense_sync.connectors.base import ConnectorError, LedgerSession, RetriableConnectorError
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
    operation_id = uuid.uuid4()  # known now: the inserts go in one batch at commit
    operation = PullOperation(
        id=operation_id,
        company_id=connection.company_id,
        connection_id=connection.id,
        data_type=data_type,
        status="Queued",
        progress=0,
    )
    session.add(operation)
    on_commit(lambda: enqueue(operation_id))
    return operation


def queue_all(
    session: Session,
    client_id: uuid.UUID,
    company_id: uuid.UUID,
    on_commit: Callable[[Callable[[], None]], None],
    enqueue: Callable[[uuid.UUID], None],
) -> list[PullOperation]:
    """A pull operation for each data type the connection reads, and one job for them
    all: the job that runs a pull takes every pull of its connection that is waiting."""
    connection = accounting_connection(session, client_id, company_id)
    signals: list[Callable[[], None]] = []
    pulls = [
        _queue(session, connection, data_type, signals.append, enqueue)
        for data_type in manifest_of(connection).reads
    ]
    if signals:  # the others ride along; the reconciler resends any left behind
        on_commit(signals[0])
    return pulls


@dataclass(frozen=True)
class _Batch:
    """The pulls one run took: its own, and those of the same connection waiting then."""

    connection_id: uuid.UUID
    pulls: dict[uuid.UUID, str]  # pull id -> data type

    def ids_of(self, data_types: Iterable[str]) -> list[uuid.UUID]:
        wanted = set(data_types)
        return [pull_id for pull_id, data_type in self.pulls.items() if data_type in wanted]


def run_pull(
    session_factory: sessionmaker[Session], settings: Settings, pull_id: uuid.UUID
) -> Outcome:
    """Run the pull, and every other pull of its connection that is due, once; the
    outcome says whether (and when) to run it again."""
    return run_guarded(
        log,
        "pull",
        pull_id,
        lambda: _run_pull(session_factory, settings, pull_id),
        lambda message: _retry_later(session_factory, [pull_id], message, "InternalError"),
    )


def _claim(session: Session, pull_id: uuid.UUID, now: datetime) -> _Batch | None:
    """Mark this pull, and the connection's other pulls that are queued and due, as
    Fetching. This pull is taken whatever its state short of finished (a run that died
    left it Fetching); the others only if nobody has them, so a refresh of every data
    type reads the books once and stores them in one transaction."""
    fetching = {"status": "Fetching", "progress": 10}
    own = session.execute(
        update(PullOperation)
        .where(PullOperation.id == pull_id, PullOperation.status.not_in(FINISHED))
        .values(fetching)
        .returning(PullOperation.connection_id, PullOperation.data_type)
        .execution_options(synchronize_session=False)
    ).one_or_none()
    if own is None:  # gone, or finished already
        return None
    others = session.execute(
        update(PullOperation)
        .where(
            PullOperation.connection_id == own.connection_id,
            PullOperation.status == "Queued",
            or_(PullOperation.next_attempt.is_(None), PullOperation.next_attempt <= now),
        )
        .values(fetching)
        .returning(PullOperation.id, PullOperation.data_type)
        .execution_options(synchronize_session=False)
    ).all()
    return _Batch(own.connection_id, {pull_id: own.data_type, **dict(others)})


def _run_pull(
    session_factory: sessionmaker[Session], settings: Settings, pull_id: uuid.UUID
) -> Outcome:
    failed: ConnectorError | None = None
    with UnitOfWork(session_factory) as uow:
        batch = _claim(uow.session, pull_id, datetime.now(UTC))
        if batch is None:
            return Outcome()
        connection = uow.session.get(Connection, batch.connection_id)
        assert connection is not None
        try:
            books = open_books(uow.session, settings, connection)
        except ConnectorError as error:
            failed = error
        uow.commit()  # the claim stands either way: the failure is recorded on every pull
    if failed is not None:
        return _failed(session_factory, list(batch.pulls), failed)
    return run_guarded(  # from here on, a bug or the database fails every pull of the batch
        log,
        "pull",
        pull_id,
        lambda: _read_and_store(session_factory, batch, books),
        lambda message: _retry_later(session_factory, list(batch.pulls), message, "InternalError"),
    )


def _read_and_store(
    session_factory: sessionmaker[Session], batch: _Batch, books: LedgerSession
) -> Outcome:
    records: dict[str, list[dict[str, Any]]] = {}
    failures: dict[str, ConnectorError] = {}
    for data_type in dict.fromkeys(batch.pulls.values()):  # each type read once
        try:
            records[data_type] = books.read(data_type)
        except ConnectorError as error:
            failures[data_type] = error
    if records:
        _store(session_factory, batch.connection_id, batch.ids_of(records), records)
    retries = [
        (_failed(session_factory, ids, error).retry_in, ids[0])
        for data_type, error in failures.items()
        if (ids := batch.ids_of([data_type]))
    ]
    waits = [(delay, pull_id) for delay, pull_id in retries if delay is not None]
    if not waits:
        return Outcome()
    # Sent again for a pull that waits (the one this message was for may have finished):
    # by the longest delay all of them are due, and its run claims the others.
    return Outcome(retry_in=max(delay for delay, _ in waits), retry_id=waits[0][1])


def _failed(
    session_factory: sessionmaker[Session], pull_ids: list[uuid.UUID], error: ConnectorError
) -> Outcome:
    if isinstance(error, RetriableConnectorError):
        return _retry_later(session_factory, pull_ids, error.message, retry_after=error.retry_after)
    _finish(session_factory, pull_ids, "FetchError", error.message)
    return Outcome()


def _retry_later(
    session_factory: sessionmaker[Session],
    pull_ids: list[uuid.UUID],
    message: str,
    final_status: str = "FetchError",
    retry_after: float | None = None,
) -> Outcome:
    """Count a failed try (or a wait, given ``retry_after``) on each of these pulls; the
    delay is the longest of theirs."""
    waits: list[float] = []
    with UnitOfWork(session_factory) as uow:
        operations = uow.session.scalars(
            select(PullOperation).where(
                PullOperation.id.in_(pull_ids), PullOperation.status.not_in(FINISHED)
            )
        )
        for operation in operations:
            delay = record_failed_try(operation, message, datetime.now(UTC), retry_after)
            if delay is None:
                _mark(operation, final_status, operation.error_message)
            else:
                operation.status = "Queued"
                waits.append(delay)
        uow.commit()
    return Outcome(retry_in=max(waits) if waits else None)


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
    session_factory: sessionmaker[Session],
    pull_ids: list[uuid.UUID],
    status: str,
    message: str,
) -> None:
    now = datetime.now(UTC)
    with UnitOfWork(session_factory) as uow:
        connection_ids = uow.session.scalars(
            update(PullOperation)
            .where(PullOperation.id.in_(pull_ids))
            .values(_ending(status, message, now))
            .returning(PullOperation.connection_id)
            .execution_options(synchronize_session=False)
        ).all()
        error = {
            "statusCode": "400",
            "statusText": status,
            "errorMessage": message,
            "erroredOnUtc": now.isoformat(),
            "status": "Active",
        }
        uow.session.execute(
            update(Connection)
            .where(Connection.id.in_(set(connection_ids)))
            .values(errors=[error])
            .execution_options(synchronize_session=False)
        )
        uow.commit()


def _store(
    session_factory: sessionmaker[Session],
    connection_id: uuid.UUID,
    pull_ids: list[uuid.UUID],
    records: dict[str, list[dict[str, Any]]],
) -> None:
    """Bring the cached records of these types in line with the books and finish their
    pulls, in one transaction.

    Only what changed is written: new records appended, changed ones updated, vanished
    ones deleted. Records are compared by their canonical JSON text, so a refresh of
    unchanged books decodes nothing and writes nothing but the operations' status.
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
        stored: dict[tuple[str, str], str] = {
            (data_type, record_id): text
            for data_type, record_id, text in session.execute(
                select(
                    CachedRecord.data_type, CachedRecord.record_id, cast(CachedRecord.data, Text)
                ).where(
                    CachedRecord.connection_id == connection_id,
                    CachedRecord.data_type.in_(list(records)),
                )
            )
        }
        fresh = {
            (data_type, str(record["id"])): record
            for data_type, found in records.items()
            for record in found
        }
        gone: dict[str, list[str]] = {}
        for data_type, record_id in stored.keys() - fresh.keys():
            gone.setdefault(data_type, []).append(record_id)
        for data_type, record_ids in gone.items():
            session.execute(
                delete(CachedRecord).where(
                    CachedRecord.connection_id == connection_id,
                    CachedRecord.data_type == data_type,
                    CachedRecord.record_id.in_(record_ids),
                )
            )
        changed: list[dict[str, Any]] = []
        added: list[dict[str, Any]] = []
        for (data_type, record_id), record in fresh.items():
            text = stored.get((data_type, record_id))
            if text is not None and text == dump_json(record):
                continue  # unchanged: not written
            row = {"connection_id": connection_id, "data_type": data_type,
                   "record_id": record_id, "data": record, "modified": now}  # fmt: skip
            (added if text is None else changed).append(row)
        if changed:
            session.execute(update(CachedRecord), changed)  # by primary key
        insert_rows(session, CachedRecord, added)
        session.execute(
            update(PullOperation)
            .where(PullOperation.id.in_(pull_ids))
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
