"""Running a sync: validate and map against the books, post exactly once, finish visibly.

1. **Lease.** One sync per company at a time: a sync runs only when no other unfinished
   sync of its company holds a live lease or was requested before it (so an update is
   posted after the create it corrects). The lease is a timestamp on the row
   (``Settings.sync_lease_seconds``); a worker that dies lets it expire and the
   reconciler hands the sync out again. Each claim counts an attempt, and the count is
   the lease's token: a run closes or retries its sync only if no later claim took it
   over (a worker paused past its lease leaves the outcome to the new holder). A sync
   that has to wait is not polled: the run that finishes the one before it wakes it
   (``sync.executor``), and the reconciler is the safety net. A sync waiting for its
   backoff keeps its lease until the next try, so the reconciler leaves it alone.
2. **Validate & map** every item against the books as they are now (read through the
   connector, not the cache) and the company configuration. Failures are per item.
3. **Exactly once.** Items about to be read and written are marked ``Pushing`` in the
   transaction that claims the lease; then the books are asked which keys they already
   hold, and only the rest is written (in the platform's batch size; a refused batch is
   retried one posting at a time so one bad transaction never blocks the others). After
   a crash, ``Pushing`` items are resolved the same way: the books say whether the write
   landed. Before each write the run checks that the lease is still its own (same
   claim, not expired): a worker paused past its lease (a stalled process, a lost
   network) stops writing when it wakes, instead of posting beside the new holder; what
   it wrote before is found by the new holder's key lookup.
4. **Finish**: each item's outcome, each transaction's status, and the sync's Codat
   status code, in one database transaction.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import NamedTuple, cast

from sqlalchemy import ColumnElement, Table, bindparam, select, update
from sqlalchemy.orm import Session, aliased, sessionmaker

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
from expense_sync.domain.connections import ConnectionStatus
from expense_sync.domain.currencies import check_against_books, in_currency
from expense_sync.domain.errors import Problem
from expense_sync.domain.expenses import (
    Transaction,
    read_transaction,
    references_from,
    with_defaults,
)
from expense_sync.domain.syncs import NO_CONNECTION, UNLINKED, status_code_for
from expense_sync.services import sync_totals, webhook_events
from expense_sync.services.books import find_accounting_connection, open_books
from expense_sync.services.connections import manifest_of
from expense_sync.services.expenses import REFERENCE_TYPES, configuration_defaults
from expense_sync.services.jobs import Outcome, run_guarded
from expense_sync.services.retry import retry_delay, wait_delay
from expense_sync.storage.bulk import execute_many
from expense_sync.storage.locks import lock_row
from expense_sync.storage.models import Company, ExpenseTransaction, Sync, SyncItem
from expense_sync.storage.uow import UnitOfWork

log = logging.getLogger("expense_sync.sync")
# An item's end: (status, message, validator of the first problem).
ItemOutcome = tuple[str, str | None, str]
FINAL = {"Completed", "ValidationError", "PushError"}
ITEMS_TABLE = cast(Table, SyncItem.__table__)
TRANSACTIONS_TABLE = cast(Table, ExpenseTransaction.__table__)


class Item(NamedTuple):
    """One item of a sync as read at its claim: its transaction, or why it cannot be
    read (the body is read as it is fetched, and not kept)."""

    row_id: uuid.UUID
    revision: int
    transaction: Transaction | None
    problems: list[Problem]
    maybe_landed: bool = True  # see ``Posting.maybe_landed``


@dataclass
class Work:
    """What one run of a sync holds in memory between its database transactions."""

    attempt: int  # the claim's, the lease's token
    company_id: uuid.UUID
    books: LedgerSession
    transaction_types: tuple[str, ...]
    batch_size: int
    defaults: dict[str, str | None]
    items: list[Item]


def run_sync(
    session_factory: sessionmaker[Session], settings: Settings, sync_id: uuid.UUID
) -> Outcome:
    """Run the sync once; the outcome says whether (and when) to run it again."""
    return run_guarded(
        log,
        "sync",
        sync_id,
        lambda: _run(session_factory, settings, sync_id),
        lambda message: _retry_later(session_factory, sync_id, message, 5000),
    )


def _run(session_factory: sessionmaker[Session], settings: Settings, sync_id: uuid.UUID) -> Outcome:
    claimed = _claim(session_factory, settings, sync_id)
    if isinstance(claimed, Outcome):
        return claimed
    outcomes: dict[uuid.UUID, ItemOutcome] = {}
    candidates: list[tuple[uuid.UUID, int, Transaction]] = []
    first_tries = {item.row_id for item in claimed.items if not item.maybe_landed}
    for row_id, revision, transaction, problems, _ in claimed.items:
        if transaction is None:
            outcomes[row_id] = ("ValidationError", _joined(problems), "validation")
        elif transaction.posts_as not in claimed.transaction_types:
            message = f"The connected platform cannot post {transaction.type} transactions."
            outcomes[row_id] = ("ValidationError", message, "validation")
        else:
            candidates.append((row_id, revision, with_defaults(transaction, claimed.defaults)))

    def fence() -> None:
        if not _lease_held(session_factory, sync_id, claimed.attempt):
            raise LeaseLost

    try:
        postings = _checked_postings(claimed.books, candidates, outcomes, first_tries)
        for row_id, result in _post_exactly_once(
            claimed.books, postings, claimed.batch_size, fence
        ):
            outcomes[row_id] = result
    except LeaseLost:
        log.warning("sync %s: lease of try %d lost; no more writes", sync_id, claimed.attempt)
        return Outcome()  # the new holder (or the reconciler, once it expires) finishes it
    except RetriableConnectorError as error:  # what landed so far is kept; the rest waits
        return _retry_later(
            session_factory,
            sync_id,
            error.message,
            attempt=claimed.attempt,
            retry_after=error.retry_after,
            landed=outcomes,
        )
    except ConnectorError as error:
        reason, message = _why_books_failed(session_factory, claimed.company_id, error)
        for item in claimed.items:
            outcomes.setdefault(item.row_id, ("PushError", message, reason))
    _finish(session_factory, sync_id, claimed.attempt, outcomes)
    return Outcome()


def _checked_postings(
    books: LedgerSession,
    candidates: list[tuple[uuid.UUID, int, Transaction]],
    outcomes: dict[uuid.UUID, ItemOutcome],
    first_tries: set[uuid.UUID],
) -> list[tuple[uuid.UUID, Posting]]:
    """Check the candidates against the books as they are now (read only if there are
    any); record the refused ones in ``outcomes`` and return postings for the rest
    (those in ``first_tries`` say that nothing can have landed under their key)."""
    if not candidates:
        return []
    references = references_from({t: books.read(t) for t in REFERENCE_TYPES})
    postings = []
    for row_id, revision, transaction in candidates:
        problems = check_against_books(transaction, references)
        if problems:
            outcomes[row_id] = ("ValidationError", _joined(problems), problems[0].validator)
        else:
            posting = _posting(in_currency(transaction, references), revision)
            if row_id in first_tries:
                posting = replace(posting, maybe_landed=False)
            postings.append((row_id, posting))
    return postings


def _joined(problems: list[Problem]) -> str:
    return "; ".join(f"{p.item}: {p.message}" for p in problems)


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
            return Outcome()  # woken when the one ahead finishes, or by the reconciler
        sync.lease_expires = now + timedelta(seconds=settings.sync_lease_seconds)
        sync.started = sync.started or now
        sync.attempts += 1
        sync.claimed_by = holder()
        attempt, company_id = sync.attempts, sync.company_id
        connection = find_accounting_connection(session, sync.company_id)
        if connection is None:
            reason, message = _why_no_books(session, sync.company_id)
            no_books: dict[uuid.UUID, ItemOutcome] = {
                item.row_id: ("PushError", message, reason) for item in _items(session, sync.id)
            }
            _close(session, sync, now, no_books)
            uow.commit()
            return Outcome()
        first_tries = _first_tries(session, sync.id)  # before they are marked
        session.execute(  # each may be on its way to the books from here on (DESIGN §3)
            update(SyncItem)
            .where(SyncItem.sync_id == sync.id, SyncItem.status.not_in(FINAL))
            .values(status="Pushing")
        )
        manifest = manifest_of(connection)
        defaults = configuration_defaults(session, sync.company_id)
        uow.commit()
    # The lease keeps the sync ours now: the books are opened and the items read after
    # the claim's transaction, which held the company's row (and, on SQLite, the lock of
    # the one writer) and so kept every other writer waiting.
    with UnitOfWork(session_factory) as uow:
        return Work(
            attempt=attempt,
            company_id=company_id,
            books=open_books(uow.session, settings, connection),
            transaction_types=manifest.transaction_types,
            batch_size=manifest.batch_size,
            defaults=defaults,
            items=[
                item._replace(maybe_landed=item.row_id not in first_tries)
                for item in _read_items(uow.session, sync_id)
            ],
        )


def _first_tries(session: Session, sync_id: uuid.UUID) -> set[uuid.UUID]:
    """The sync's open items that no try can have written yet: never marked ``Pushing``,
    of a transaction (row) that no other sync ever held, at its first revision. Anything
    else may be in the books already (a retry, a run resumed after a crash, a revision
    sent again) and is looked up before it is written."""
    other = aliased(SyncItem)
    earlier = (
        select(other.sync_id)
        .where(
            other.transaction_row_id == SyncItem.transaction_row_id,
            other.sync_id != SyncItem.sync_id,
        )
        .exists()
    )
    rows = session.scalars(
        select(SyncItem.transaction_row_id).where(
            SyncItem.sync_id == sync_id,
            SyncItem.status == "Pending",
            SyncItem.revision == 1,
            ~earlier,
        )
    )
    return set(rows)


def _read_items(session: Session, sync_id: uuid.UUID) -> list[Item]:
    """The sync's open items, each read into a transaction (or its problems). Core, not
    the ORM: rows come (and bodies are decoded) one at a time, and each body is dropped
    once read, so a sync of thousands keeps no JSON trees alive."""
    rows = session.connection().execute(
        select(
            ExpenseTransaction.id,
            SyncItem.revision,
            ExpenseTransaction.kind,
            ExpenseTransaction.transaction_id,
            ExpenseTransaction.body,
        )
        .join(ExpenseTransaction, ExpenseTransaction.id == SyncItem.transaction_row_id)
        .where(
            SyncItem.sync_id == sync_id,
            SyncItem.status.not_in(FINAL),
            SyncItem.revision == ExpenseTransaction.revision,
        )
        .order_by(SyncItem.position)
    )
    return [
        Item(row_id, revision, *read_transaction(kind, body, transaction_id=transaction_id))
        for row_id, revision, kind, transaction_id, body in rows
    ]


def _why_books_failed(
    session_factory: sessionmaker[Session], company_id: uuid.UUID, error: ConnectorError
) -> tuple[str, str]:
    """Why the books refused to work for this run (validator, message): a connection the
    platform de-authorized meanwhile (a refused token refresh) fails its items as
    unlinked (Codat's "Company deleted/de-authorized" class), to be resubmitted once it
    is linked again; anything else is a failed push."""
    message = f"The books could not be used: {error.message}"
    with UnitOfWork(session_factory) as uow:
        if find_accounting_connection(uow.session, company_id) is not None:
            return "push", message
        reason, what_to_do = _why_no_books(uow.session, company_id)
    return reason, f"{message}. {what_to_do}"


def _why_no_books(session: Session, company_id: uuid.UUID) -> tuple[str, str]:
    """Why a company has no books to post to (4220 if it had some, 4040 if it never did),
    and what to do about it."""
    gone = find_accounting_connection(
        session, company_id, (ConnectionStatus.UNLINKED, ConnectionStatus.DEAUTHORIZED)
    )
    if gone is not None:
        return UNLINKED, (
            f"The company's accounting connection {gone.id} was unlinked or de-authorized; "
            "link it again (PUT .../authorization), then resubmit with PUT under the same id."
        )
    return NO_CONNECTION, (
        "The company has no linked accounting connection; link one, then "
        "resubmit with PUT under the same id."
    )


class ItemState(NamedTuple):
    """Where one item of a sync stands: its outcome so far, and its transaction's
    current revision (a newer one means the item was superseded)."""

    row_id: uuid.UUID
    revision: int
    status: str
    message: str | None
    current_revision: int
    transaction_id: str


def _items(session: Session, sync_id: uuid.UUID) -> list[ItemState]:
    """The sync's items, in order; columns only, so a sync of thousands stays cheap."""
    statement = (
        select(
            SyncItem.transaction_row_id,
            SyncItem.revision,
            SyncItem.status,
            SyncItem.message,
            ExpenseTransaction.revision,
            ExpenseTransaction.transaction_id,
        )
        .join(ExpenseTransaction, ExpenseTransaction.id == SyncItem.transaction_row_id)
        .where(SyncItem.sync_id == sync_id)
        .order_by(SyncItem.position)
    )
    return [ItemState(*row) for row in session.connection().execute(statement)]


def _posting(transaction: Transaction, revision: int) -> Posting:
    """The posting of a checked transaction whose defaults are applied."""
    refs, text = transaction.refs, transaction.text
    contact = refs.get("contact") if transaction.kind in ("expense", "reimbursable") else None
    return Posting(
        key=transaction.id,
        revision=revision,
        kind=transaction.kind,
        type=transaction.posts_as,
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
                currency=line.get("currency"),
            )
            for line in transaction.lines
        ),
        counter_account=refs.get("bankAccount") if transaction.kind == "expense" else None,
        contact=contact,
        contact_kind=refs.get("contactKind")
        or ("employee" if transaction.kind == "reimbursable" else "supplier"),
        payee=text.get("merchantName"),
        narration=text.get("notes") or text.get("reference") or text.get("description"),
        due_date=transaction.due_date,
    )


