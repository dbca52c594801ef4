"""Companies, connections, integrations, API keys and webhook consumers."""

from __future__ import annotations

from typing import Any

from expense_sync.client.models._base import Model


class CompanyRequestBody(Model):
    name: str
    description: str | None = None
    tags: dict[str, str] | None = None


class CompanyUpdateRequest(Model):
    name: str | None = None
    description: str | None = None
    tags: dict[str, str] | None = None


class Company(Model):
    id: str
    name: str
    description: str | None = None
    redirect: str | None = None
    last_sync: str | None = None
    created: str | None = None
    created_by_user_name: str | None = None
    products: list[str] = []
    tags: dict[str, str] = {}
    data_connections: list[Connection] = []


class CreateConnection(Model):
    platform_key: str


class UpdateConnection(Model):
    status: str | None = None


class DataConnectionError(Model):
    status_code: str | None = None
    status_text: str | None = None
    error_message: str | None = None
    errored_on_utc: str | None = None


class Connection(Model):
    id: str
    integration_id: str | None = None
    integration_key: str | None = None
    source_id: str | None = None
    source_type: str | None = None
    platform_name: str | None = None
    link_url: str | None = None
    status: str
    last_sync: str | None = None
    created: str | None = None
    data_connection_errors: list[DataConnectionError] | None = None
    connection_info: dict[str, Any] | None = None


class Integration(Model):
    key: str
    name: str
    logo_url: str | None = None
    enabled: bool | None = None
    source_id: str | None = None
    source_type: str | None = None
    integration_id: str | None = None
    is_offline_connector: bool | None = None
    is_beta: bool | None = None
    data_provided_by: str | None = None
    datatype_features: list[dict[str, Any]] = []
    manifest: dict[str, Any] | None = None


class CreateApiKey(Model):
    name: str | None = None


class ApiKeyDetails(Model):
    id: str
    name: str | None = None
    api_key: str | None = None
    created_date: str | None = None


class WebhookConsumerPrototype(Model):
    url: str
    disabled: bool | None = None
    event_types: list[str] = []
    company_tags: list[str] | None = None
    company_id: str | None = None


class WebhookConsumer(WebhookConsumerPrototype):
    id: str


class CreatedWebhookConsumer(WebhookConsumer):
    """Returned once, on creation: the only time the signing secret is shown."""

    signing_secret: str


class WebhookDelivery(Model):
    """One event's delivery to one consumer (expense-sync's delivery log)."""

    id: str
    webhook_id: str
    event_id: str
    event_type: str
    status: str  # Pending | Delivered | Failed
    attempts: int = 0
    next_attempt: str | None = None
    last_response_status: int | None = None
    last_error: str | None = None
    delivered: str | None = None
    created: str | None = None


class WebhookAttempt(Model):
    attempted: str
    response_status: int | None = None
    error: str | None = None
    duration_ms: int


class WebhookDeliveryWithAttempts(WebhookDelivery):
    event: dict[str, Any]
    attempt_log: list[WebhookAttempt] = []


Company.model_rebuild()
