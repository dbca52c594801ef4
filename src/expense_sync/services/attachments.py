"""Receipts: kept under the data directory, attached to the ledger record once it landed.

An upload is checked against the company's accounting platform before it is read
(``upload_target``: the transaction is in the sync, it is not a transfer or adjustment,
and the platform takes attachments), streamed to ``<data-dir>/attachments/incoming`` by
the API, then ``store`` moves it to ``attachments/<company>/<attachment id>/<file name>``
and records it. Attaching is background work (``run_attach``): it waits until the
transaction is ``Completed``, asks the connector to attach the file to the record posted
under the transaction's id (idempotent on the attachment id, so a retry after a crash
attaches once), and keeps the outcome on the row: ``Attached`` with the ledger's
reference, or ``Failed`` with the platform's message. An upstream outage retries with
backoff, and so does an error nobody expected (a bug, the database gone), until the
tries are spent; a transaction that fails its sync keeps its receipt ``Pending`` until a
later sync posts it.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session, sessionmaker

from expense_sync.config import Settings
from expense_sync.connectors.base import (
    AttachmentLimits,
    ConnectorError,
    Document,
    RetriableConnectorError,
)
from expense_sync.domain.errors import InvalidRequest
from expense_sync.domain.expenses import canonical_id
from expense_sync.services.books import find_accounting_connection, open_books
from expense_sync.services.connections import manifest_of
from expense_sync.services.jobs import Outcome, run_guarded
from expense_sync.services.retry import record_failed_try
from expense_sync.services.syncs import get_item
from expense_sync.storage.models import Attachment, ExpenseTransaction, SyncItem
from expense_sync.storage.uow import UnitOfWork

log = logging.getLogger("expense_sync.attachments")
NOT_ATTACHABLE = ("transfer", "adjustment")
FOLDER = "attachments"


@dataclass(frozen=True)
class UploadTarget:
    company_id: uuid.UUID
    sync_id: uuid.UUID
    transaction_row_id: uuid.UUID
    transaction_id: str
    limits: AttachmentLimits


def incoming_dir(settings: Settings) -> Path:
    return settings.data_dir / FOLDER / "incoming"


def upload_target(
    session: Session,
    client_id: uuid.UUID,
    company_id: uuid.UUID,
    sync_id: uuid.UUID,
    transaction_id: str,
) -> UploadTarget:
    """Where an upload goes and what it may be, or the reason it may not be sent at all."""
    wanted = canonical_id(transaction_id) or transaction_id
    row = get_item(session, client_id, company_id, sync_id, wanted).transaction
    if row.kind in NOT_ATTACHABLE:
        raise InvalidRequest.for_field(
            "transactionId",
            f"Attachments are not supported for {row.kind} transactions (as in Codat's "
            "contract); attach the receipt to an expense or reimbursable expense.",
        )
    connection = find_accounting_connection(session, row.company_id)
    if connection is None:
        raise InvalidRequest.for_field(
            "companyId",
            "The company has no linked accounting connection to attach receipts to; link one.",
        )
    limits = manifest_of(connection).attachments
    if limits is None:
        raise InvalidRequest.for_field(
            "file", f"{manifest_of(connection).name} does not accept attachments."
        )
    return UploadTarget(row.company_id, sync_id, row.id, row.transaction_id, limits)


def store(
    session: Session,
    settings: Settings,
    target: UploadTarget,
    path: Path,
    file_name: str,
    content_type: str,
    size: int,
    sha256: str,
    on_commit: Callable[[Callable[[], None]], None],
    enqueue: Callable[[uuid.UUID], None],
) -> Attachment:
    """Keep a received file for ``target`` and queue its attaching after commit."""
    attachment = Attachment(
        id=uuid.uuid4(),
        company_id=target.company_id,
        sync_id=target.sync_id,
        transaction_row_id=target.transaction_row_id,
        file_name=file_name,
        content_type=content_type,
        size=size,
        sha256=sha256,
        status="Pending",
    )
    relative = Path(FOLDER, str(target.company_id), str(attachment.id), file_name)
    final = settings.data_dir / relative
    final.parent.mkdir(parents=True, exist_ok=True)
    path.replace(final)
    attachment.path = str(relative)
    session.add(attachment)
    session.flush()
    attachment_id = attachment.id
    on_commit(lambda: enqueue(attachment_id))
    return attachment


def run_attach(
    session_factory: sessionmaker[Session], settings: Settings, attachment_id: uuid.UUID
) -> Outcome:
    """Attach one stored receipt to its transaction's ledger record, if it has landed."""
    return run_guarded(
        log,
        "attachment",
        attachment_id,
        lambda: _run_attach(session_factory, settings, attachment_id),
        lambda message: _retry_later(session_factory, attachment_id, message, datetime.now(UTC)),
    )


