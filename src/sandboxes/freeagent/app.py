"""The sandbox as one ASGI app on one base URL, as FreeAgent serves ``api.freeagent.com``:

- ``/v2/approve_app`` (consent), ``/v2/token_endpoint`` (tokens);
- ``/v2/...`` the API, through ``api``: bearer token (401), limits (429 with
  ``Retry-After``), faults, the request held to the schemas (a violation is recorded
  and answered 400 with ``X-Sandbox-Violation: request``), FreeAgent's rules (422), the
  answer held to the schemas (recorded, 500 with ``X-Sandbox-Violation: response``),
  lists paged by ``page``/``per_page`` with a ``Link`` header and ``X-Total-Count``;
- ``/__sandbox__/...`` the control API (``control``).
"""

from __future__ import annotations

import asyncio
import json
from typing import Any
from urllib.parse import urlencode

from pydantic import BaseModel, ValidationError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from sandboxes.freeagent import control, resources, schemas
from sandboxes.freeagent.config import SandboxConfig
from sandboxes.freeagent.identity import approve_app, token_endpoint
from sandboxes.freeagent.rules import Refused
from sandboxes.freeagent.sandbox import Sandbox
from sandboxes.freeagent.store import Books, absolute


class FreeAgentResponse(Response):
    """JSON in FreeAgent's way; ``drop`` sends half of it and then closes (a fault)."""

    media_type = "application/json; charset=utf-8"

    def __init__(
        self, status: int, body: Any, headers: dict[str, str] | None = None, *, drop: bool = False
    ) -> None:
        content = b"" if body is None else json.dumps(body).encode()
        super().__init__(content, status, headers)
        self.drop = drop

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self.drop:
            await super().__call__(scope, receive, send)
            return
        await send(
            {"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers}
        )
        await send(
            {
                "type": "http.response.body",
                "body": self.body[: len(self.body) // 2],
                "more_body": True,
            }
        )


def error(status: int, *messages: str, headers: dict[str, str] | None = None) -> Response:
    if len(messages) == 1:
        body: Any = {"errors": {"error": {"message": messages[0]}}}
    else:
        body = {"errors": [{"message": m} for m in messages]}
    return FreeAgentResponse(status, body, headers)


def _violation(kind: str, detail: str) -> Response:
    status = 400 if kind == "request" else 500
    message = f"The {kind} breaks FreeAgent's schema (sandbox): {detail}"
    return error(status, message, headers={"X-Sandbox-Violation": kind})


def _schema_error(model: type[BaseModel], value: Any) -> str | None:
    try:
        model.model_validate(value)
    except ValidationError as problem:
        return "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or '(body)'}: {e['msg']}"
            for e in problem.errors()[:5]
        )
    return None


def _request_model(method: str, collection: str, record_id: str | None) -> type[BaseModel] | None:
    if method not in ("POST", "PUT"):
        return None
    if collection == "bank_transactions" and record_id == "statement":
        return schemas.REQUESTS["bank_transactions/statement"]
    if collection == "categories" and method == "PUT":
        return schemas.REQUESTS["categories:update"]
    return schemas.REQUESTS.get(collection)


def _answer_model(collection: str, body: Any) -> type[BaseModel] | None:
    if body is None:
        return None
    if "errors" in body:
        return schemas.ErrorBody
    if collection == "company":
        return schemas.ONE["company"]
    one = resources.SINGULAR.get(collection) in body
    return (schemas.ONE if one else schemas.MANY).get(collection)


def _page(
    request: Request, records: list[Any], config: SandboxConfig
) -> tuple[list[Any], dict[str, str]]:
    query = request.query_params
    try:
        page = max(1, int(query.get("page", "1")))
        per_page = min(
            config.max_per_page, max(1, int(query.get("per_page", config.default_per_page)))
        )
    except ValueError:
        raise Refused("page and per_page must be numbers", status=400) from None
    last = max(1, -(-len(records) // per_page))
    base = f"{str(request.base_url).rstrip('/')}{request.url.path}"
    kept = {k: v for k, v in query.items() if k not in ("page", "per_page")}

    def link(number: int, rel: str) -> str:
        return f'<{base}?{urlencode({**kept, "page": number, "per_page": per_page})}>; rel="{rel}"'

    links = []
    if page > 1:
        links += [link(page - 1, "prev"), link(1, "first")]
    if page < last:
        links += [link(page + 1, "next"), link(last, "last")]
    headers = {"X-Total-Count": str(len(records))}
    if links:
        headers["Link"] = ", ".join(links)
    return records[(page - 1) * per_page : page * per_page], headers


async def api(request: Request) -> Response:
    sandbox: Sandbox = request.app.state.sandbox
    method, path = request.method, request.url.path
    company_id, reason = sandbox.identity.company_for(request.headers.get("authorization"))
    if company_id is None:
        return error(401, reason, headers={"WWW-Authenticate": 'Bearer realm="FreeAgent"'})
    books = sandbox.companies[company_id]
    test = request.headers.get("x-ratelimit-test", "").lower() == "true"
    retry = sandbox.limiter.admit(company_id, test)
    if retry is not None:
        return error(429, "Rate limit exceeded", headers={"Retry-After": str(retry)})
    fault = sandbox.faults.take(method, path)
    if fault is not None and fault.kind == "error":
        return error(fault.status, "Service unavailable (injected by the sandbox)")
    if fault is not None and fault.kind == "delay":
        await asyncio.sleep(fault.seconds)
    parts = path.strip("/").split("/")[1:]
    collection = parts[0] if parts else ""
    record_id = parts[1] if len(parts) > 1 else None
    body: Any = None
    raw = await request.body()
    model = _request_model(method, collection, record_id)
    if raw or model is not None:
        try:
            body = json.loads(raw or b"null")
        except ValueError:
            sandbox.record_violation("request", method, path, "the body is not JSON")
            return _violation("request", "the body is not JSON")
        problem = _schema_error(model, body) if model is not None else None
        if problem is not None:
            sandbox.record_violation("request", method, path, problem)
            return _violation("request", problem)
    base = str(request.base_url).rstrip("/")
    headers: dict[str, str] = {}
    try:
        status, answer, headers = _handle(
            request, books, sandbox.config, collection, record_id, body
        )
    except Refused as refused:
        return error(refused.status, *refused.messages)
    answer = absolute(answer, base)
    answer_model = _answer_model(collection, answer)
    problem = _schema_error(answer_model, answer) if answer_model is not None else None
    if problem is not None:
        sandbox.record_violation("response", method, path, problem)
        return _violation("response", problem)
    drop = fault is not None and fault.kind == "drop"
    return FreeAgentResponse(status, answer, headers, drop=drop)


def _handle(
    request: Request,
    books: Books,
    config: SandboxConfig,
    collection: str,
    record_id: str | None,
    body: Any,
) -> tuple[int, Any, dict[str, str]]:
    method = request.method
    query = dict(request.query_params)
    if method in ("POST", "PUT", "DELETE"):
        status, answer = resources.write(
            books, config, method, collection, record_id, body or {}, query
        )
        return status, answer, {}
    if collection == "company" and record_id is None:
        return 200, {"company": books.company}, {}
    if collection == "categories":
        if record_id is None:
            return (*resources.categories(books), {})
        return (*resources.show(books, "categories", record_id), {})
    if record_id is not None and collection in resources.SINGULAR:
        return (*resources.show(books, collection, record_id), {})
    if collection in resources.LISTED:
        records = resources.listing(books, collection, query) or []
        page, headers = _page(request, records, config)
        return 200, {collection: page}, headers
    return 404, {"errors": {"error": {"message": "Resource not found"}}}, {}


def create_app(config: SandboxConfig | None = None, sandbox: Sandbox | None = None) -> Starlette:
    config = config or SandboxConfig()
    sandbox = sandbox or Sandbox(config)
    app = Starlette(
        routes=[
            Route("/v2/approve_app", approve_app, methods=["GET", "POST"]),
            Route("/v2/token_endpoint", token_endpoint, methods=["POST"]),
            *control.routes(),
            Route("/v2/{path:path}", api, methods=["GET", "POST", "PUT", "DELETE"]),
        ]
    )
    app.state.sandbox = sandbox
    return app
