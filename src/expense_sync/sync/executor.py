"""The executor: Dramatiq actors that run pull and push operations and syncs.

The database row *is* the work; a message only says "operation X is waiting". So:

- messages are sent after the transaction that created the row commits
  (``UnitOfWork.after_commit``);
- actors are idempotent: a finished operation is left alone, so a duplicate message is
  harmless;
- Dramatiq's own retries are off: an upstream failure is recorded on the row with a
  backoff and re-sent with a delay, where anyone can see it;
- a run that finishes a sync wakes the company's next one (one sync per company at a
  time, see ``sync.engine``); the reconciler (``sync.reconciler``) re-sends whatever
  nobody is doing, and the lease keeper renews the leases of the syncs being run.

Embedded mode (``EXPENSE_SYNC_BROKER_URL`` empty) uses Dramatiq's in-process StubBroker
with a worker inside ``serve``: the same actor code, no broker to install. ``resume()``
frees every lease at start-up (no other worker can hold one) and re-sends what the
reconciler would, without waiting a lease for it (``reconciler.unfinished_work``), so a
restart delays work but never loses it.

Scale-out (``redis://`` or ``amqp://``): ``serve`` only sends; ``expense-sync worker``
processes run the same actors with their own reconciler and lease keeper. Leases are
never freed at start-up there, since another worker may be holding them.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import dramatiq
from dramatiq.brokers.rabbitmq import RabbitmqBroker
from dramatiq.brokers.redis import RedisBroker
from dramatiq.brokers.stub import StubBroker
from sqlalchemy.orm import Session, sessionmaker

from expense_sync.config import Settings
from expense_sync.services import attachments, manage_data, push, webhook_events
from expense_sync.services.jobs import Outcome
from expense_sync.storage.uow import UnitOfWork
from expense_sync.sync import deliveries, engine, reconciler

# A job: runs one row (by id) once and says whether and when to run it again.
Run = Callable[[sessionmaker[Session], Settings, uuid.UUID], Outcome]


@dataclass(frozen=True)
class WorkerContext:
    settings: Settings
    session_factory: sessionmaker[Session]


def make_broker(url: str) -> dramatiq.Broker:
    """The broker for ``EXPENSE_SYNC_BROKER_URL``: empty, ``redis://`` or ``amqp://``."""
    scheme = url.split("://", 1)[0].lower() if "://" in url else ""
    if not url:
        return StubBroker()
    if scheme in ("redis", "rediss"):
        return RedisBroker(url=url)  # type: ignore[no-untyped-call]
    if scheme in ("amqp", "amqps"):
        return RabbitmqBroker(url=url)
    raise ValueError(
        f"EXPENSE_SYNC_BROKER_URL must be empty (embedded worker), redis://HOST:PORT/DB "
        f"or amqp://USER:PASSWORD@HOST:PORT/VHOST; got a {scheme or 'malformed'} URL."
    )


