"""The gate every QuickBooks request passes, in QuickBooks' order, around the routes.

1. a JSON body is held to Intuit's XSDs (an entity, or ``IntuitBatchRequest``); one that
   breaks them is refused with a distinctive 400 and recorded;
2. ``/v3/company/{realmId}``: ``minorversion`` (a number), the bearer token (401 with
   Intuit's ``AUTHENTICATION`` fault), the realm among the token's (403), the throttles
   (429 ``ThrottleExceeded``);
3. faults asked for through the control API (error, delay, drop after commit), also on
   the OAuth endpoints;
4. ``requestid``: a write with an id already answered gets that first answer again;
5. the sandbox's own JSON answer is held to the XSDs as an ``IntuitResponse`` (a
   distinctive 500, recorded).
"""

from __future__ import annotations

import asyncio
import json
from typing import Any
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sandboxes.common.asgi import RawHeaders, Replay, read_body, send_answer
from sandboxes.quickbooks import schema
from sandboxes.quickbooks.api import PREFIX
from sandboxes.quickbooks.attachments import SchemaViolation
from sandboxes.quickbooks.sandbox import Sandbox
from sandboxes.quickbooks.state import ENTITIES
from sandboxes.quickbooks.wire import (
    INTERNAL,
    INVALID_REQUEST,
    SERVICE_UNAVAILABLE,
    QboError,
    dumps,
    forbidden,
    now,
    throttled,
    unauthorized,
)

Answer = tuple[int, RawHeaders, bytes]
OAUTH_PATHS = ("/connect/oauth2", "/oauth2/v1/tokens/bearer", "/v2/oauth2/tokens/revoke")
JSON = [(b"content-type", b"application/json;charset=UTF-8")]


def _fault(error: QboError, extra: dict[str, str] | None = None) -> Answer:
    headers = JSON + [(k.lower().encode(), v.encode()) for k, v in (extra or {}).items()]
    return error.status, headers, dumps({"Fault": error.fault(), "time": now()})


def violation(kind: str, error: str) -> Answer:
    """The sandbox's own refusal: not a QuickBooks answer, so no client mistakes it for one."""
    status = 400 if kind == "request" else 500
    body = {
        "Fault": {
            "Error": [
                {
                    "Message": "SandboxSchemaViolation",
                    "Detail": f"The {kind} breaks Intuit's XSD: {error}",
                    "code": "SandboxSchemaViolation",
                }
            ],
            "type": "SandboxSchemaViolation",
        },
        "time": now(),
    }
    return status, [*JSON, (b"x-sandbox-violation", kind.encode())], dumps(body)


def request_element(method: str, path: str, content_type: str) -> str | None:
    """The XSD element a request's JSON body must be, or None when it has no JSON body."""
    if method != "POST" or "json" not in content_type:
        return None
    last = path.rstrip("/").rsplit("/", 1)[-1]
    if last == "batch":
        return "IntuitBatchRequest"
    return ENTITIES.get(last.lower())


def wire_problem(method: str, path: str, headers: dict[str, str]) -> str | None:
    """What QuickBooks would answer in a form the client did not expect, or refuse.

    QuickBooks answers XML unless the request accepts ``application/json`` (the sandbox
    speaks JSON only), and reads an entity or batch body only as ``application/json``.
    """
    last = path.rstrip("/").rsplit("/", 1)[-1].lower()
    if "/download/" not in path and "application/json" not in headers.get("accept", ""):
        return "Accept: application/json is missing; QuickBooks would answer XML"
    content_type = headers.get("content-type", "")
    json_body = method == "POST" and (last in ENTITIES or last == "batch")
    if json_body and "application/json" not in content_type:
        return f"Content-Type is {content_type or 'missing'}; QuickBooks reads application/json"
    return None


