"""Delivering webhook events: one attempt at one delivery, signed per Standard Webhooks.

- **Claim.** A run takes the delivery by moving its ``next_attempt`` a lease ahead, in
  one conditional UPDATE (``Pending`` and due), so two runs never post it at once. A
  process that dies mid-attempt leaves the delivery due again when the lease ends.
- **Attempt.** The event's body is POSTed as JSON with the ``webhook-id`` (the event's
  id, the same on every retry, so receivers can drop duplicates), ``webhook-timestamp``
  (this attempt) and ``webhook-signature`` (``v1,`` HMAC-SHA256 with the consumer's
  ``whsec_`` secret) headers, made by the ``standardwebhooks`` package. Redirects are not
  followed: a 3xx is a failed attempt, logged as such.
- **Target.** Unless ``Settings.webhook_allow_private`` is set, the URL's host is
  resolved and checked again before each attempt (``services.webhook_targets``): an
  address that is not public fails the attempt without sending anything, and the POST
  goes to the checked address (Host header and TLS name kept), so DNS cannot change
  between the check and the connection.
- **Outcome.** Only a 2xx answer marks it ``Delivered``. Anything else (another status,
  a refused connection, a timeout) is logged as an attempt and tried again after a
  jittered exponential backoff (``Settings.webhook_retry_*``), until the event is older
  than the retry window: then it is ``Failed``, and ``POST
  /webhooks/{id}/deliveries/{id}/retry`` can make one more attempt.
- The database is the truth: the attempt, its answer and the next try are written in one
  transaction after the POST; the run's ``Outcome`` only tells the executor when to look
  again.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache

import httpx
from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker
from standardwebhooks.webhooks import Webhook

from expense_sync.config import Settings
from expense_sync.domain.webhooks import backoff_delay
from expense_sync.services.jobs import Outcome
from expense_sync.services.secrets import SecretBox
from expense_sync.services.webhook_targets import ALLOW_SETTING, RefusedTarget, checked_target
from expense_sync.storage.models import WebhookAttempt, WebhookConsumer, WebhookDelivery
from expense_sync.storage.uow import UnitOfWork

log = logging.getLogger("expense_sync.webhooks")
TIMEOUT = httpx.Timeout(10.0)
LEASE = timedelta(seconds=60)
EARLY = timedelta(seconds=1)  # a signal this early for its delivery still counts as due
USER_AGENT = "expense-sync-webhooks"
MAX_ERROR = 500  # characters of a response body or error kept per attempt


@dataclass(frozen=True)
class Request:
    url: str
    body: str
    headers: dict[str, str]


@dataclass(frozen=True)
class Answer:
    status: int | None
    error: str | None
    duration_ms: int

    @property
    def delivered(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def run_delivery(
    session_factory: sessionmaker[Session], settings: Settings, delivery_id: uuid.UUID
) -> Outcome:
    """Try the delivery once if it is due; the outcome says when to try again."""
    request = _claim(session_factory, settings, delivery_id)
    if request is None:
        return Outcome()
    answer = _post(request, settings.webhook_allow_private)
    return _record(session_factory, settings, delivery_id, answer)


def _claim(
    session_factory: sessionmaker[Session], settings: Settings, delivery_id: uuid.UUID
) -> Request | None:
    now = datetime.now(UTC)
    with UnitOfWork(session_factory) as uow:
        claimed = uow.session.execute(
            update(WebhookDelivery)
            .where(
                WebhookDelivery.id == delivery_id,
                WebhookDelivery.status == "Pending",
                WebhookDelivery.next_attempt <= now + EARLY,
            )
            .values(next_attempt=now + LEASE)
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount != 1:  # type: ignore[attr-defined]
            return None  # done, gone, not due yet, or another run has it
        delivery = uow.session.get(WebhookDelivery, delivery_id)
        assert delivery is not None
        consumer = uow.session.get(WebhookConsumer, delivery.consumer_id)
        assert consumer is not None
        secret = SecretBox(settings.secret_key_bytes).open(consumer.encrypted_signing_secret)
        request = signed(consumer.url, secret["secret"], delivery.event.body, now)
        uow.commit()
    return request


def signed(url: str, secret: str, body: dict[str, object], moment: datetime) -> Request:
    """The POST of ``body`` to ``url`` with Standard Webhooks headers signed at ``moment``."""
    text = json.dumps(body, separators=(",", ":"), ensure_ascii=False)
    message_id = str(body["id"])
    return Request(
        url=url,
        body=text,
        headers={
            "content-type": "application/json",
            "user-agent": USER_AGENT,
            "webhook-id": message_id,
            "webhook-timestamp": str(int(moment.timestamp())),
            "webhook-signature": Webhook(secret).sign(message_id, moment, text),
        },
    )


@cache
def _client() -> httpx.Client:
    """One client for every delivery: building one costs tens of milliseconds (its TLS
    context), and its pool keeps connections to receivers open between deliveries.
    httpx clients are safe to share between threads. No proxy from the environment: it
    would resolve the host itself, past the address check."""
    return httpx.Client(timeout=TIMEOUT, follow_redirects=False, trust_env=False)


def outgoing(request: Request, allow_private: bool) -> httpx.Request:
    """The HTTP request for ``request``: unless private targets are allowed, addressed to
    the checked address of its host, with the Host header and the TLS server name (which
    the certificate is checked against) still the URL's. ``RefusedTarget`` if the host
    resolves to an address that may not receive webhooks."""
    url = httpx.URL(request.url)
    headers = dict(request.headers)
    extensions: dict[str, str] = {}
    if not allow_private:
        target = checked_target(request.url)
        headers["host"] = url.netloc.decode("ascii")
        extensions["sni_hostname"] = url.host
        url = url.copy_with(host=str(target.address))
    return _client().build_request(
        "POST", url, content=request.body.encode(), headers=headers, extensions=extensions
    )


def _post(request: Request, allow_private: bool) -> Answer:
    started = time.monotonic()

    def elapsed() -> int:
        return int((time.monotonic() - started) * 1000)

    try:
        response = _client().send(outgoing(request, allow_private))
    except RefusedTarget as refused:
        reason = (
            f"Not sent: {refused.reason} Webhooks go only to public addresses; point the "
            f"consumer at a public URL, or set {ALLOW_SETTING} to allow private ones."
        )
        return Answer(None, reason[:MAX_ERROR], elapsed())
    except httpx.HTTPError as error:
        return Answer(None, f"{type(error).__name__}: {error}"[:MAX_ERROR], elapsed())
    if 200 <= response.status_code < 300:
        return Answer(response.status_code, None, elapsed())
    if response.is_redirect:
        where = response.headers.get("location")
        detail = (
            f"HTTP {response.status_code}: redirects are not followed; point the consumer at "
            "the final URL" + (f" (the receiver redirected to {where})." if where else ".")
        )
        return Answer(response.status_code, detail[:MAX_ERROR], elapsed())
    detail = response.text[:MAX_ERROR]
    return Answer(response.status_code, f"HTTP {response.status_code}: {detail}", elapsed())


def _record(
    session_factory: sessionmaker[Session],
    settings: Settings,
    delivery_id: uuid.UUID,
    answer: Answer,
) -> Outcome:
    now = datetime.now(UTC)
    with UnitOfWork(session_factory) as uow:
        delivery = uow.session.get(WebhookDelivery, delivery_id)
        if delivery is None or delivery.status != "Pending":  # the consumer was deleted
            return Outcome()
        uow.session.add(
            WebhookAttempt(
                delivery_id=delivery_id,
                attempted=now,
                response_status=answer.status,
                error=answer.error,
                duration_ms=answer.duration_ms,
            )
        )
        delivery.attempts += 1
        delivery.last_response_status = answer.status
        delivery.last_error = answer.error
        retry_in: float | None = None
        if answer.delivered:
            delivery.status, delivery.delivered, delivery.next_attempt = "Delivered", now, None
        else:
            delay = backoff_delay(
                delivery.attempts,
                settings.webhook_retry_first_delay,
                settings.webhook_retry_max_delay,
            )
            deadline = delivery.event.generated + timedelta(seconds=settings.webhook_retry_window)
            if now + timedelta(seconds=delay) > deadline:
                delivery.status, delivery.next_attempt = "Failed", None
                log.warning("webhook delivery %s failed for good: %s", delivery_id, answer.error)
            else:
                delivery.next_attempt = now + timedelta(seconds=delay)
                retry_in = delay
        uow.commit()
    return Outcome(retry_in=retry_in)