class Executor:
    """Sends operations to Dramatiq actors and (in embedded mode) runs the worker."""

    def __init__(self, broker: dramatiq.Broker, context: WorkerContext) -> None:
        self.broker = broker
        self.context = context
        self.queue = context.settings.queue_name
        lease = timedelta(seconds=context.settings.sync_lease_seconds)
        self._worker: dramatiq.Worker | None = None
        self._leases = reconciler.LeaseKeeper(context.session_factory, lease)
        self._reconciler = reconciler.Reconciler(
            context.session_factory,
            self,
            every=context.settings.reconcile_seconds,
            lease=lease,
            key_lifetime=timedelta(seconds=context.settings.idempotency_key_seconds),
        )
        self._pull_actor = self._declare("pull_data", manage_data.run_pull)
        self._push_actor = self._declare("push_data", push.run_push)
        self._sync_actor = self._declare("sync_expenses", self._run_sync)
        self._delivery_actor = self._declare("deliver_webhook", deliveries.run_delivery)
        self._attach_actor = self._declare("attach_document", attachments.run_attach)
        webhook_events.announce_after_commit(context.session_factory, self._announce)

    def _declare(self, name: str, run: Run) -> dramatiq.Actor[[str], None]:
        """An actor that runs ``run`` on the row whose id it is sent, and sends that id to
        itself again, delayed, when the outcome asks for another try."""

        def perform(row_id: str) -> None:
            outcome = run(self.context.session_factory, self.context.settings, uuid.UUID(row_id))
            if outcome.retry_in is not None:
                again = str(outcome.retry_id or row_id)
                _send(actor, again, math.ceil(outcome.retry_in * 1000))

        actor: dramatiq.Actor[[str], None] = dramatiq.Actor(
            perform,
            broker=self.broker,
            actor_name=name,
            queue_name=self.queue,
            priority=0,
            options={"max_retries": 0},
        )
        return actor

    # -- sending work -----------------------------------------------------------------

    def pull(self, operation_id: uuid.UUID, *, delay_ms: int = 0) -> None:
        _send(self._pull_actor, str(operation_id), delay_ms)

    def push(self, operation_id: uuid.UUID, *, delay_ms: int = 0) -> None:
        _send(self._push_actor, str(operation_id), delay_ms)

    def sync(self, sync_id: uuid.UUID, *, delay_ms: int = 0) -> None:
        _send(self._sync_actor, str(sync_id), delay_ms)

    def deliver(self, delivery_id: uuid.UUID, *, delay_ms: int = 0) -> None:
        _send(self._delivery_actor, str(delivery_id), delay_ms)

    def attach(self, attachment_id: uuid.UUID, *, delay_ms: int = 0) -> None:
        _send(self._attach_actor, str(attachment_id), delay_ms)

    def _announce(self, delivery_id: uuid.UUID, due: datetime) -> None:
        self.deliver(delivery_id, delay_ms=reconciler.delay_until(due, datetime.now(UTC)))

    # -- the sync actor's run -----------------------------------------------------------

    def _run_sync(
        self, session_factory: sessionmaker[Session], settings: Settings, sync_id: uuid.UUID
    ) -> Outcome:
        """Run the sync with its lease kept alive; once it is finished, wake its company's
        next sync and the receipts of its transactions that landed."""
        with self._leases.holding(sync_id):
            outcome = engine.run_sync(session_factory, settings, sync_id)
        if outcome.retry_in is None:
            with UnitOfWork(session_factory) as uow:
                following = reconciler.next_in_line(uow.session, sync_id)
                landed = attachments.waiting_attachments(uow.session, sync_id)
            if following is not None:
                self.sync(following)
            for attachment_id in landed:  # receipts wait for their transaction to land
                self.attach(attachment_id)
        return outcome

    # -- life cycle -------------------------------------------------------------------

    def resume(self) -> int:
        """Re-send all unfinished work, honouring its backoff (what the reconciler would
        send, without waiting a lease for it); return how many."""
        now = datetime.now(UTC)
        with UnitOfWork(self.context.session_factory) as uow:
            if isinstance(self.broker, StubBroker):  # embedded: no other worker holds a lease
                engine.release_leases(uow.session)
            work = reconciler.unfinished_work(uow.session, now, due_before=None)
            uow.commit()
        return reconciler.send(self, work, now, "resumed")

    def reconcile(self) -> int:
        """Re-send the work nobody is doing (see ``sync.reconciler``); return how many."""
        return self._reconciler.run_once()

    def start_worker(self, threads: int) -> None:
        """Run the actors in this process, with the reconciler and the lease keeper."""
        # worker_timeout is how often idle threads look for work (ms); short, so stop() is quick.
        self._worker = dramatiq.Worker(
            self.broker, queues={self.queue}, worker_threads=threads, worker_timeout=100
        )
        self._worker.start()
        self._leases.start()
        self._reconciler.start()

    def stop(self) -> None:
        """Stop looking for work, let the running messages finish, then disconnect."""
        if self._worker is not None:
            self._reconciler.stop()
            self._worker.stop()
            self._leases.stop()
            self._worker = None
        self.broker.close()


def _send(actor: dramatiq.Actor[[str], None], row_id: str, delay_ms: int) -> None:
    actor.send_with_options(args=(row_id,), delay=delay_ms or None)
