"""Webhook consumers (Platform API tag: Webhooks), and their delivery log (our extension):
``GET /webhooks/{webhookId}/deliveries``, ``GET .../deliveries/{deliveryId}`` (with every
attempt and the event sent) and ``POST .../deliveries/{deliveryId}/retry``."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from pydantic import AnyHttpUrl, BaseModel, Field, UrlConstraints, field_validator

from expense_sync.api.dependencies import CallerDep, RuntimeDep, UowDep
from expense_sync.api.errors import ERROR_RESPONSES
from expense_sync.api.paging import PagingInfo, page_request, paging_fields
from expense_sync.api.schemas import StrictRequest
from expense_sync.domain.webhooks import EVENT_TYPES
from expense_sync.services import webhooks as service
from expense_sync.storage.models import WebhookAttempt as AttemptRow
from expense_sync.storage.models import WebhookConsumer as ConsumerRow
from expense_sync.storage.models import WebhookDelivery as DeliveryRow
from expense_sync.storage.query_sql import PageRequest

router = APIRouter(tags=["Webhooks"], responses=ERROR_RESPONSES)


class WebhookConsumerPrototype(StrictRequest):
    url: Annotated[AnyHttpUrl, UrlConstraints(max_length=2000)] = Field(
        description="Where events are POSTed (http or https), at most 2000 characters."
    )
    disabled: bool | None = False
    eventTypes: list[str] = Field(
        default_factory=list,
        max_length=20,
        description=f"Events to receive: {', '.join(EVENT_TYPES)}.",
    )
    companyTags: list[Annotated[str, Field(max_length=128)]] | None = Field(
        default=None, max_length=10
    )
    companyId: uuid.UUID | None = Field(
        default=None, description="expense-sync extension: only events of this company."
    )

    @field_validator("eventTypes")
    @classmethod
    def _known_events(cls, value: list[str]) -> list[str]:
        unknown = [event for event in value if event not in EVENT_TYPES]
        if unknown:
            raise ValueError(
                f"unknown event type(s) {', '.join(unknown)}; use {', '.join(EVENT_TYPES)}"
            )
        return value


class WebhookConsumer(BaseModel):
    id: uuid.UUID
    url: str
    disabled: bool | None = False
    eventTypes: list[str]
    companyTags: list[str] | None = None
    companyId: uuid.UUID | None = None


class CreatedWebhookConsumer(WebhookConsumer):
    signingSecret: str = Field(
        description="Standard Webhooks secret (whsec_...). Shown only in this response."
    )


class WebhookConsumers(BaseModel):
    results: list[WebhookConsumer]


def _present(row: ConsumerRow) -> WebhookConsumer:
    return WebhookConsumer(
        id=row.id,
        url=row.url,
        disabled=row.disabled,
        eventTypes=row.event_types,
        companyTags=row.company_tags,
        companyId=row.company_id,
    )


@router.get("/webhooks", operation_id="list-webhook-consumers", response_model=WebhookConsumers)
def list_consumers(caller: CallerDep, uow: UowDep) -> WebhookConsumers:
    rows = service.list_consumers(uow.session, caller.client_id)
    return WebhookConsumers(results=[_present(row) for row in rows])


@router.post(
    "/webhooks",
    operation_id="create-webhook-consumer",
    status_code=201,
    response_model=CreatedWebhookConsumer,
)
def create_consumer(
    body: WebhookConsumerPrototype, caller: CallerDep, uow: UowDep, runtime: RuntimeDep
) -> CreatedWebhookConsumer:
    spec = service.ConsumerSpec(
        url=str(body.url),
        event_types=body.eventTypes,
        company_id=body.companyId,
        company_tags=body.companyTags,
        disabled=bool(body.disabled),
    )
    created = service.create_consumer(
        uow.session,
        caller.client_id,
        spec,
        runtime.secrets,
        allow_private=runtime.settings.webhook_allow_private,
    )
    uow.commit()
    return CreatedWebhookConsumer(
        **_present(created.record).model_dump(), signingSecret=created.signing_secret
    )


@router.delete(
    "/webhooks/{webhookId}",
    operation_id="delete-webhook-consumer",
    status_code=204,
    response_class=Response,
)
def delete_consumer(webhookId: uuid.UUID, caller: CallerDep, uow: UowDep) -> Response:
    service.delete_consumer(uow.session, caller.client_id, webhookId)
    uow.commit()
    return Response(status_code=204)


# -- the delivery log (expense-sync extension) -----------------------------------------


class WebhookDelivery(BaseModel):
    id: uuid.UUID
    webhookId: uuid.UUID
    eventId: uuid.UUID
    eventType: str
    status: str = Field(description="Pending, Delivered (the receiver answered 2xx) or Failed.")
    attempts: int
    nextAttempt: datetime | None = Field(
        default=None, description="When a Pending delivery is tried next."
    )
    lastResponseStatus: int | None = Field(
        default=None, description="HTTP status of the last attempt; null if none came back."
    )
    lastError: str | None = None
    delivered: datetime | None = None
    created: datetime


class WebhookAttempt(BaseModel):
    attempted: datetime
    responseStatus: int | None = None
    error: str | None = None
    durationMs: int


class WebhookDeliveryWithAttempts(WebhookDelivery):
    event: dict[str, Any] = Field(description="The event as it is sent (the request body).")
    attemptLog: list[WebhookAttempt]


class WebhookDeliveries(PagingInfo):
    results: list[WebhookDelivery]


def _delivery(row: DeliveryRow) -> WebhookDelivery:
    return WebhookDelivery(
        id=row.id,
        webhookId=row.consumer_id,
        eventId=row.event_id,
        eventType=row.event.event_type,
        status=row.status,
        attempts=row.attempts,
        nextAttempt=row.next_attempt,
        lastResponseStatus=row.last_response_status,
        lastError=row.last_error,
        delivered=row.delivered,
        created=row.created,
    )


def _with_attempts(row: DeliveryRow, attempts: list[AttemptRow]) -> WebhookDeliveryWithAttempts:
    return WebhookDeliveryWithAttempts(
        **_delivery(row).model_dump(),
        event=row.event.body,
        attemptLog=[
            WebhookAttempt(
                attempted=a.attempted,
                responseStatus=a.response_status,
                error=a.error,
                durationMs=a.duration_ms,
            )
            for a in attempts
        ],
    )


@router.get(
    "/webhooks/{webhookId}/deliveries",
    operation_id="list-webhook-deliveries",
    response_model=WebhookDeliveries,
    summary="List a consumer's deliveries (expense-sync extension)",
)
def list_deliveries(
    request: Request,
    webhookId: uuid.UUID,
    caller: CallerDep,
    uow: UowDep,
    paging: Annotated[PageRequest, Depends(page_request)],
) -> WebhookDeliveries:
    page = service.list_deliveries(uow.session, caller.client_id, webhookId, paging)
    return WebhookDeliveries(
        results=[_delivery(row) for row in page.results], **paging_fields(request, page)
    )


@router.get(
    "/webhooks/{webhookId}/deliveries/{deliveryId}",
    operation_id="get-webhook-delivery",
    response_model=WebhookDeliveryWithAttempts,
    summary="Get a delivery with its attempts (expense-sync extension)",
)
def get_delivery(
    webhookId: uuid.UUID, deliveryId: uuid.UUID, caller: CallerDep, uow: UowDep
) -> WebhookDeliveryWithAttempts:
    row = service.get_delivery(uow.session, caller.client_id, webhookId, deliveryId)
    return _with_attempts(row, service.attempts_of(uow.session, row.id))


@router.post(
    "/webhooks/{webhookId}/deliveries/{deliveryId}/retry",
    operation_id="retry-webhook-delivery",
    status_code=202,
    response_model=WebhookDelivery,
    summary="Try a Failed delivery once more, now (expense-sync extension)",
)
def retry_delivery(
    webhookId: uuid.UUID, deliveryId: uuid.UUID, caller: CallerDep, uow: UowDep
) -> WebhookDelivery:
    row = service.retry_delivery(uow.session, caller.client_id, webhookId, deliveryId)
    uow.commit()
    return _delivery(row)
