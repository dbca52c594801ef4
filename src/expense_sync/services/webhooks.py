"""Webhook consumers: where a client wants to hear about its syncs.

Each consumer gets its own Standard Webhooks signing secret (``whsec_`` + base64),
returned once when it is created and kept encrypted for signing deliveries.

The delivery log (our extension) lists each event sent to a consumer, how it went and
every attempt; a delivery given up can be retried. Events and deliveries are written by
``services.webhook_events`` and sent by ``sync.deliveries``.
"""

from __future__ import annotations

import base64
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from expense_sync.domain.errors import Conflict, NotFound
from expense_sync.domain.webhooks import EVENT_TYPES
from expense_sync.services.companies import owned_company_id
from expense_sync.services.secrets import SecretBox
from expense_sync.services.webhook_events import note_delivery
from expense_sync.services.webhook_targets import require_public_url
from expense_sync.storage.locks import lock_row
from expense_sync.storage.models import (
    Client,
    WebhookAttempt,
    WebhookConsumer,
    WebhookDelivery,
    WebhookEvent,
)
from expense_sync.storage.query_sql import Fields, Page, PageRequest, QueryField, fetch_page

MAX_CONSUMERS = 50


@dataclass(frozen=True)
class ConsumerSpec:
    url: str
    event_types: list[str]
    company_id: uuid.UUID | None = None
    company_tags: list[str] | None = None
    disabled: bool = False


@dataclass(frozen=True)
class NewConsumer:
    record: WebhookConsumer
    signing_secret: str


def new_signing_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


def list_consumers(session: Session, client_id: uuid.UUID) -> list[WebhookConsumer]:
    statement = (
        select(WebhookConsumer)
        .where(WebhookConsumer.client_id == client_id)
        .order_by(WebhookConsumer.created, WebhookConsumer.id)
    )
    return list(session.scalars(statement))


def create_consumer(
    session: Session,
    client_id: uuid.UUID,
    spec: ConsumerSpec,
    box: SecretBox,
    *,
    allow_private: bool,
) -> NewConsumer:
    """A new consumer; its URL must resolve to public addresses only unless
    ``allow_private`` (``Settings.webhook_allow_private``), see ``webhook_targets``."""
    if not allow_private:
        require_public_url(spec.url)  # before the lock: resolving may take a moment
    lock_row(session, Client, client_id)  # so two requests cannot both pass the cap
    if len(list_consumers(session, client_id)) >= MAX_CONSUMERS:
        raise Conflict(f"A client may have at most {MAX_CONSUMERS} webhook consumers.")
    if spec.company_id is not None:
        owned_company_id(session, client_id, spec.company_id)
    secret = new_signing_secret()
    record = WebhookConsumer(
        client_id=client_id,
        company_id=spec.company_id,
        url=spec.url,
        event_types=spec.event_types,
        company_tags=spec.company_tags,
        disabled=spec.disabled,
        encrypted_signing_secret=box.seal({"secret": secret}),
    )
    session.add(record)
    session.flush()
    return NewConsumer(record, secret)


def get_consumer(session: Session, client_id: uuid.UUID, consumer_id: uuid.UUID) -> WebhookConsumer:
    record = session.get(WebhookConsumer, consumer_id)
    if record is None or record.client_id != client_id:
        raise NotFound("Webhook consumer", consumer_id)
    return record


def delete_consumer(session: Session, client_id: uuid.UUID, consumer_id: uuid.UUID) -> None:
    session.delete(get_consumer(session, client_id, consumer_id))


# -- the delivery log (expense-sync extension) -----------------------------------------

DELIVERY_FIELDS: Fields = {
    "status": QueryField(WebhookDelivery.status, "enum", ("Pending", "Delivered", "Failed")),
    "eventType": QueryField(WebhookEvent.event_type, "enum", EVENT_TYPES),
    "eventId": QueryField(WebhookDelivery.event_id, "uuid"),
    "created": QueryField(WebhookDelivery.created, "datetime"),
    "delivered": QueryField(WebhookDelivery.delivered, "datetime"),
}


def list_deliveries(
    session: Session, client_id: uuid.UUID, consumer_id: uuid.UUID, request: PageRequest
) -> Page[WebhookDelivery]:
    """The consumer's deliveries, newest first unless ``orderBy`` says otherwise."""
    get_consumer(session, client_id, consumer_id)
    statement = (
        select(WebhookDelivery)
        .join(WebhookEvent, WebhookEvent.id == WebhookDelivery.event_id)
        .where(WebhookDelivery.consumer_id == consumer_id)
    )
    default = [WebhookDelivery.created.desc(), WebhookDelivery.id]
    return fetch_page(session, statement, request, DELIVERY_FIELDS, default)


def get_delivery(
    session: Session, client_id: uuid.UUID, consumer_id: uuid.UUID, delivery_id: uuid.UUID
) -> WebhookDelivery:
    get_consumer(session, client_id, consumer_id)
    record = session.get(WebhookDelivery, delivery_id)
    if record is None or record.consumer_id != consumer_id:
        raise NotFound("Webhook delivery", delivery_id)
    return record


def attempts_of(session: Session, delivery_id: uuid.UUID) -> list[WebhookAttempt]:
    statement = (
        select(WebhookAttempt)
        .where(WebhookAttempt.delivery_id == delivery_id)
        .order_by(WebhookAttempt.attempted, WebhookAttempt.id)
    )
    return list(session.scalars(statement))


def retry_delivery(
    session: Session, client_id: uuid.UUID, consumer_id: uuid.UUID, delivery_id: uuid.UUID
) -> WebhookDelivery:
    """One more attempt, now, at a delivery that was given up (``Failed``). If it fails
    too, the delivery is ``Failed`` again: its event is past the retry window."""
    lock_row(session, WebhookDelivery, delivery_id)
    record = get_delivery(session, client_id, consumer_id, delivery_id)
    session.refresh(record)
    if record.status != "Failed":
        raise Conflict(
            f"Webhook delivery {delivery_id} is {record.status}; only a Failed delivery can be "
            "retried (a Pending one is retried on its own at nextAttempt)."
        )
    now = datetime.now(UTC)
    record.status, record.next_attempt = "Pending", now
    note_delivery(session, record.id, now)
    return record
