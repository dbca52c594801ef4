"""The gate every Xero request passes, in Xero's order, around the sandbox's routes.

1. the request is held to Xero's spec (refused with a distinctive 400 and recorded);
2. Accounting API: the bearer token (401 as Xero sends it), the ``xero-tenant-id`` among
   the token's connections (403), the limits (429 with Xero's headers);
3. faults asked for through the control API (error, delay, drop after commit);
4. ``Idempotency-Key``: a write with a key already answered gets that first answer again;
5. the sandbox's own answer is held to the spec too (a distinctive 500, recorded).

The control API (``/__sandbox__``) and the consent page are not Xero API and pass through.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Message, Receive, Scope, Send
from werkzeug.datastructures import Headers, ImmutableMultiDict

from sandboxes.common.asgi import RawHeaders, Replay, read_body, send_answer
from sandboxes.xero import spec
from sandboxes.xero.identity import unauthorized
from sandboxes.xero.sandbox import Sandbox

WRITES = ("PUT", "POST", "DELETE")
IDEMPOTENCY_KEY_MAX = 128


def _json(
    status: int, body: Any, extra: dict[str, str] | None = None
) -> tuple[int, RawHeaders, bytes]:
    data = json.dumps(body).encode()
    headers = [(b"content-type", b"application/json; charset=utf-8")]
    headers += [(k.lower().encode(), v.encode()) for k, v in (extra or {}).items()]
    return status, headers, data


def _problem(
    status: int, title: str, detail: str, extra: dict[str, str] | None = None
) -> tuple[int, RawHeaders, bytes]:
    body: dict[str, Any] = {
        "Type": None,
        "Title": title,
        "Status": status,
        "Detail": detail,
        "Instance": str(uuid.uuid4()),
        "Extensions": {},
    }
    return _json(status, body, extra)


def violation(kind: str, error: str) -> tuple[int, RawHeaders, bytes]:
    """The sandbox's own refusal: not a Xero answer, so a client cannot mistake it for one."""
    status = 400 if kind == "request" else 500
    body = {
        "ErrorNumber": 10,
        "Type": "SandboxSpecViolation",
        "Message": f"The {kind} breaks Xero's OpenAPI spec: {error}",
    }
    return _json(status, body, {"X-Sandbox-Violation": kind})


class Gate:
    def __init__(self, app: ASGIApp, sandbox: Sandbox) -> None:
        self.app = app
        self.sandbox = sandbox

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope.get("path", "")
        if scope["type"] != "http" or spec.spec_path(path) is None:
            await self.app(scope, receive, send)
            return
        body = await read_body(receive)
        method: str = scope["method"]
        headers = Headers([(k.decode("latin-1"), v.decode("latin-1")) for k, v in scope["headers"]])
        query = ImmutableMultiDict(
            parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
        )
        message = spec.Message(
            method.lower(),
            path,
            query,
            headers,
            body or None,
            headers.get("content-type") or "application/octet-stream",
        )
        error = await asyncio.to_thread(spec.request_errors, message)
        if error:
            self.sandbox.record_violation("request", method, path, error)
            await send_answer(send, *violation("request", error))
            return
        status, raw, data, drop = await self._answer(scope, method, path, headers, body)
        answer = spec.Answer(
            status, data, _content_type(raw), Headers([(k.decode(), v.decode()) for k, v in raw])
        )
        error = await asyncio.to_thread(spec.response_errors, message, answer)
        if error:
            self.sandbox.record_violation("response", method, path, error)
            await send_answer(send, *violation("response", error))
            return
        await send_answer(send, status, raw, data, drop=drop)

    async def _answer(
        self, scope: Scope, method: str, path: str, headers: Headers, body: bytes
    ) -> tuple[int, RawHeaders, bytes, bool]:
        if not path.startswith(spec.ACCOUNTING_PREFIX):
            return await self._faulted_run(scope, method, path, headers, body, None)
        sandbox = self.sandbox
        grant, reason = sandbox.identity.grant_for(headers.get("authorization"))
        if grant is None:
            response = unauthorized(reason)
            return response.status_code, list(response.raw_headers), bytes(response.body), False
        tenant_id = headers.get("xero-tenant-id", "").lower()
        connected = {c.tenant_id for c in grant.connections}
        if tenant_id not in connected or sandbox.tenant(tenant_id) is None:
            return (*_problem(403, "Forbidden", "AuthenticationUnsuccessful"), False)
        admission = sandbox.limiter.admit(tenant_id)
        if admission.problem is not None:
            detail = f"Rate limit exceeded: {admission.problem} limit"
            return (*_problem(429, "Too Many Requests", detail, admission.headers), False)
        try:
            status, raw, data, drop = await self._faulted_run(
                scope, method, path, headers, body, tenant_id
            )
        finally:
            sandbox.limiter.release(tenant_id)
        raw = raw + [(k.lower().encode(), v.encode()) for k, v in admission.headers.items()]
        return status, raw, data, drop

    async def _faulted_run(
        self,
        scope: Scope,
        method: str,
        path: str,
        headers: Headers,
        body: bytes,
        tenant_id: str | None,
    ) -> tuple[int, RawHeaders, bytes, bool]:
        """Faults, then (Accounting API writes) the idempotent replay, then the routes."""
        fault = self.sandbox.faults.take(method, path)
        if fault is not None and fault.kind == "error":
            title = "Service Unavailable" if fault.status == 503 else "Internal Server Error"
            return (*_problem(fault.status, title, "Injected by the sandbox's control API"), False)
        if fault is not None and fault.kind == "delay":
            await asyncio.sleep(fault.seconds)
        dropped = fault is not None and fault.kind == "drop"
        if tenant_id is None:
            return (*await self._run(scope, body), dropped)
        key = headers.get("idempotency-key") if method in WRITES else None
        if key is not None and len(key) > IDEMPOTENCY_KEY_MAX:
            message = f"Idempotency-Key is {len(key)} characters; Xero takes at most 128."
            refusal = {"ErrorNumber": 10, "Type": "ValidationException", "Message": message}
            return (*_json(400, refusal), False)
        replay = self.sandbox.replays.get((tenant_id, key)) if key else None
        if replay is not None:
            return replay.status, replay.headers, replay.body, False
        scope = {**scope, "state": {**scope.get("state", {}), "tenant_id": tenant_id}}
        status, raw, data = await self._run(scope, body)
        if key and status < 500:
            self.sandbox.replays[(tenant_id, key)] = Replay(status, raw, data)
        return status, raw, data, dropped

    async def _run(self, scope: Scope, body: bytes) -> tuple[int, RawHeaders, bytes]:
        """The routes' answer, held back so it can be checked before it leaves."""
        delivered = False
        start: Message = {}
        chunks: list[bytes] = []

        async def receive() -> Message:
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": body, "more_body": False}
            await asyncio.Event().wait()  # the body is all there is; never a disconnect
            return {"type": "http.disconnect"}

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        try:
            await self.app(scope, receive, capture)
        except Exception as error:  # a fault of the sandbox itself: recorded, never hidden
            detail = f"the sandbox failed: {type(error).__name__}: {error}"
            self.sandbox.record_violation("response", scope["method"], scope["path"], detail)
            return _problem(500, "Internal Server Error", detail)
        headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
        return int(start["status"]), headers, b"".join(chunks)


def _content_type(headers: RawHeaders) -> str:
    for key, value in headers:
        if key.lower() == b"content-type":
            return value.decode()
    return ""
