"""Webhook consumers: where a client wants to hear about its syncs.

Each consumer gets its own Standard Webhooks signing secret (``whsec_`` + base64),
returned once when it is created and kept encrypted for signing deliveries.
"""

from __future__ import annotations

import base64
import secrets
import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from expense_sync.domain.errors import Conflict, NotFound
from expense_sync.services.companies import get_company
from expense_sync.services.secrets import SecretBox
from expense_sync.storage.locks import lock_row
from expense_sync.storage.models import Client, WebhookConsumer

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
    session: Session, client_id: uuid.UUID, spec: ConsumerSpec, box: SecretBox
) -> NewConsumer:
    lock_row(session, Client, client_id)  # so two requests cannot both pass the cap
    if len(list_consumers(session, client_id)) >= MAX_CONSUMERS:
        raise Conflict(f"A client may have at most {MAX_CONSUMERS} webhook consumers.")
    if spec.company_id is not None:
        get_company(session, client_id, spec.company_id)
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


def delete_consumer(session: Session, client_id: uuid.UUID, consumer_id: uuid.UUID) -> None:
    record = session.get(WebhookConsumer, consumer_id)
    if record is None or record.client_id != client_id:
        raise NotFound("Webhook consumer", consumer_id)
    session.delete(record)
