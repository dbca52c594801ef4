"""Webhook targets are public unless the operator allows others: refused when a consumer
is created, checked again at each delivery, and redirects are never followed."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from expense_sync.api.runtime import Runtime
from expense_sync.config import Settings
from expense_sync.services.clients import authenticate
from expense_sync.services.webhook_events import publish
from expense_sync.storage.uow import UnitOfWork
from tests.conftest import Tenant
from tests.e2e.server import free_port
from tests.integration.test_webhook_delivery import Receiver, deliveries, subscribe
from tests.waiting import wait_for

RATE_LIMIT = ["client.rateLimit.reached"]


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The operator's default: private targets refused."""
    return settings.model_copy(update={"webhook_allow_private": False})


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://127.0.0.1:8080/hooks", "127.0.0.1 is a loopback address"),
        ("http://localhost/hooks", "localhost, which resolves to 127.0.0.1, is a loopback"),
        ("http://169.254.169.254/latest/meta-data/", "a cloud metadata address"),
        ("http://[fd00:ec2::254]/", "a cloud metadata address"),
        ("https://10.0.0.8/hooks", "a private address"),
        ("http://[fd12::1]/hooks", "a unique-local address"),
        ("http://[fe80::1]/", "a link-local address"),
        ("http://224.0.0.1/", "a multicast address"),
        ("https://no-such-host.invalid/hooks", "could not be resolved"),
    ],
)
def test_consumers_with_targets_that_are_not_public_are_refused(
    api: TestClient, tenant: Tenant, url: str, why: str
) -> None:
    refused = api.post(
        "/webhooks", json={"url": url, "eventTypes": RATE_LIMIT}, headers=tenant.headers
    )
    assert refused.status_code == 400, refused.text
    body = refused.json()
    (problem,) = body["validation"]["errors"]
    assert problem["itemId"] == "url"
    assert why in problem["message"] and why in body["error"]
    assert "EXPENSE_SYNC_WEBHOOK_ALLOW_PRIVATE=true" in problem["message"]
    assert api.get("/webhooks", headers=tenant.headers).json()["results"] == []


def test_the_operator_may_allow_private_targets(
    api: TestClient, tenant: Tenant, runtime: Runtime
) -> None:
    runtime.settings.webhook_allow_private = True
    hook = subscribe(api, tenant, "http://127.0.0.1:8080/hooks", eventTypes=RATE_LIMIT)
    assert hook["url"] == "http://127.0.0.1:8080/hooks"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    started = Receiver(free_port()).start()
    yield started
    started.stop()


def _attempted(api: TestClient, tenant: Tenant, runtime: Runtime, hook_id: str) -> dict[str, Any]:
    """Publish an event for the tenant; the first attempt at its delivery, once made."""
    with UnitOfWork(runtime.session_factory) as uow:
        client_id = authenticate(uow.session, tenant.key)
        publish(uow.session, client_id, RATE_LIMIT[0], {}, datetime.now(UTC))
        uow.commit()
    found: dict[str, Any] = wait_for(
        lambda: [d for d in deliveries(api, tenant, hook_id) if d["attempts"] >= 1],
        "an attempt",
    )[0]
    detail = api.get(f"/webhooks/{hook_id}/deliveries/{found['id']}", headers=tenant.headers)
    return dict(detail.json())


def test_a_target_that_became_private_fails_the_attempt_and_gets_nothing(
    api: TestClient, tenant: Tenant, runtime: Runtime, receiver: Receiver
) -> None:
    runtime.settings.webhook_allow_private = True  # created while the operator allowed it
    hook = subscribe(api, tenant, receiver.url, eventTypes=RATE_LIMIT)
    runtime.settings.webhook_allow_private = False
    delivery = _attempted(api, tenant, runtime, hook["id"])
    assert delivery["status"] == "Pending" and delivery["lastResponseStatus"] is None
    (attempt,) = delivery["attemptLog"]
    assert attempt["error"].startswith("Not sent: 127.0.0.1 is a loopback address.")
    assert "EXPENSE_SYNC_WEBHOOK_ALLOW_PRIVATE=true" in attempt["error"]
    assert receiver.received == []


def test_redirects_are_not_followed(
    api: TestClient, tenant: Tenant, runtime: Runtime, receiver: Receiver
) -> None:
    runtime.settings.webhook_allow_private = True
    receiver.answers = [302]
    hook = subscribe(api, tenant, receiver.url, eventTypes=RATE_LIMIT)
    delivery = _attempted(api, tenant, runtime, hook["id"])
    assert delivery["status"] == "Pending" and delivery["lastResponseStatus"] == 302
    assert "redirects are not followed" in delivery["attemptLog"][0]["error"]
    assert len(receiver.received) == 1
