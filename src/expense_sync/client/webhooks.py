"""Verifying a webhook the server sent (Standard Webhooks, standardwebhooks.com).

The server signs ``{webhook-id}.{webhook-timestamp}.{body}`` with HMAC-SHA256 under the
consumer's secret (``whsec_`` + base64 of the key) and sends ``webhook-signature:
v1,<base64>`` (several, space-separated, while a secret is being rotated). A webhook is
trusted only if one signature matches in constant time and its timestamp is within
``tolerance`` of now, which stops an old delivery from being replayed. Pass the body
exactly as received: re-serialised JSON does not verify.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import time
from collections.abc import Mapping
from typing import Any

from expense_sync.client.errors import WebhookVerificationError

PREFIX = "whsec_"


def _key(secret: str) -> bytes:
    encoded = secret.removeprefix(PREFIX)
    try:
        return base64.b64decode(encoded + "=" * (-len(encoded) % 4), validate=True)
    except (binascii.Error, ValueError) as error:
        raise WebhookVerificationError("the secret is not 'whsec_' + base64") from error


def sign_webhook(payload: bytes, webhook_id: str, timestamp: int, secret: str) -> str:
    """The ``v1,<base64>`` signature of a payload (what the server sends)."""
    signed = f"{webhook_id}.{timestamp}.".encode() + payload
    digest = hmac.new(_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def verify_webhook(
    payload: bytes | str,
    headers: Mapping[str, str],
    secret: str,
    *,
    tolerance: float = 300,
    now: float | None = None,
) -> Any:
    """The webhook's parsed JSON body if it is genuine; ``WebhookVerificationError`` if not."""
    body = payload.encode() if isinstance(payload, str) else payload
    lowered = {name.lower(): value for name, value in headers.items()}
    webhook_id = lowered.get("webhook-id")
    timestamp = lowered.get("webhook-timestamp")
    signatures = lowered.get("webhook-signature")
    if not (webhook_id and timestamp and signatures):
        raise WebhookVerificationError(
            "missing webhook-id, webhook-timestamp or webhook-signature header"
        )
    try:
        sent = int(timestamp)
    except ValueError as error:
        raise WebhookVerificationError(
            f"webhook-timestamp {timestamp!r} is not a number"
        ) from error
    if abs((time.time() if now is None else now) - sent) > tolerance:
        raise WebhookVerificationError(
            f"webhook-timestamp {sent} is more than {tolerance:g} s from now: too old or too new"
        )
    expected = sign_webhook(body, webhook_id, sent, secret).encode()
    if not any(
        hmac.compare_digest(expected, candidate.encode())
        for candidate in signatures.split()
        if candidate.startswith("v1,")
    ):
        raise WebhookVerificationError("no webhook-signature matches this body and secret")
    return json.loads(body)
