"""Writing webhook events to the outbox, in the caller's database transaction.

An event is written by the same transaction as the change it reports (a sync's end, a
request that spends the day's quota), with one ``Pending`` delivery per consumer that
receives it (``domain.webhooks.receives``). If that transaction rolls back, there is no
event; if it commits, the event is there however the process fares afterwards.

Telling a worker: each new delivery is noted on the session; once the session commits,
the listener that ``announce_after_commit`` installs on a session factory sends each one
to the executor (with a delay until its first attempt). A lost signal delays a delivery
but never loses it: ``pending_deliveries`` lists what the executor re-sends at start.

Rate limits (Codat's ``client.rateLimit.*``): ``reached`` is written by the request that
takes the day's quota to zero remaining. ``reset`` is written at the same moment, dated
and due at the next 00:00 UTC, when the quota resets (Codat calls it then, so a client
can resume; waiting for the client's next request would defeat its purpose). Its
``quotaRemaining`` and ``dailyQuota`` are the limit known when it was written; its
``expiryDate`` is the end of the new day. A quota reached a second time on one day (the
limit grows when a company links its books) writes another ``reached`` but no second
``reset``.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import event, or_, select
from sqlalchemy.orm import Session, sessionmaker

from expense_sync.domain.syncs import SUCCESS
from expense_sync.domain.webhooks import (
    CONNECTION_DISCONNECTED,
    RATE_LIMIT_REACHED,
    RATE_LIMIT_RESET,
    SYNC_SUCCESSFUL,
    SYNC_UNSUCCESSFUL,
    Subscription,
    receives,
    transaction_status,
)
from expense_sync.storage.models import (
    Company,
    CompanyTag,
    Connection,
    Sync,
    WebhookConsumer,
    WebhookDelivery,
    WebhookEvent,
)

NEW_DELIVERIES = "expense_sync.new_webhook_deliveries"  # key in Session.info
Announce = Callable[[uuid.UUID, datetime], None]  # (delivery id, first attempt)


def iso(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def publish(
    session: Session,
    client_id: uuid.UUID,
    event_type: str,
    payload: dict[str, Any],
    generated: datetime,
    company_id: uuid.UUID | None = None,
    tags: dict[str, str] | None = None,
) -> WebhookEvent:
    """Write an event and a delivery for each consumer that receives it, due at
    ``generated``; ``company_id`` and its ``tags`` for an event about a company."""
    event_id = uuid.uuid4()
    record = WebhookEvent(
        id=event_id,
        client_id=client_id,
        company_id=company_id,
        event_type=event_type,
        body={
            "id": str(event_id),
            "eventType": event_type,
            "generatedDate": iso(generated),
            "payload": payload,
        },
        generated=generated,
    )
    session.add(record)
    consumers = session.scalars(
        select(WebhookConsumer).where(
            WebhookConsumer.client_id == client_id, WebhookConsumer.disabled.is_(False)
        )
    )
    for consumer in consumers:
        subscription = Subscription(
            consumer.event_types, consumer.company_id, consumer.company_tags
        )
        if receives(subscription, event_type, company_id, tags or {}):
            delivery = WebhookDelivery(
                id=uuid.uuid4(), event_id=event_id, consumer_id=consumer.id, next_attempt=generated
            )
            session.add(delivery)
            note_delivery(session, delivery.id, generated)
    session.flush()
    return record


def note_delivery(session: Session, delivery_id: uuid.UUID, due: datetime) -> None:
    """Have the delivery announced to the executor once this session commits."""
    session.info.setdefault(NEW_DELIVERIES, []).append((delivery_id, due))


def sync_finished(
    session: Session, sync: Sync, now: datetime, outcomes: list[tuple[str, str, str | None]]
) -> WebhookEvent:
    """``expenses.sync.successful`` or ``.unsuccessful`` for a sync just closed, with each
    transaction's outcome (``outcomes``: transaction id, item status and message, in the
    sync's order)."""
    # Columns, not the Company: loading it would load its four relations too.
    client_id, name, description = session.execute(
        select(Company.client_id, Company.name, Company.description).where(
            Company.id == sync.company_id
        )
    ).one()
    tags = {
        key: value
        for key, value in session.execute(
            select(CompanyTag.key, CompanyTag.value).where(CompanyTag.company_id == sync.company_id)
        )
    }
    transactions = [
        {
            "id": transaction_id,
            "status": transaction_status(status),
            "errorMessage": None if status == "Completed" else message,
        }
        for transaction_id, status, message in outcomes
    ]
    reference: dict[str, Any] = {"id": str(sync.company_id), "name": name}
    if description is not None:
        reference["description"] = description
    reference["tags"] = tags
    payload = {"referenceCompany": reference, "syncId": str(sync.id), "transactions": transactions}
    event_type = SYNC_SUCCESSFUL if sync.status_code in SUCCESS else SYNC_UNSUCCESSFUL
    return publish(session, client_id, event_type, payload, now, sync.company_id, tags)


