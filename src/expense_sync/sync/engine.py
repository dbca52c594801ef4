"""Running a sync: validate and map against the books, post exactly once, finish visibly.

1. **Lease.** One sync per company at a time: a sync runs only when no other unfinished
   sync of its company holds a live lease or was requested before it (so an update is
   posted after the create it corrects). The lease is a timestamp on the row; a worker
   that dies lets it expire and the sync is picked up again.
2. **Validate & map** every item against the books as they are now (read through the
   connector, not the cache) and the company configuration. Failures are per item.
3. **Exactly once.** Items about to be written are marked ``Pushing`` and committed;
   then the books are asked which keys they already hold, and only the rest is written
   (in the platform's batch size; a refused batch is retried one posting at a time so
   one bad transaction never blocks the others). After a crash, ``Pushing`` items are
   resolved the same way: the books say whether the write landed.
4. **Finish**: each item's outcome, each transaction's status, and the sync's Codat
   status code, in one database transaction.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from expense_sync.config import Settings
from expense_sync.connectors.base import (
    ConnectorError,
    LedgerSession,
    Posted,
    Posting,
    PostingLine,
    RetriableConnectorError,
    ValidationConnectorError,
)
from expense_sync.domain.expenses import (
    Transaction,
    check_references,
    read_transaction,
    references_from,
)
from expense_sync.domain.syncs import status_code_for
from expense_sync.services.books import find_accounting_connection, open_books
from expense_sync.services.connections import manifest_of
from expense_sync.services.expenses import REFERENCE_TYPES, configuration_defaults
from expense_sync.services.manage_data import Outcome
from expense_sync.services.retry import retry_delay
from expense_sync.storage.locks import lock_row
from expense_sync.storage.models import Company, ExpenseTransaction, Sync, SyncItem
from expense_sync.storage.uow import UnitOfWork

log = logging.getLogger("expense_sync.sync")
LEASE = timedelta(minutes=5)
# An item's end: (status, message, ledger reference, validator of the first problem).
ItemOutcome = tuple[str, str | None, str | None, str]
FINAL = {"Completed", "ValidationError", "PushError"}


@dataclass
class Work:
    """What one run of a sync holds in memory between its database transactions."""

    sync_id: uuid.UUID
    books: LedgerSession
    transaction_types: tuple[str, ...]
    batch_size: int
    defaults: dict[str, str | None]
    items: list[tuple[uuid.UUID, int, str, str, dict[str, Any]]]  # row id, revision, kind, id, body


def run_sync(
    session_factory: sessionmaker[Session], settings: Settings, sync_id: uuid.UUID
) -> Outcome:
    """Run the sync once; the outcome says whether (and when) to run it again."""
    try:
        return _run(session_factory, settings, sync_id)
    except Exception as error:  # a bug, or the database went away: visible, then retried
        log.exception("sync %s failed unexpectedly", sync_id)
        return _retry_later(session_factory, sync_id, f"{type(error).__name__}: {error}", 5000)


def _run(session_factory: sessionmaker[Session], settings: Settings, sync_id: uuid.UUID) -> Outcome:
    claimed = _claim(session_factory, settings, sync_id)
    if isinstance(claimed, Outcome):
        return claimed
    outcomes: dict[uuid.UUID, ItemOutcome] = {}
    try:
        records = {t: claimed.books.read(t) for t in REFERENCE_TYPES}
        references = references_from(dict(records))
        postings: list[tuple[uuid.UUID, Posting]] = []
        for row_id, revision, kind, transaction_id, body in claimed.items:
            transaction, problems = read_transaction(kind, body, transaction_id=transaction_id)
            if transaction is not None and transaction.type not in claimed.transaction_types:
                outcomes[row_id] = (
                    "ValidationError",
                    f"The connected platform cannot post {transaction.type} transactions.",
                    None,
                    "validation",
                )
                continue
            if transaction is not None:
                problems = check_references(transaction, references, claimed.defaults)
            if problems or transaction is None:
                validator = problems[0].validator if problems else "validation"
                message = "; ".join(f"{p.item}: {p.message}" for p in problems)
                outcomes[row_id] = ("ValidationError", message, None, validator)
                continue
            postings.append((row_id, _posting(transaction, revision, claimed.defaults)))
        _mark_pushing(session_factory, sync_id, [row_id for row_id, _ in postings])
        for row_id, result in _post_exactly_once(claimed.books, postings, claimed.batch_size):
            outcomes[row_id] = result
    except RetriableConnectorError as error:
        return _retry_later(session_factory, sync_id, error.message)
    except ConnectorError as error:
        message = f"The books could not be used: {error.message}"
        for row_id, *_ in claimed.items:
            outcomes.setdefault(row_id, ("PushError", message, None, "push"))
    _finish(session_factory, sync_id, outcomes)
    return Outcome()


def _claim(
    session_factory: sessionmaker[Session], settings: Settings, sync_id: uuid.UUID
) -> Work | Outcome:
    now = datetime.now(UTC)
    with UnitOfWork(session_factory) as uow:
        session = uow.session
        sync = session.get(Sync, sync_id)
        if sync is None or sync.completed is not None:
            return Outcome()
        lock_row(session, Company, sync.company_id)  # one lease decision per company at a time
        session.refresh(sync)
        if sync.completed is not None:
            return Outcome()
        blocking = session.scalar(
            select(Sync.id).where(
                Sync.company_id == sync.company_id,
                Sync.id != sync.id,
                Sync.completed.is_(None),
                (Sync.requested < sync.requested)
                | ((Sync.lease_expires.is_not(None)) & (Sync.lease_expires > now)),
            )
        )
        if blocking is not None or (sync.lease_expires is not None and sync.lease_expires > now):
            return Outcome(retry_in=1.0)
        sync.lease_expires = now + LEASE
        sync.started = sync.started or now
        sync.attempts += 1
        connection = find_accounting_connection(session, sync.company_id)
        if connection is None:
            _close(session, sync, now, {}, no_books=True)
            uow.commit()
            return Outcome()
        items = [
            (row.id, item.revision, row.kind, row.transaction_id, row.body)
            for item, row in _items(session, sync.id)
            if item.status not in FINAL and item.revision == row.revision
        ]
        manifest = manifest_of(connection)
        work = Work(
            sync_id=sync.id,
            books=open_books(session, settings, connection),
            transaction_types=manifest.transaction_types,
            batch_size=manifest.batch_size,
            defaults=configuration_defaults(session, sync.company_id),
            items=items,
        )
        uow.commit()
    return work


def _items(session: Session, sync_id: uuid.UUID) -> list[tuple[SyncItem, ExpenseTransaction]]:
    statement = (
        select(SyncItem, ExpenseTransaction)
        .join(ExpenseTransaction, ExpenseTransaction.id == SyncItem.transaction_row_id)
        .where(SyncItem.sync_id == sync_id)
        .order_by(SyncItem.position)
    )
    return [(item, row) for item, row in session.execute(statement)]


def _posting(transaction: Transaction, revision: int, defaults: dict[str, str | None]) -> Posting:
    income = transaction.type in ("Reward",)
    contact = transaction.refs.get("contact") or (
        defaults.get("customer") if income else defaults.get("supplier")
    )
    if transaction.kind not in ("expense", "reimbursable"):
        contact = None
    text = transaction.text
    return Posting(
        key=transaction.id,
        revision=revision,
        kind=transaction.kind,
        type=transaction.type,
        date=transaction.date,
        currency=transaction.currency,
        currency_rate=transaction.currency_rate,
        lines=tuple(
            PostingLine(
                account=line["account"],
                amount=line["amount"],
                tax=line["tax"],
                tax_rate=line["taxRate"],
                tracking=tuple((ref["dataType"], ref["id"]) for ref in line["tracking"]),
                description=line["description"],
            )
            for line in transaction.lines
        ),
        counter_account=transaction.refs.get("bankAccount") or defaults.get("bankAccount")
        if transaction.kind == "expense"
        else None,
        contact=contact,
        payee=text.get("merchantName"),
        narration=text.get("notes") or text.get("reference") or text.get("description"),
        due_date=transaction.due_date,
    )


def _post_exactly_once(
    books: LedgerSession, postings: list[tuple[uuid.UUID, Posting]], batch_size: int
) -> Iterator[tuple[uuid.UUID, ItemOutcome]]:
    """Ask the books what already landed, write the rest, and say how each ended."""
    landed = books.posted([posting.key for _, posting in postings])
    todo = [
        (row_id, posting)
        for row_id, posting in postings
        if posting.key not in landed or landed[posting.key].revision < posting.revision
    ]
    for start in range(0, len(todo), max(batch_size, 1)):
        batch = todo[start : start + max(batch_size, 1)]
        try:
            landed.update({p.key: p for p in books.post([posting for _, posting in batch])})
        except ValidationConnectorError:  # find the refused ones: one posting at a time
            for row_id, posting in batch:
                try:
                    landed.update({p.key: p for p in books.post([posting])})
                except ValidationConnectorError as error:
                    yield (
                        row_id,
                        ("PushError", f"The books refused it: {error.message}", None, "push"),
                    )
    for row_id, posting in postings:
        found: Posted | None = landed.get(posting.key)
        if found is not None and found.revision >= posting.revision:
            yield row_id, ("Completed", f"Posted as {found.reference}", found.reference, "")


def _mark_pushing(
    session_factory: sessionmaker[Session], sync_id: uuid.UUID, row_ids: list[uuid.UUID]
) -> None:
    if not row_ids:
        return
    with UnitOfWork(session_factory) as uow:
        for item in uow.session.scalars(
            select(SyncItem).where(
                SyncItem.sync_id == sync_id, SyncItem.transaction_row_id.in_(row_ids)
            )
        ):
            item.status = "Pushing"
        uow.commit()


def _retry_later(
    session_factory: sessionmaker[Session],
    sync_id: uuid.UUID,
    message: str,
    final_code: int | None = None,
) -> Outcome:
    """Free the lease and try again after a backoff; after the last try, fail every item
    still open with ``message`` (and the sync with ``final_code``, if given)."""
    with UnitOfWork(session_factory) as uow:
        sync = uow.session.get(Sync, sync_id)
        if sync is None or sync.completed is not None:
            return Outcome()
        delay = retry_delay(max(sync.attempts, 1))
        if delay is None:
            outcomes: dict[uuid.UUID, ItemOutcome] = {
                row.id: (
                    "PushError",
                    f"Gave up after {sync.attempts} tries: {message}",
                    None,
                    "push",
                )
                for item, row in _items(uow.session, sync_id)
                if item.status not in FINAL
            }
            _close(uow.session, sync, datetime.now(UTC), outcomes)
            if final_code is not None:
                sync.status_code = final_code
            sync.exception_message = message
        else:
            sync.lease_expires = None
            sync.exception_message = f"{message} (try {sync.attempts}; next in {delay:.0f} s)"
        uow.commit()
    return Outcome(retry_in=delay)


def _finish(
    session_factory: sessionmaker[Session],
    sync_id: uuid.UUID,
    outcomes: dict[uuid.UUID, ItemOutcome],
) -> None:
    with UnitOfWork(session_factory) as uow:
        sync = uow.session.get(Sync, sync_id)
        assert sync is not None
        _close(uow.session, sync, datetime.now(UTC), outcomes)
        uow.commit()


def _close(
    session: Session,
    sync: Sync,
    now: datetime,
    outcomes: dict[uuid.UUID, ItemOutcome],
    *,
    no_books: bool = False,
) -> None:
    """Write every item's outcome, the transactions' statuses and the sync's status code."""
    results: list[tuple[str, str, str | None]] = []
    for item, row in _items(session, sync.id):
        outcome: ItemOutcome
        if no_books:
            outcome = (
                "PushError",
                "The company has no linked accounting connection; link "
                "one, then resubmit with PUT under the same id.",
                None,
                "connection",
            )
        elif item.revision != row.revision:
            outcome = (
                "PushError",
                f"Superseded by revision {row.revision} of this transaction "
                "before it was posted; that revision syncs on its own.",
                None,
                "superseded",
            )
        else:
            outcome = outcomes.get(row.id) or (item.status, item.message, item.ledger_ref, "")
        status, message, reference, validator = outcome
        item.status, item.message, item.ledger_ref = status, message, reference
        results.append((status, validator, message))
        if row.sync_id == sync.id and item.revision == row.revision:
            row.status, row.message, row.modified = status, message, now
            if reference:
                row.ledger_ref, row.posted_revision = reference, item.revision
    code, error = status_code_for(results, no_books=no_books)
    sync.status_code = code
    sync.error_message = error
    sync.data_pushed = any(status == "Completed" for status, _, _ in results)
    sync.completed = now
    sync.lease_expires = None


def release_leases(session: Session) -> int:
    """Free every lease: for the embedded worker at start-up, which is the only worker
    there is, so any lease found was held by a process that is gone."""
    held = list(session.scalars(select(Sync).where(Sync.lease_expires.is_not(None))))
    for sync in held:
        sync.lease_expires = None
    return len(held)


def unfinished_syncs(session: Session) -> list[uuid.UUID]:
    return list(session.scalars(select(Sync.id).where(Sync.completed.is_(None))))
