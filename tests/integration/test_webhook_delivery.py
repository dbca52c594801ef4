"""Webhooks end to end: events written with the change they report, delivered over real
HTTP to a receiver that checks the Standard Webhooks signature, retried while it is down,
and logged per attempt."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker
from standardwebhooks.webhooks import Webhook

from expense_sync.api.app import create_app
from expense_sync.api.runtime import Runtime
from expense_sync.client.webhooks import verify_webhook
from expense_sync.config import Settings
from expense_sync.services.clients import authenticate
from expense_sync.services.quotas import count_request
from expense_sync.services.webhook_events import announce_after_commit, publish
from expense_sync.services.webhooks import ConsumerSpec, create_consumer
from expense_sync.storage.models import WebhookDelivery, WebhookEvent
from expense_sync.storage.uow import UnitOfWork
from tests.conftest import Tenant
from tests.e2e.server import free_port
from tests.integration.conftest import CARD
from tests.integration.test_expenses import expense, finished, send
from tests.integration.test_ledger_data import Books
from tests.waiting import wait_for

SYNC_EVENTS = ["expenses.sync.successful", "expenses.sync.unsuccessful"]


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Retries within a fraction of a second, so a receiver can be down and back in a test."""
    return settings.model_copy(
        update={
            "webhook_retry_first_delay": 0.05,
            "webhook_retry_max_delay": 0.2,
            "webhook_retry_window": 60.0,
        }
    )