def connection_disconnected(session: Session, connection: Connection, now: datetime) -> None:
    """``connection.disconnected`` (Codat's platform event) for a connection the platform
    de-authorized, with its status and ``dataConnectionErrors`` as the API shows them."""
    company = session.get(Company, connection.company_id)
    assert company is not None
    reference: dict[str, Any] = {"id": str(company.id), "name": company.name}
    if company.description is not None:
        reference["description"] = company.description
    tags = {tag.key: tag.value for tag in company.tags}
    reference["tags"] = tags
    payload = {
        "referenceCompany": reference,
        "connection": {
            "id": str(connection.id),
            "integrationKey": connection.platform_key,
            "status": connection.status,
            "created": iso(connection.created),
            "dataConnectionErrors": connection.errors or [],
        },
    }
    publish(session, company.client_id, CONNECTION_DISCONNECTED, payload, now, company.id, tags)


def rate_limit_reached(
    session: Session, client_id: uuid.UUID, limit: int, resets_at: datetime, now: datetime
) -> None:
    """``client.rateLimit.reached`` now, and ``client.rateLimit.reset`` due at
    ``resets_at`` unless one is already written for that moment."""
    publish(
        session,
        client_id,
        RATE_LIMIT_REACHED,
        {"dailyQuota": limit, "quotaRemaining": 0, "expiryDate": iso(resets_at)},
        now,
    )
    already = session.scalar(
        select(WebhookEvent.id).where(
            WebhookEvent.client_id == client_id,
            WebhookEvent.event_type == RATE_LIMIT_RESET,
            WebhookEvent.generated == resets_at,
        )
    )
    if already is None:
        payload = {
            "dailyQuota": limit,
            "quotaRemaining": limit,
            "expiryDate": iso(resets_at + timedelta(days=1)),
        }
        publish(session, client_id, RATE_LIMIT_RESET, payload, resets_at)


def announce_after_commit(session_factory: sessionmaker[Session], announce: Announce) -> None:
    """After each commit of a session from ``session_factory``, pass every delivery it
    wrote to ``announce``; a rollback forgets them with the rows."""

    @event.listens_for(session_factory, "after_commit")
    def _committed(session: Session) -> None:
        for delivery_id, due in session.info.pop(NEW_DELIVERIES, []):
            announce(delivery_id, due)

    @event.listens_for(session_factory, "after_rollback")
    def _rolled_back(session: Session) -> None:
        session.info.pop(NEW_DELIVERIES, None)


def pending_deliveries(
    session: Session, *, due_before: datetime | None = None
) -> list[tuple[uuid.UUID, datetime | None]]:
    """Every delivery still Pending, with when it may next be tried; ``due_before``: only
    those due before then, for the reconciler."""
    statement = select(WebhookDelivery.id, WebhookDelivery.next_attempt).where(
        WebhookDelivery.status == "Pending"
    )
    if due_before is not None:
        statement = statement.where(
            or_(WebhookDelivery.next_attempt.is_(None), WebhookDelivery.next_attempt <= due_before)
        )
    return [(row[0], row[1]) for row in session.execute(statement)]
