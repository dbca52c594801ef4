"""The ``Idempotency-Key`` header on every POST, PUT and PATCH (services/idempotency.py),
kept for ``Settings.idempotency_key_seconds`` (Codat's 90 minutes by default).

The body is read whole before the request is claimed (its hash is part of the key's
fingerprint), so it is spooled: up to ``IN_MEMORY`` bytes in memory, beyond that in a
temporary file, and replayed to the app from there in chunks. A 200 MB receipt sent with
a key costs disk, not memory.
"""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Callable
from datetime import timedelta
from typing import IO, Any

import anyio
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from expense_sync.api.dependencies import api_key_from_header
from expense_sync.api.runtime import Runtime
from expense_sync.api.uploads import multipart_boundary
from expense_sync.domain.errors import Unauthorized
from expense_sync.services import idempotency
from expense_sync.services.clients import hash_key

WRITES = {"POST", "PUT", "PATCH"}
IN_MEMORY = 1024 * 1024
CHUNK = 64 * 1024


def _owner(authorization: bytes | None) -> str:
    """Whose keys these are: the API key's own hash, however the header spells it."""
    try:
        return hash_key(
            api_key_from_header(authorization.decode("latin-1") if authorization else None)
        )
    except Unauthorized:
        return hash_key("")  # the request gets its 401 from the app; nothing is kept for it


class BodyHash:
    """Hashes a body as it streams in, leaving out a multipart boundary: a client that
    retries an upload re-encodes it under a new random boundary, and that is still the
    same request."""

    def __init__(self, digest: Any, boundary: bytes) -> None:
        self.digest, self.boundary, self.tail = digest, boundary, b""

    def update(self, chunk: bytes) -> None:
        if not self.boundary:
            self.digest.update(chunk)
            return
        text = (self.tail + chunk).replace(self.boundary, b"")
        keep = len(self.boundary) - 1  # the start of a boundary split across chunks
        self.digest.update(text[: len(text) - keep] if len(text) > keep else b"")
        self.tail = text[len(text) - keep :] if len(text) > keep else text

    def finish(self) -> None:
        self.digest.update(self.tail)


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
        with tempfile.SpooledTemporaryFile(max_size=IN_MEMORY) as body:
            digest = hashlib.sha256(
                b"\n".join(
                    [
                        scope["method"].encode(),
                        scope["path"].encode(),
                        scope.get("query_string", b""),
                    ]
                )
                + b"\n"
            )
            hashed = BodyHash(digest, multipart_boundary(headers.get(b"content-type", b"")))
            while True:
                message = await receive()
                chunk = message.get("body", b"")
                hashed.update(chunk)
                body.write(chunk)
                if not message.get("more_body"):
                    break
            hashed.finish()
            body.seek(0)
            await self._claimed(scope, send, headers, key, digest.hexdigest(), body)

    async def _claimed(
        self,
        scope: Scope,
        send: Send,
        headers: dict[bytes, bytes],
        key: str,
        fingerprint: str,
        body: IO[bytes],
    ) -> None:
        owner = _owner(headers.get(b"authorization"))
        factory = self.runtime.session_factory
        lifetime = timedelta(seconds=self.runtime.settings.idempotency_key_seconds)
        claim = await anyio.to_thread.run_sync(
            idempotency.claim, factory, owner, key, fingerprint, lifetime
        )
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

    async def _run(self, scope: Scope, body: IO[bytes], send: Send, owner: str, key: str) -> None:
        sent = False

        async def replay_body() -> Message:
            nonlocal sent
            if sent:
                return {"type": "http.disconnect"}
            chunk = body.read(CHUNK)
            more = len(chunk) == CHUNK
            sent = not more
            return {"type": "http.request", "body": chunk, "more_body": more}

        status, content_type, chunks = 500, None, []
        held: list[Message] = []

        async def capture(message: Message) -> None:
            nonlocal status, content_type
            if message["type"] == "http.response.start":
                status = message["status"]
                for name, value in message.get("headers", []):
                    if name.lower() == b"content-type":
                        content_type = value.decode("latin-1")
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
            held.append(message)

        # The answer is recorded before the client sees it, so a retry that follows the
        # answer at once is replayed, never told the first request is still in flight.
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
        for message in held:
            await send(message)

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