class Receiver:
    """A real HTTP server on 127.0.0.1 that answers each POST with the next status in
    ``answers`` (then 200) and keeps what it got."""

    def __init__(self, port: int, answers: list[int] | None = None) -> None:
        self.port = port
        self.answers = list(answers or [])
        self.received: list[tuple[dict[str, str], bytes, int]] = []
        self._server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks"

    def start(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                status = receiver.answers.pop(0) if receiver.answers else 200
                receiver.received.append(
                    ({k.lower(): v for k, v in self.headers.items()}, body, status)
                )
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def delivered(self, secret: str) -> list[dict[str, Any]]:
        """The bodies answered with 2xx, each verified against its signature."""
        hook = Webhook(secret)
        return [
            hook.verify(body, headers)
            for headers, body, status in self.received
            if 200 <= status < 300
        ]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    started = Receiver(free_port()).start()
    yield started
    started.stop()


def subscribe(api: TestClient, tenant: Tenant, url: str, **fields: Any) -> dict[str, Any]:
    created = api.post("/webhooks", json={"url": url, **fields}, headers=tenant.headers)
    assert created.status_code == 201, created.text
    return dict(created.json())


def deliveries(api: TestClient, tenant: Tenant, hook_id: str) -> list[dict[str, Any]]:
    listed = api.get(f"/webhooks/{hook_id}/deliveries", headers=tenant.headers)
    assert listed.status_code == 200, listed.text
    return list(listed.json()["results"])


def settled(api: TestClient, tenant: Tenant, hook_id: str, count: int) -> list[dict[str, Any]]:
    """Wait until the consumer has ``count`` deliveries and none is Pending."""
    return wait_for(
        lambda: (
            (found := deliveries(api, tenant, hook_id))
            and len(found) == count
            and all(d["status"] != "Pending" for d in found)
            and found
        ),
        f"{count} settled deliveries",
    )


def test_a_sync_that_completes_is_delivered_once_signed_with_each_outcome(
    books: Books,
    api: TestClient,
    tenant: Tenant,
    receiver: Receiver,
) -> None:
    hook = subscribe(api, tenant, receiver.url, eventTypes=SYNC_EVENTS)
    company_id = books.company.rsplit("/", 1)[1]
    tagged = api.patch(books.company, json={"tags": {"region": "eu"}}, headers=tenant.headers)
    assert tagged.status_code == 200, tagged.text
    payments = [expense(), expense()]
    created = send(books, "POST", "/expense-transactions", payments)
    assert created.status_code == 200, created.text
    sync_id = created.json()["syncId"]
    assert finished(books, sync_id)["syncStatusCode"] == 2000

    (delivery,) = settled(api, tenant, hook["id"], 1)
    assert delivery["status"] == "Delivered" and delivery["attempts"] == 1
    assert delivery["lastResponseStatus"] == 200 and delivery["eventType"] == SYNC_EVENTS[0]
    (event,) = receiver.delivered(hook["signingSecret"])
    assert event["id"] == delivery["eventId"]
    assert event["eventType"] == "expenses.sync.successful"
    assert datetime.fromisoformat(event["generatedDate"].replace("Z", "+00:00")) <= datetime.now(
        UTC
    )
    payload = event["payload"]
    assert payload["syncId"] == sync_id
    assert payload["referenceCompany"]["id"] == company_id
    assert payload["referenceCompany"]["name"] == "Books Ltd"
    assert payload["referenceCompany"]["tags"] == {"region": "eu"}
    assert payload["transactions"] == [
        {"id": p["id"], "status": "Completed", "errorMessage": None} for p in payments
    ]
    headers, raw, _ = receiver.received[0]
    assert headers["webhook-id"] == event["id"]
    assert verify_webhook(raw, headers, hook["signingSecret"]) == event  # our SDK agrees
    assert headers["content-type"] == "application/json"

    detail = api.get(
        f"/webhooks/{hook['id']}/deliveries/{delivery['id']}", headers=tenant.headers
    ).json()
    assert detail["event"] == event
    assert [a["responseStatus"] for a in detail["attemptLog"]] == [200]


def test_an_unsuccessful_sync_reports_each_transactions_outcome(
    books: Books,
    api: TestClient,
    tenant: Tenant,
    receiver: Receiver,
) -> None:
    hook = subscribe(api, tenant, receiver.url, eventTypes=SYNC_EVENTS)
    good = expense()
    # dated before the ledger opened its accounts: Beancount refuses it when it is posted
    refused = expense(issueDate="1990-01-02T00:00:00Z")
    created = send(books, "POST", "/expense-transactions", [good, refused])
    assert created.status_code == 200, created.text
    assert finished(books, created.json()["syncId"])["syncStatusCode"] == 5130

    settled(api, tenant, hook["id"], 1)
    (event,) = receiver.delivered(hook["signingSecret"])
    assert event["eventType"] == "expenses.sync.unsuccessful"
    by_id = {t["id"]: t for t in event["payload"]["transactions"]}
    assert by_id[good["id"]] == {"id": good["id"], "status": "Completed", "errorMessage": None}
    assert by_id[refused["id"]]["status"] == "PushError"
    assert "inactive" in by_id[refused["id"]]["errorMessage"]


def test_a_sync_without_books_reports_failed_transactions(
    api: TestClient, tenant: Tenant, receiver: Receiver
) -> None:
    hook = subscribe(api, tenant, receiver.url, eventTypes=["expenses.sync.unsuccessful"])
    company = api.post("/companies", json={"name": "No books"}, headers=tenant.headers).json()
    created = api.post(
        f"/companies/{company['id']}/sync/expenses/expense-transactions",
        json=[expense(bankAccountRef={"id": CARD})],
        headers=tenant.headers,
    )
    assert created.status_code == 200, created.text
    settled(api, tenant, hook["id"], 1)
    (event,) = receiver.delivered(hook["signingSecret"])
    (transaction,) = event["payload"]["transactions"]
    assert transaction["status"] == "PushError"
    assert "no linked accounting connection" in transaction["errorMessage"]


def test_a_receiver_down_for_a_while_gets_the_event_exactly_once(
    books: Books,
    api: TestClient,
    tenant: Tenant,
) -> None:
    down = Receiver(free_port(), answers=[503, 500])  # refuses connections until started
    hook = subscribe(api, tenant, down.url, eventTypes=SYNC_EVENTS)
    created = send(books, "POST", "/expense-transactions", [expense()])
    assert created.status_code == 200, created.text
    wait_for(
        lambda: (found := deliveries(api, tenant, hook["id"])) and found[0]["attempts"] >= 3,
        "three refused attempts",
    )
    (pending,) = deliveries(api, tenant, hook["id"])
    assert pending["status"] == "Pending" and pending["lastResponseStatus"] is None
    assert "ConnectError" in pending["lastError"]
    down.start()
    try:
        (delivery,) = settled(api, tenant, hook["id"], 1)
    finally:
        down.stop()
    assert delivery["status"] == "Delivered"
    assert [status for _, _, status in down.received] == [503, 500, 200]
    assert len(down.delivered(hook["signingSecret"])) == 1
    detail = api.get(
        f"/webhooks/{hook['id']}/deliveries/{delivery['id']}", headers=tenant.headers
    ).json()
    log = detail["attemptLog"]
    assert len(log) == delivery["attempts"] >= 6
    assert [a["responseStatus"] for a in log[-3:]] == [503, 500, 200]
    assert all(a["responseStatus"] is None and "ConnectError" in a["error"] for a in log[:-3])
    assert "HTTP 503" in log[-3]["error"]
    # The same event id on every try, so a receiver can tell a retry from a new event.
    assert {h["webhook-id"] for h, _, _ in down.received} == {delivery["eventId"]}


def test_deliveries_that_run_out_of_time_fail_and_can_be_retried(
    settings: Settings, api: TestClient, tenant: Tenant, runtime: Runtime, receiver: Receiver
) -> None:
    runtime.settings.webhook_retry_window = 0.3
    receiver.answers = [500] * 1000
    hook = subscribe(api, tenant, receiver.url, eventTypes=["expenses.sync.unsuccessful"])
    company = api.post("/companies", json={"name": "Gone"}, headers=tenant.headers).json()
    api.post(
        f"/companies/{company['id']}/sync/expenses/expense-transactions",
        json=[expense(bankAccountRef={"id": CARD})],
        headers=tenant.headers,
    )
    (failed,) = settled(api, tenant, hook["id"], 1)
    assert failed["status"] == "Failed" and failed["lastResponseStatus"] == 500
    tries = len(receiver.received)
    assert tries == failed["attempts"] >= 1
    log = f"/webhooks/{hook['id']}/deliveries"
    for query, expected in (("status=Failed", [failed["id"]]), ("status=Delivered", [])):
        found = api.get(log, params={"query": query}, headers=tenant.headers).json()
        assert [d["id"] for d in found["results"]] == expected, query

    receiver.answers = []
    retry_url = f"/webhooks/{hook['id']}/deliveries/{failed['id']}/retry"
    retried = api.post(retry_url, headers=tenant.headers)
    assert retried.status_code == 202, retried.text
    assert retried.json()["status"] == "Pending"
    (delivered,) = settled(api, tenant, hook["id"], 1)
    assert delivered["status"] == "Delivered" and delivered["attempts"] == tries + 1
    again = api.post(retry_url, headers=tenant.headers)
    assert again.status_code == 409 and "Delivered" in again.json()["error"]


def test_consumers_get_only_the_events_they_asked_for(
    books: Books,
    api: TestClient,
    tenant: Tenant,
    receiver: Receiver,
) -> None:
    company_id = books.company.rsplit("/", 1)[1]
    api.patch(books.company, json={"tags": {"region": "eu"}}, headers=tenant.headers)
    other = api.post("/companies", json={"name": "Other"}, headers=tenant.headers).json()
    wanted = {
        "all": subscribe(api, tenant, receiver.url, eventTypes=SYNC_EVENTS),
        "company": subscribe(
            api, tenant, receiver.url, eventTypes=SYNC_EVENTS, companyId=company_id
        ),
        "tag": subscribe(
            api, tenant, receiver.url, eventTypes=SYNC_EVENTS, companyTags=["region:eu"]
        ),
    }
    unwanted = {
        "disabled": subscribe(api, tenant, receiver.url, eventTypes=SYNC_EVENTS, disabled=True),
        "other type": subscribe(
            api, tenant, receiver.url, eventTypes=["expenses.sync.unsuccessful"]
        ),
        "other company": subscribe(
            api, tenant, receiver.url, eventTypes=SYNC_EVENTS, companyId=other["id"]
        ),
        "other tag": subscribe(
            api, tenant, receiver.url, eventTypes=SYNC_EVENTS, companyTags=["region:us"]
        ),
        "no types": subscribe(api, tenant, receiver.url, eventTypes=[]),
    }
    created = send(books, "POST", "/expense-transactions", [expense()])
    assert finished(books, created.json()["syncId"])["syncStatusCode"] == 2000
    for name, hook in wanted.items():
        (delivery,) = settled(api, tenant, hook["id"], 1)
        assert delivery["status"] == "Delivered", name
    for name, hook in unwanted.items():
        assert deliveries(api, tenant, hook["id"]) == [], name
    assert len(receiver.received) == len(wanted)


def test_spending_the_quota_emits_rate_limit_reached_and_a_reset_at_midnight(
    settings: Settings, api: TestClient, runtime: Runtime, tenant: Tenant, receiver: Receiver
) -> None:
    runtime.settings.daily_quota = 4
    types = ["client.rateLimit.reached", "client.rateLimit.reset"]
    hook = subscribe(api, tenant, receiver.url, eventTypes=types)  # request 1
    tagged = subscribe(api, tenant, receiver.url, eventTypes=types, companyTags=["a:b"])  # 2
    assert api.get("/webhooks", headers=tenant.headers).status_code == 200  # 3
    last = api.get("/webhooks", headers=tenant.headers)  # 4: the quota is spent
    assert last.headers["X-Rate-Limit-Remaining"] == "0"
    assert api.get("/webhooks", headers=tenant.headers).status_code == 429

    (event,) = wait_for(lambda: receiver.delivered(hook["signingSecret"]), "rateLimit.reached")
    assert event["eventType"] == "client.rateLimit.reached"
    midnight = datetime.combine(
        datetime.now(UTC).date() + timedelta(days=1), datetime.min.time(), tzinfo=UTC
    )
    assert event["payload"] == {
        "dailyQuota": 4,
        "quotaRemaining": 0,
        "expiryDate": midnight.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
    }
    assert last.headers["X-Rate-Limit-Reset"] == midnight.isoformat().replace("+00:00", "Z")
    with UnitOfWork(runtime.session_factory) as uow:
        rows = uow.session.execute(
            select(WebhookEvent, WebhookDelivery)
            .join(WebhookDelivery, WebhookDelivery.event_id == WebhookEvent.id)
            .where(WebhookEvent.event_type == "client.rateLimit.reset")
        ).all()
        ((reset, delivery),) = rows  # only to the consumer without company filters
        assert delivery.consumer_id == uuid.UUID(hook["id"]) != uuid.UUID(tagged["id"])
        assert reset.generated == midnight and delivery.next_attempt == midnight
        assert delivery.status == "Pending" and delivery.attempts == 0
        assert reset.body["payload"]["quotaRemaining"] == 4
    assert len(receiver.received) == 1


def test_the_reset_is_delivered_when_its_midnight_has_come(
    api: TestClient, runtime: Runtime, tenant: Tenant, receiver: Receiver
) -> None:
    types = ["client.rateLimit.reached", "client.rateLimit.reset"]
    hook = subscribe(api, tenant, receiver.url, eventTypes=types)
    today_start = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    just_before_midnight = today_start - timedelta(seconds=1)
    with UnitOfWork(runtime.session_factory) as uow:
        client_id = authenticate(uow.session, tenant.key)
        count_request(uow.session, client_id, 1, just_before_midnight)  # yesterday's last
        uow.commit()
    events = wait_for(
        lambda: len(found := receiver.delivered(hook["signingSecret"])) == 2 and found,
        "reached and reset",
    )
    by_type = {e["eventType"]: e for e in events}
    reset = by_type["client.rateLimit.reset"]
    today = just_before_midnight.date() + timedelta(days=1)
    assert reset["generatedDate"] == f"{today.isoformat()}T00:00:00.000Z"
    assert reset["payload"] == {
        "dailyQuota": 1,
        "quotaRemaining": 1,
        "expiryDate": f"{(today + timedelta(days=1)).isoformat()}T00:00:00.000Z",
    }
    assert by_type["client.rateLimit.reached"]["payload"]["expiryDate"] == reset["generatedDate"]


def test_a_restart_resumes_pending_deliveries(
    runtime: Runtime, settings: Settings, tenant: Tenant
) -> None:
    later = Receiver(free_port())  # down until after the restart
    with TestClient(create_app(runtime=runtime)) as api:
        hook = subscribe(api, tenant, later.url, eventTypes=["expenses.sync.unsuccessful"])
        company = api.post("/companies", json={"name": "Restart"}, headers=tenant.headers)
        api.post(
            f"/companies/{company.json()['id']}/sync/expenses/expense-transactions",
            json=[expense(bankAccountRef={"id": CARD})],
            headers=tenant.headers,
        )
        wait_for(
            lambda: (found := deliveries(api, tenant, hook["id"])) and found[0]["attempts"] >= 1,
            "a refused try",
        )
    # The process has stopped with the delivery Pending and its retry message gone.
    later.start()
    try:
        with TestClient(create_app(runtime=Runtime.from_settings(settings))) as api:
            (delivery,) = settled(api, tenant, hook["id"], 1)
    finally:
        later.stop()
    assert delivery["status"] == "Delivered"
    assert len(later.delivered(hook["signingSecret"])) == 1


def test_the_signed_body_is_the_stored_event(receiver: Receiver) -> None:
    """The headers standardwebhooks makes verify against the exact bytes sent."""
    from expense_sync.sync.deliveries import signed

    secret = "whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    body = {"id": str(uuid.uuid4()), "eventType": "x", "payload": {"name": "Café"}}
    request = signed(receiver.url, secret, body, datetime.now(UTC))
    assert Webhook(secret).verify(request.body, request.headers) == body
    assert json.loads(request.body) == body


def test_an_event_exists_only_if_its_transaction_commits(runtime: Runtime, tenant: Tenant) -> None:
    announced: list[uuid.UUID] = []
    sessions = sessionmaker(bind=runtime.engine, expire_on_commit=False)
    announce_after_commit(sessions, lambda delivery_id, _: announced.append(delivery_id))
    with UnitOfWork(sessions) as uow:
        client_id = authenticate(uow.session, tenant.key)
        uow.commit()
    with UnitOfWork(sessions) as uow:
        create_consumer(
            uow.session,
            client_id,
            ConsumerSpec(url="http://127.0.0.1:9/", event_types=["client.rateLimit.reached"]),
            runtime.secrets,
            allow_private=True,
        )
        uow.commit()
    now = datetime.now(UTC)
    with UnitOfWork(sessions) as uow:  # rolled back: neither the event nor a signal
        publish(uow.session, client_id, "client.rateLimit.reached", {}, now)
    assert announced == []
    with UnitOfWork(sessions) as uow:
        assert uow.session.scalars(select(WebhookEvent)).all() == []
        publish(uow.session, client_id, "client.rateLimit.reached", {}, now)
        uow.commit()
    with UnitOfWork(sessions) as uow:
        assert uow.session.scalars(select(WebhookDelivery.id)).all() == announced != []
