"""Webhook consumers (Platform API tag: Webhooks)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Response
from pydantic import AnyHttpUrl, BaseModel, Field, UrlConstraints, field_validator

from expense_sync.api.dependencies import CallerDep, RuntimeDep, UowDep
from expense_sync.api.errors import ERROR_RESPONSES
from expense_sync.api.schemas import StrictRequest
from expense_sync.services import webhooks as service
from expense_sync.storage.models import WebhookConsumer as ConsumerRow

router = APIRouter(tags=["Webhooks"], responses=ERROR_RESPONSES)

EVENT_TYPES = (
    "expenses.sync.successful",
    "expenses.sync.unsuccessful",
    "client.rateLimit.reached",
    "client.rateLimit.reset",
)


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
    created = service.create_consumer(uow.session, caller.client_id, spec, runtime.secrets)
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