class LeaseLost(Exception):
    """The sync was claimed again (or its lease ran out) while this run held it."""


def _post_exactly_once(
    books: LedgerSession,
    postings: list[tuple[uuid.UUID, Posting]],
    batch_size: int,
    fence: Callable[[], None],
) -> Iterator[tuple[uuid.UUID, ItemOutcome]]:
    """Write the postings in batches and say how each ended, as soon as it has.

    ``post`` asks the books under their lock which keys already landed, so a posting
    written before a crash is found, not written again. A refused batch is retried one
    posting at a time, so one bad transaction never blocks the others. ``fence`` runs
    before every write and raises ``LeaseLost`` once the run may no longer write.
    """

    def post(batch: list[Posting]) -> list[Posted]:
        fence()
        return books.post(batch)

    size = max(batch_size, 1)
    for start in range(0, len(postings), size):
        batch = postings[start : start + size]
        try:
            landed = post([posting for _, posting in batch])
        except ValidationConnectorError:
            for row_id, posting in batch:
                try:
                    (found,) = post([posting])
                except ValidationConnectorError as error:
                    message = f"The books refused it: {error.message}"
                    yield row_id, ("PushError", message, "push")
                else:
                    yield row_id, _completed(found)
        else:
            for (row_id, _), found in zip(batch, landed, strict=True):
                yield row_id, _completed(found)


