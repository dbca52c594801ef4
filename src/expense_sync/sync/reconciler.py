"""The reconciler and the lease keeper: work nobody is doing is handed out again.

Messages only say "this row is waiting"; the row decides. So a message can be lost (a
worker killed while holding it, a broker restarted without its data) or duplicated, and
neither may lose or repeat work. Every worker process (and the embedded worker in
``serve``) runs:

- a **reconciler** loop that, every ``Settings.reconcile_seconds``, re-sends
  - for each company, the first unfinished sync in line, if its lease has expired
    (its worker died) or nobody has held it for a whole lease (its message was lost).
    A sync waiting for its backoff holds its lease until the next try, so it is left
    alone; syncs behind the first are woken by the run that finishes the one ahead.
  - every unfinished pull and push operation, every receipt waiting to be attached to
    a transaction that has landed, and every pending webhook delivery, that has been due
    for a whole lease without finishing.
  Waiting a whole lease before presuming a message lost keeps a long queue from being
  flooded with copies; the copies that are sent are harmless, because actors are
  idempotent and the lease decides who runs a sync. The embedded worker's start-up
  (``Executor.resume``) sends the same selection without the wait, each piece delayed
  until it is due (``unfinished_work``).
  Each beat also deletes expired idempotency keys (``services.idempotency.prune``): a
  cheap indexed DELETE, harmless when several workers do it at once.
- a **lease keeper** that renews, every third of a lease, the leases of the syncs this
  process is running, so a live worker never loses a long sync to another. (If a beat
  lands in the instant between a run setting its backoff and the run returning, the
  backoff becomes a lease long: a delay, never a loss or a repeat.)
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from expense_sync.services import attachments, idempotency, manage_data, push, webhook_events
from expense_sync.storage.models import PullOperation, PushOperation, Sync
from expense_sync.storage.uow import UnitOfWork
from expense_sync.sync import engine

log = logging.getLogger("expense_sync.reconciler")


class Sender(Protocol):
    """Where re-sent work goes: the executor."""

    def sync(self, sync_id: uuid.UUID, *, delay_ms: int = 0) -> None: ...
    def pull(self, operation_id: uuid.UUID, *, delay_ms: int = 0) -> None: ...
    def push(self, operation_id: uuid.UUID, *, delay_ms: int = 0) -> None: ...
    def attach(self, attachment_id: uuid.UUID, *, delay_ms: int = 0) -> None: ...
    def deliver(self, delivery_id: uuid.UUID, *, delay_ms: int = 0) -> None: ...


@dataclass(frozen=True)
class Unfinished:
    """Work to send again: syncs and receipts by id; pulls, pushes and webhook deliveries
    with when each is next due (None: at once)."""

    syncs: list[uuid.UUID]
    pulls: dict[uuid.UUID, datetime | None]
    pushes: dict[uuid.UUID, datetime | None]
    receipts: list[uuid.UUID]
    deliveries: dict[uuid.UUID, datetime | None]

    def __len__(self) -> int:
        return sum(
            len(work)
            for work in (self.syncs, self.pulls, self.pushes, self.receipts, self.deliveries)
        )


def stale_work(session: Session, now: datetime, lease: timedelta) -> Unfinished:
    """Work that should be running and, as far as the database can tell, is not: what
    has been due for a whole lease without finishing."""
    return unfinished_work(session, now, due_before=now - lease)


def unfinished_work(session: Session, now: datetime, due_before: datetime | None) -> Unfinished:
    """For each company, the first unfinished sync in line if nobody holds it (its lease
    expired, or it has none and was requested before ``due_before``); and every
    unfinished pull, push, receipt and webhook delivery due before ``due_before``.
    ``due_before=None``: all of them, whenever due (at start-up)."""
    unfinished = (
        select(Sync.id, Sync.company_id, Sync.lease_expires, Sync.requested)
        .where(Sync.completed.is_(None))
        .order_by(Sync.company_id, Sync.requested)
    )
    syncs, seen = [], set()
    for sync_id, company_id, lease_expires, requested in session.execute(unfinished):
        if company_id in seen:
            continue  # only the first in line may run; the rest wait for it
        seen.add(company_id)
        expired = lease_expires is not None and lease_expires <= now  # its worker died
        # ... or nobody took it: its message was lost (or, at start-up, went with the queue)
        lost = lease_expires is None and (due_before is None or requested <= due_before)
        if expired or lost:
            syncs.append(sync_id)
    return Unfinished(
        syncs=syncs,
        pulls=_due(session, PullOperation, manage_data.FINISHED, due_before),
        pushes=_due(session, PushOperation, push.FINISHED, due_before),
        receipts=attachments.waiting_attachments(session, due_before=due_before),
        deliveries=dict(webhook_events.pending_deliveries(session, due_before=due_before)),
    )


def _due(
    session: Session,
    model: type[PullOperation] | type[PushOperation],
    finished: set[str],
    due_before: datetime | None,
) -> dict[uuid.UUID, datetime | None]:
    statement = select(model.id, model.next_attempt).where(model.status.not_in(finished))
    if due_before is not None:
        statement = statement.where(
            or_(
                and_(model.next_attempt.is_(None), model.requested <= due_before),
                model.next_attempt <= due_before,
            )
        )
    return {row_id: due for row_id, due in session.execute(statement)}


def send(sender: Sender, work: Unfinished, now: datetime, what: str) -> int:
    """Send every piece of ``work``, each delayed until it is due; return how many."""
    for sync_id in work.syncs:
        sender.sync(sync_id)
    for pull_id, due in work.pulls.items():
        sender.pull(pull_id, delay_ms=delay_until(due, now))
    for push_id, due in work.pushes.items():
        sender.push(push_id, delay_ms=delay_until(due, now))
    for attachment_id in work.receipts:
        sender.attach(attachment_id)
    for delivery_id, due in work.deliveries.items():
        sender.deliver(delivery_id, delay_ms=delay_until(due, now))
    if work:
        log.info(
            "%s %d syncs, %d pulls, %d pushes, %d receipts and %d webhooks",
            what,
            len(work.syncs),
            len(work.pulls),
            len(work.pushes),
            len(work.receipts),
            len(work.deliveries),
        )
    return len(work)


def delay_until(when: datetime | None, now: datetime) -> int:
    """Milliseconds from ``now`` until ``when`` (0 if it is past or None)."""
    if when is None:
        return 0
    return max(int((when - now).total_seconds() * 1000), 0)


def next_in_line(session: Session, sync_id: uuid.UUID) -> uuid.UUID | None:
    """After a run of ``sync_id``: if that sync is finished, its company's next sync."""
    company_id = session.scalar(
        select(Sync.company_id).where(Sync.id == sync_id, Sync.completed.is_not(None))
    )
    if company_id is None:
        return None
    return session.scalar(
        select(Sync.id)
        .where(Sync.company_id == company_id, Sync.completed.is_(None))
        .order_by(Sync.requested)
        .limit(1)
    )


