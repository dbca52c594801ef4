"""The ``Idempotency-Key`` header on every POST, PUT and PATCH (services/idempotency.py)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import anyio
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from expense_sync.api.dependencies import api_key_from_header
from expense_sync.api.runtime import Runtime
from expense_sync.domain.errors import Unauthorized
from expense_sync.services import idempotency
from expense_sync.services.clients import hash_key

WRITES = {"POST", "PUT", "PATCH"}


def _owner(authorization: bytes | None) -> str:
    """Whose keys these are: the API key's own hash, however the header spells it."""
    try:
        return hash_key(
            api_key_from_header(authorization.decode("latin-1") if authorization else None)
        )
    except Unauthorized:
        return hash_key("")  # the request gets its 401 from the app; nothing is kept for it


class IdempotencyMiddleware:
    def __init__(
        self, app: ASGIApp, runtime: Runtime, error_body: Callable[[int, str, bool], bytes]
    ) -> None:
        self.app = app
        self.runtime = runtime
        self.error_body = error_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = dict(scope.get("headers") or [])
        key_bytes = headers.get(b"idempotency-key")
        if scope["type"] != "http" or scope["method"] not in WRITES or key_bytes is None:
            await self.app(scope, receive, send)
            return
        key = key_bytes.decode("latin-1")
        if not key or len(key) > 255 or not key.isprintable():
            await self._answer(send, 400, "Idempotency-Key must be 1 to 255 printable characters.")
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        fingerprint = hashlib.sha256(
            b"\n".join(
                [
                    scope["method"].encode(),
                    scope["path"].encode(),
                    scope.get("query_string", b""),
                    body,
                ]
            )
        ).hexdigest()
        owner = _owner(headers.get(b"authorization"))
        factory = self.runtime.session_factory
        claim = await anyio.to_thread.run_sync(idempotency.claim, factory, owner, key, fingerprint)
        if claim.outcome == "in_flight":
            await self._answer(
                send,
                409,
                "A request with this Idempotency-Key is still being "
                "handled; retry when it has finished.",
                retry=True,
            )
            return
        if claim.outcome == "mismatch":
            await self._answer(
                send,
                422,
                "This Idempotency-Key was used for a different request; "
                "use a new key for a new request.",
            )
            return
        if claim.outcome == "replay":
            await self._send(
                send,
                claim.status_code or 200,
                claim.response or b"",
                claim.content_type,
                replayed=True,
            )
            return
        await self._run(scope, body, send, owner, key)

    async def _run(self, scope: Scope, body: bytes, send: Send, owner: str, key: str) -> None:
        sent = False

        async def replay_body() -> Message:
            nonlocal sent
            if sent:
                return {"type": "http.disconnect"}
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        status, content_type, chunks = 500, None, []

        async def capture(message: Message) -> None:
            nonlocal status, content_type
            if message["type"] == "http.response.start":
                status = message["status"]
                for name, value in message.get("headers", []):
                    if name.lower() == b"content-type":
                        content_type = value.decode("latin-1")
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, replay_body, capture)
        finally:
            await anyio.to_thread.run_sync(
                idempotency.finish,
                self.runtime.session_factory,
                owner,
                key,
                status,
                b"".join(chunks),
                content_type,
            )

    async def _answer(self, send: Send, status: int, message: str, retry: bool = False) -> None:
        await self._send(send, status, self.error_body(status, message, retry), "application/json")

    @staticmethod
    async def _send(
        send: Send, status: int, body: bytes, content_type: str | None, replayed: bool = False
    ) -> None:
        headers = [(b"content-length", str(len(body)).encode())]
        if content_type:
            headers.append((b"content-type", content_type.encode("latin-1")))
        if replayed:
            headers.append((b"idempotent-replayed", b"true"))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})