def _completed(found: Posted) -> ItemOutcome:
    return ("Completed", f"Posted as {found.reference}", "")


def _retry_later(
    session_factory: sessionmaker[Session],
    sync_id: uuid.UUID,
    message: str,
    final_code: int | None = None,
    attempt: int | None = None,
    retry_after: float | None = None,
    landed: dict[uuid.UUID, ItemOutcome] | None = None,
) -> Outcome:
    """Free the lease and try again after a backoff; after the last try, fail every item
    still open with ``message`` (and the sync with ``final_code``, if given). Given the
    ``attempt`` that claimed the sync, only if no later claim took it over.

    With ``retry_after`` (the platform asked to wait, e.g. a rate limit) the claim was a
    wait, not a failed try (``services.retry``): the next try is at least that far off and
    the sync is never failed by it. ``landed``: the items that ended in this run, kept now
    so the next run goes on from where this one stopped."""
    with UnitOfWork(session_factory) as uow:
        if attempt is not None and not _still_held(uow.session, sync_id, attempt):
            return Outcome()
        sync = uow.session.get(Sync, sync_id)
        if sync is None or sync.completed is not None:
            return Outcome()
        if landed:
            _record_items(uow.session, sync_id, landed)
        if retry_after is not None:
            sync.waits += 1
            delay: float | None = wait_delay(sync.attempts - sync.waits, retry_after)
            sync.exception_message = (
                f"{message} (the platform asked to wait; next try in {delay:.0f} s)"
            )
        else:
            delay = retry_delay(max(sync.attempts - sync.waits, 1))
            if delay is None:
                outcomes: dict[uuid.UUID, ItemOutcome] = {
                    item.row_id: (
                        "PushError",
                        f"Gave up after {sync.attempts - sync.waits} tries: {message}",
                        "push",
                    )
                    for item in _items(uow.session, sync_id)
                    if item.status not in FINAL
                }
                _close(uow.session, sync, datetime.now(UTC), outcomes, final_code)
                sync.exception_message = message
            else:
                sync.exception_message = (
                    f"{message} (try {sync.attempts - sync.waits}; next in {delay:.0f} s)"
                )
        if delay is not None:  # held through the wait, so the reconciler does not send it early
            sync.lease_expires = datetime.now(UTC) + timedelta(seconds=delay)
        uow.commit()
    return Outcome(retry_in=delay)


