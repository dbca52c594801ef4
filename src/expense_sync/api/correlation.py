"""Correlation ids, one structured JSON log line per request, body size limits, and the
last-resort 500: all in one middleware, so even an unexpected error carries the same
correlation id in its response body, its header and its log lines."""

from __future__ import annotations

import json
import logging
import time
import traceback
import uuid
from collections.abc import Callable
from contextvars import ContextVar

from starlette.types import ASGIApp, Message, Receive, Scope, Send

correlation_id: ContextVar[str] = ContextVar("correlation_id", default="")
request_log = logging.getLogger("expense_sync.requests")
MAX_BODY_BYTES = 1024 * 1024


def current_correlation_id() -> str:
    return correlation_id.get() or str(uuid.uuid4())


class BodyTooLarge(Exception):
    pass


class RequestLogMiddleware:
    """Gives every request a correlation id (honouring ``X-Correlation-Id``), returns it in
    the ``X-Correlation-Id`` header, refuses bodies over ``max_body`` bytes with 413 (file
    uploads, whose path ends in ``/attachments``, over ``max_upload``: the upload route
    checks each platform's own limit), turns any unhandled exception into a 500
    ErrorMessage, and logs each request as JSON."""

    def __init__(
        self,
        app: ASGIApp,
        error_body: Callable[[int, str, bool], bytes],
        max_body: int = MAX_BODY_BYTES,
        max_upload: int = MAX_BODY_BYTES,
    ) -> None:
        self.app = app
        self.error_body = error_body
        self.max_body = max_body
        self.max_upload = max_upload

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        incoming = headers.get(b"x-correlation-id", b"").decode("latin-1")
        request_id = incoming[:100] if incoming.isprintable() and incoming else str(uuid.uuid4())
        token = correlation_id.set(request_id)
        started = time.perf_counter()
        status = 500
        response_started = False
        received = 0
        limit = self.max_upload if scope["path"].endswith("/attachments") else self.max_body

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge
            return message

        async def send_with_id(message: Message) -> None:
            nonlocal status, response_started
            if message["type"] == "http.response.start":
                status = message["status"]
                response_started = True
                message["headers"] = [
                    *message.get("headers", []),
                    (b"x-correlation-id", request_id.encode("latin-1")),
                ]
            await send(message)

        try:
            declared = int(headers.get(b"content-length", b"0") or 0)
            if declared > limit:
                raise BodyTooLarge
            await self.app(scope, limited_receive, send_with_id)
        except BodyTooLarge:
            if not response_started:
                await self._error(
                    send_with_id,
                    413,
                    f"The request body is larger than {limit} bytes.",
                    retryable=False,
                )
        except Exception:
            request_log.error(
                json.dumps(
                    {
                        "event": "unhandled-error",
                        "correlationId": request_id,
                        "traceback": traceback.format_exc(),
                    }
                )
            )
            if not response_started:
                await self._error(
                    send_with_id,
                    500,
                    "Something went wrong on our side; quote the correlationId.",
                    retryable=True,
                )
        finally:
            request_log.info(
                json.dumps(
                    {
                        "event": "request",
                        "method": scope["method"],
                        "path": scope["path"],
                        "status": status,
                        "durationMs": round((time.perf_counter() - started) * 1000, 2),
                        "correlationId": request_id,
                    }
                )
            )
            correlation_id.reset(token)

    async def _error(self, send: Send, status: int, message: str, *, retryable: bool) -> None:
        body = self.error_body(status, message, retryable)
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