def renew_leases(session: Session, sync_ids: list[uuid.UUID], until: datetime) -> None:
    """Extend the live leases of unfinished syncs this process is running, unless another
    process has claimed them since."""
    now = datetime.now(UTC)
    session.execute(
        update(Sync)
        .where(
            Sync.id.in_(sync_ids),
            Sync.completed.is_(None),
            Sync.lease_expires > now,
            Sync.claimed_by == engine.holder(),
        )
        .values(lease_expires=until)
    )


class _Loop:
    """A daemon thread that calls ``beat`` every ``every`` seconds until stopped."""

    def __init__(self, name: str, every: float) -> None:
        self.name = name
        self.every = every
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start beating (again, after a stop: an app restarted in one process)."""
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None and self._thread.is_alive():
            self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            try:
                self.beat()
            except Exception:  # the database went away: log, and try again next beat
                log.exception("%s failed; trying again in %.0f s", self.name, self.every)

    def beat(self) -> None:
        raise NotImplementedError


class Reconciler(_Loop):
    def __init__(
        self,
        session_factory: sessionmaker[Session],
        sender: Sender,
        *,
        every: float,
        lease: timedelta,
        key_lifetime: timedelta = idempotency.KEY_LIFETIME,
    ) -> None:
        super().__init__("reconciler", every)
        self.session_factory = session_factory
        self.sender = sender
        self.lease = lease
        self.key_lifetime = key_lifetime

    def beat(self) -> None:
        self.run_once()
        self.prune_idempotency_keys()

    def prune_idempotency_keys(self) -> int:
        """Delete idempotency keys past their lifetime; return how many went."""
        with UnitOfWork(self.session_factory) as uow:
            pruned = idempotency.prune(uow.session, self.key_lifetime)
            uow.commit()
        if pruned:
            log.info("reconciler deleted %d expired idempotency keys", pruned)
        return pruned

    def run_once(self) -> int:
        """Re-send every piece of stale work once; return how many were sent."""
        now = datetime.now(UTC)
        with UnitOfWork(self.session_factory) as uow:
            stale = stale_work(uow.session, now, self.lease)
        return send(self.sender, stale, now, "reconciler re-sent")


class LeaseKeeper(_Loop):
    def __init__(self, session_factory: sessionmaker[Session], lease: timedelta) -> None:
        super().__init__("lease-keeper", lease.total_seconds() / 3)
        self.session_factory = session_factory
        self.lease = lease
        self._running: dict[uuid.UUID, int] = {}
        self._lock = threading.Lock()

    @contextmanager
    def holding(self, sync_id: uuid.UUID) -> Iterator[None]:
        """Keep the lease of ``sync_id`` alive while this block runs it."""
        with self._lock:
            self._running[sync_id] = self._running.get(sync_id, 0) + 1
        try:
            yield
        finally:
            with self._lock:
                self._running[sync_id] -= 1
                if not self._running[sync_id]:
                    del self._running[sync_id]

    def beat(self) -> None:
        with self._lock:
            running = list(self._running)
        if running:
            with UnitOfWork(self.session_factory) as uow:
                renew_leases(uow.session, running, datetime.now(UTC) + self.lease)
                uow.commit()