class Gate:
    def __init__(self, app: ASGIApp, sandbox: Sandbox) -> None:
        self.app = app
        self.sandbox = sandbox

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope.get("path", "")
        api_call = path.startswith(PREFIX + "/")
        if scope["type"] != "http" or not (api_call or path in OAUTH_PATHS):
            await self.app(scope, receive, send)
            return
        method: str = scope["method"]
        body = await read_body(receive)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
        problem = wire_problem(method, path, headers) if api_call else None
        if problem is not None:
            self.sandbox.record_violation("request", method, path, problem)
            await send_answer(send, *violation("request", problem))
            return
        element = request_element(method, path, headers.get("content-type", ""))
        if element is not None:
            error = await asyncio.to_thread(_body_errors, element, body)
            if error:
                self.sandbox.record_violation("request", method, path, error)
                await send_answer(send, *violation("request", error))
                return
        if api_call:
            status, raw, data, drop = await self._api(scope, method, path, headers, query, body)
        else:
            status, raw, data, drop = await self._faulted_run(scope, method, path, body)
        if api_call and data and any(k == b"content-type" and b"json" in v for k, v in raw):
            error = await asyncio.to_thread(_body_errors, "IntuitResponse", data)
            if error:
                self.sandbox.record_violation("response", method, path, error)
                await send_answer(send, *violation("response", error))
                return
        await send_answer(send, status, raw, data, drop=drop)

    async def _api(
        self,
        scope: Scope,
        method: str,
        path: str,
        headers: dict[str, str],
        query: dict[str, str],
        body: bytes,
    ) -> tuple[int, RawHeaders, bytes, bool]:
        sandbox = self.sandbox
        realm_id = path[len(PREFIX) + 1 :].split("/", 1)[0]
        minor = query.get("minorversion")
        if minor is not None and not minor.isdigit():
            detail = f"minorversion must be a whole number, got {minor!r}"
            return (*_fault(QboError(INVALID_REQUEST, "Invalid minorversion", detail)), False)
        grant, reason = sandbox.identity.grant_for(headers.get("authorization"))
        if grant is None:
            challenge = 'Bearer realm="Intuit", error="invalid_token"'
            return (*_fault(unauthorized(reason), {"WWW-Authenticate": challenge}), False)
        if grant.realm_id != realm_id or sandbox.company(realm_id) is None:
            return (*_fault(forbidden(realm_id)), False)
        admission = sandbox.limiter.admit(realm_id, batch=path.endswith("/batch"))
        if admission.problem is not None:
            extra = {"Retry-After": str(admission.retry_after)}
            return (*_fault(throttled(), extra), False)
        try:
            request_id = query.get("requestid") if method == "POST" else None
            replay = sandbox.replays.get((realm_id, request_id)) if request_id else None
            if replay is not None:
                return replay.status, replay.headers, replay.body, False
            status, raw, data, drop = await self._faulted_run(scope, method, path, body)
            if request_id and status < 500:
                sandbox.replays[(realm_id, request_id)] = Replay(status, raw, data)
            return status, raw, data, drop
        finally:
            sandbox.limiter.release(realm_id)

    async def _faulted_run(
        self, scope: Scope, method: str, path: str, body: bytes
    ) -> tuple[int, RawHeaders, bytes, bool]:
        fault = self.sandbox.faults.take(method, path)
        if fault is not None and fault.kind == "error":
            message = "Service Unavailable" if fault.status == 503 else "Internal Server Error"
            error = QboError(
                SERVICE_UNAVAILABLE if fault.status == 503 else INTERNAL,
                message,
                "Injected by the sandbox's control API",
                status=fault.status,
                fault_type="SERVICE",
            )
            return (*_fault(error), False)
        if fault is not None and fault.kind == "delay":
            await asyncio.sleep(fault.seconds)
        dropped = fault is not None and fault.kind == "drop"
        return (*await self._run(scope, body), dropped)

    async def _run(self, scope: Scope, body: bytes) -> Answer:
        """The routes' answer, held back so it can be checked before it leaves."""
        delivered = False
        start: Message = {}
        chunks: list[bytes] = []

        async def receive() -> Message:
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": body, "more_body": False}
            await asyncio.Event().wait()
            return {"type": "http.disconnect"}

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        try:
            await self.app(scope, receive, capture)
        except SchemaViolation as error:
            self.sandbox.record_violation("request", scope["method"], scope["path"], str(error))
            return violation("request", str(error))
        except Exception as error:  # a fault of the sandbox itself: recorded, never hidden
            detail = f"the sandbox failed: {type(error).__name__}: {error}"
            self.sandbox.record_violation("response", scope["method"], scope["path"], detail)
            return _fault(QboError(INTERNAL, "Internal Server Error", detail, status=500))
        headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
        return int(start["status"]), headers, b"".join(chunks)


def _body_errors(element: str, data: bytes) -> str | None:
    try:
        value: Any = json.loads(data)
    except ValueError as error:
        return f"the body is not JSON: {error}"
    if not isinstance(value, dict):
        return "the body is not a JSON object"
    return schema.errors(element, value)
