"""Correlation ids and one structured JSON log line per request."""

from __future__ import annotations

import json
import logging
import time
import uuid
from contextvars import ContextVar

from starlette.types import ASGIApp, Message, Receive, Scope, Send

correlation_id: ContextVar[str] = ContextVar("correlation_id", default="")
request_log = logging.getLogger("expense_sync.requests")


def current_correlation_id() -> str:
    return correlation_id.get() or str(uuid.uuid4())


class RequestLogMiddleware:
    """Gives every request a correlation id (honouring ``X-Correlation-Id``), returns it in
    the response header, and logs method, path, status, duration and the id as JSON."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = dict(scope["headers"]).get(b"x-correlation-id", b"").decode("latin-1")
        request_id = incoming[:100] if incoming else str(uuid.uuid4())
        token = correlation_id.set(request_id)
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [
                    *message["headers"],
                    (b"x-correlation-id", request_id.encode("latin-1")),
                ]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
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
