"""verify_webhook against the reference implementation (the ``standardwebhooks`` package),
and against a real delivery from the server when a sync finishes."""

from __future__ import annotations

import base64
import json
import os
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
import standardwebhooks

from expense_sync.client import (
    ErrorMessage,
    ExpenseSync,
    WebhookVerificationError,
    sign_webhook,
    verify_webhook,
)
from tests.sdk.conftest import expense, linked_books
from tests.waiting import wait_for

PAYLOAD = json.dumps({"eventType": "expenses.sync.successful", "payload": {"syncId": "s"}})


def secret() -> str:
    return "whsec_" + base64.b64encode(os.urandom(24)).decode()


def signed_by_reference(key: str, body: str, at: datetime, webhook_id: str = "msg_1") -> dict:
    signature = standardwebhooks.Webhook(key).sign(webhook_id, at, body)
    return {
        "webhook-id": webhook_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": signature,
    }


def test_accepts_what_the_reference_signer_signed() -> None:
    key = secret()
    headers = signed_by_reference(key, PAYLOAD, datetime.now(UTC))
    assert verify_webhook(PAYLOAD, headers, key) == json.loads(PAYLOAD)
    assert verify_webhook(PAYLOAD.encode(), {k.upper(): v for k, v in headers.items()}, key)
    rotated = {**headers, "webhook-signature": f"v1,AAAA {headers['webhook-signature']}"}
    assert verify_webhook(PAYLOAD, rotated, key)


def test_the_reference_verifier_accepts_what_the_sdk_signs() -> None:
    key, now = secret(), int(time.time())
    headers = {
        "webhook-id": "msg_2",
        "webhook-timestamp": str(now),
        "webhook-signature": sign_webhook(PAYLOAD.encode(), "msg_2", now, key),
    }
    assert standardwebhooks.Webhook(key).verify(PAYLOAD, headers) == json.loads(PAYLOAD)


@pytest.mark.parametrize(
    "tamper, reason",
    [
        (lambda h, b, k: (h, b.replace("successful", "unsuccessful"), k), "no webhook-signature"),
        (lambda h, b, k: (h, b, secret()), "no webhook-signature"),
        (lambda h, b, k: ({**h, "webhook-id": "msg_other"}, b, k), "no webhook-signature"),
        (lambda h, b, k: ({**h, "webhook-timestamp": "1000"}, b, k), "too old or too new"),
        (lambda h, b, k: ({**h, "webhook-timestamp": "soon"}, b, k), "not a number"),
        (lambda h, b, k: ({"webhook-id": "m"}, b, k), "missing"),
        (lambda h, b, k: (h, b, "whsec_!!!"), "base64"),
    ],
    ids=["body", "secret", "id", "old", "timestamp", "headers", "bad-secret"],
)
def test_rejects_anything_tampered(tamper, reason: str) -> None:  # type: ignore[no-untyped-def]
    key = secret()
    headers, body, used = tamper(signed_by_reference(key, PAYLOAD, datetime.now(UTC)), PAYLOAD, key)
    with pytest.raises(WebhookVerificationError, match=reason):
        verify_webhook(body, headers, used)


class Receiver(BaseHTTPRequestHandler):
    received: list[tuple[bytes, dict[str, str]]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Receiver.received.append((body, dict(self.headers.items())))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[str]:
    server = HTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    Receiver.received = []
    yield f"http://127.0.0.1:{server.server_address[1]}/hooks"
    server.shutdown()
    server.server_close()


def test_a_real_delivery_verifies(sdk: ExpenseSync, receiver: str) -> None:
    consumer = sdk.webhooks.create(
        request={"url": receiver, "event_types": ["expenses.sync.successful"]}
    )
    try:
        books = linked_books(sdk, "Hooked")
        created = sdk.expenses.create(company_id=books.company_id, request=[expense()])
        assert sdk.wait_for_sync(books.company_id, created.sync_id, timeout=60).status.is_successful
        body, headers = wait_for(lambda: Receiver.received and Receiver.received[-1], "delivery")
        event = verify_webhook(body, headers, consumer.signing_secret)
        assert created.sync_id in json.dumps(event)
        with pytest.raises(WebhookVerificationError):
            verify_webhook(body + b" ", headers, consumer.signing_secret)

        # the delivery log: listed, with its attempt, and a retry only of a Failed one
        logged = wait_for(
            lambda: [
                d
                for d in sdk.webhooks.list_deliveries(webhook_id=consumer.id)
                if d.status == "Delivered"
            ],
            "the delivery in the log",
        )
        assert [d.event_type for d in logged] == ["expenses.sync.successful"]
        assert logged[0].event_id == headers["webhook-id"]
        one = sdk.webhooks.get_delivery(webhook_id=consumer.id, delivery_id=logged[0].id)
        assert [a.response_status for a in one.attempt_log] == [204]
        assert one.event["payload"]["syncId"] == created.sync_id
        with pytest.raises(ErrorMessage) as refused:
            sdk.webhooks.retry_delivery(webhook_id=consumer.id, delivery_id=logged[0].id)
        assert refused.value.data.status_code == 409
    finally:
        sdk.webhooks.delete(webhook_id=consumer.id)