def _record_items(
    session: Session, sync_id: uuid.UUID, outcomes: dict[uuid.UUID, ItemOutcome]
) -> None:
    """Write the items' outcomes (not their transactions': those change when the sync
    closes, in ``_close``)."""
    execute_many(
        session,
        update(ITEMS_TABLE)
        .where(
            ITEMS_TABLE.c.sync_id == sync_id,
            ITEMS_TABLE.c.transaction_row_id == bindparam("row"),
        )
        .values(status=bindparam("outcome"), message=bindparam("text")),
        [{"row": row, "outcome": end[0], "text": end[1]} for row, end in outcomes.items()],
    )


def _finish(
    session_factory: sessionmaker[Session],
    sync_id: uuid.UUID,
    attempt: int,
    outcomes: dict[uuid.UUID, ItemOutcome],
) -> None:
    with UnitOfWork(session_factory) as uow:
        if not _still_held(uow.session, sync_id, attempt):
            return
        sync = uow.session.get(Sync, sync_id)
        assert sync is not None
        _close(uow.session, sync, datetime.now(UTC), outcomes)
        uow.commit()


def holder() -> str:
    """This process, as ``Sync.claimed_by`` names it: host and process id."""
    return f"{socket.gethostname()}:{os.getpid()}"


def _lease_held(session_factory: sessionmaker[Session], sync_id: uuid.UUID, attempt: int) -> bool:
    """Whether the sync is unfinished, its latest claim is ``attempt`` and the lease has
    not run out: a run may write to the books only while this holds."""
    with UnitOfWork(session_factory) as uow:
        held = uow.session.scalar(
            select(Sync.id).where(
                *_latest_claim_is(sync_id, attempt), Sync.lease_expires > datetime.now(UTC)
            )
        )
    return held is not None