def _run_attach(
    session_factory: sessionmaker[Session], settings: Settings, attachment_id: uuid.UUID
) -> Outcome:
    with UnitOfWork(session_factory) as uow:
        session = uow.session
        attachment = session.get(Attachment, attachment_id)
        if attachment is None or attachment.status != "Pending":
            return Outcome()
        row = session.get(ExpenseTransaction, attachment.transaction_row_id)
        assert row is not None
        if row.status != "Completed":
            return Outcome()  # the sync that posts the transaction sends it again
        connection = find_accounting_connection(session, attachment.company_id)
        if connection is None:
            return Outcome()
        books = open_books(session, settings, connection)
        key = row.transaction_id
        document = Document(
            id=str(attachment.id),
            file_name=attachment.file_name,
            content_type=attachment.content_type,
            path=settings.data_dir / attachment.path,
            size=attachment.size,
            sha256=attachment.sha256,
        )
    now = datetime.now(UTC)
    try:
        reference = books.attach(key, document)
    except RetriableConnectorError as error:
        return _retry_later(session_factory, attachment_id, error.message, now, error.retry_after)
    except ConnectorError as error:
        _end(session_factory, attachment_id, "Failed", None, error.message)
        return Outcome()
    _end(session_factory, attachment_id, "Attached", reference, None)
    return Outcome()


def _end(
    session_factory: sessionmaker[Session],
    attachment_id: uuid.UUID,
    status: str,
    reference: str | None,
    message: str | None,
) -> None:
    with UnitOfWork(session_factory) as uow:
        attachment = uow.session.get(Attachment, attachment_id)
        assert attachment is not None
        attachment.status, attachment.reference = status, reference
        attachment.error_message = message
        attachment.attached = datetime.now(UTC) if status == "Attached" else None
        attachment.next_attempt = None
        uow.commit()


def _retry_later(
    session_factory: sessionmaker[Session],
    attachment_id: uuid.UUID,
    message: str,
    now: datetime,
    retry_after: float | None = None,
) -> Outcome:
    with UnitOfWork(session_factory) as uow:
        attachment = uow.session.get(Attachment, attachment_id)
        if attachment is None or attachment.status != "Pending":
            return Outcome()  # gone, or another run finished it
        delay = record_failed_try(attachment, message, now, retry_after)
        if delay is None:
            attachment.status = "Failed"
        uow.commit()
    return Outcome(retry_in=delay)


def waiting_attachments(
    session: Session, sync_id: uuid.UUID | None = None, *, due_before: datetime | None = None
) -> list[uuid.UUID]:
    """Receipts still to attach whose transaction has landed (of one sync's transactions,
    or all): what to send after a sync finishes, and at start-up. ``due_before``: only
    those due (uploaded, or their backoff over) before then, for the reconciler."""
    statement = (
        select(Attachment.id)
        .join(ExpenseTransaction, ExpenseTransaction.id == Attachment.transaction_row_id)
        .where(Attachment.status == "Pending", ExpenseTransaction.status == "Completed")
    )
    if sync_id is not None:
        landed = select(SyncItem.transaction_row_id).where(
            SyncItem.sync_id == sync_id, SyncItem.status == "Completed"
        )
        statement = statement.where(Attachment.transaction_row_id.in_(landed))
    if due_before is not None:
        statement = statement.where(
            or_(
                and_(Attachment.next_attempt.is_(None), Attachment.created <= due_before),
                Attachment.next_attempt <= due_before,
            )
        )
    return list(session.scalars(statement.order_by(Attachment.created)))