def _latest_claim_is(sync_id: uuid.UUID, attempt: int) -> tuple[ColumnElement[bool], ...]:
    """The sync is unfinished and its latest claim is ``attempt``."""
    return Sync.id == sync_id, Sync.attempts == attempt, Sync.completed.is_(None)


def _still_held(session: Session, sync_id: uuid.UUID, attempt: int) -> bool:
    """Whether the unfinished sync's latest claim is still ``attempt``. The first
    statement of the transaction that closes or retries the sync: it writes the row (the
    lease is freed), so no claim can slip in before that transaction commits."""
    freed = session.execute(
        update(Sync)
        .where(*_latest_claim_is(sync_id, attempt))
        .values(lease_expires=None)
        .execution_options(synchronize_session=False)
    )
    if freed.rowcount == 1:  # type: ignore[attr-defined]
        return True
    log.warning("sync %s: claimed again (or finished) since try %d; left to that", sync_id, attempt)
    return False


def _close(
    session: Session,
    sync: Sync,
    now: datetime,
    outcomes: dict[uuid.UUID, ItemOutcome],
    final_code: int | None = None,
) -> None:
    """Write every item's outcome, the transactions' statuses and the sync's status code.
    Items not in ``outcomes`` keep an outcome they already had, or fail as unconfirmed.
    ``final_code`` overrides the code the outcomes give (5000 after unexpected errors)."""
    results: list[ItemOutcome] = []
    reported: list[tuple[str, str, str | None]] = []  # for the webhook: id, status, message
    items = []
    for item in _items(session, sync.id):
        if item.revision != item.current_revision:
            outcome: ItemOutcome = (
                "PushError",
                f"Superseded by revision {item.current_revision} of this transaction "
                "before it was posted; that revision syncs on its own.",
                "superseded",
            )
        elif item.row_id in outcomes:
            outcome = outcomes[item.row_id]
        elif item.status in FINAL:
            outcome = (item.status, item.message, "")
        else:
            outcome = (
                "PushError",
                "The books did not confirm this transaction was written; "
                "resubmit it with PUT under the same id.",
                "push",
            )
        results.append(outcome)
        reported.append((item.transaction_id, outcome[0], outcome[1]))
        if (outcome[0], outcome[1]) != (item.status, item.message):
            items.append({"row": item.row_id, "outcome": outcome[0], "text": outcome[1]})
    item_table, row_table = ITEMS_TABLE.c, TRANSACTIONS_TABLE.c
    execute_many(  # one statement for thousands of items
        session,
        update(ITEMS_TABLE)
        .where(item_table.sync_id == sync.id, item_table.transaction_row_id == bindparam("row"))
        .values(status=bindparam("outcome"), message=bindparam("text")),
        items,
    )
    # Each transaction takes its item's status, unless a newer revision of it came in
    # since (that one is Pending on its own sync): one UPDATE ... FROM, no parameters
    # per row (PostgreSQL, and SQLite from 3.33).
    session.execute(
        update(TRANSACTIONS_TABLE)
        .where(
            item_table.sync_id == sync.id,
            item_table.transaction_row_id == row_table.id,
            item_table.revision == row_table.revision,
        )
        .values(status=item_table.status, modified=now)
    )
    code, error = status_code_for(results)
    sync.status_code = final_code or code
    sync.error_message = error
    sync.data_pushed = any(status == "Completed" for status, _, _ in results)
    sync.completed = now
    sync.lease_expires = None
    session.flush()
    sync_totals.add_finished_sync(session, sync)  # the overview's day totals
    webhook_events.sync_finished(session, sync, now, reported)  # in this same transaction


def release_leases(session: Session) -> None:
    """Free every lease: for the embedded worker at start-up, which is the only worker
    there is, so any lease found was held by a process that is gone."""
    session.execute(update(Sync).where(Sync.lease_expires.is_not(None)).values(lease_expires=None))
