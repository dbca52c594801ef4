"""The sandbox as one ASGI app on one base URL (each a host on real Microsoft):

- ``/{tenant}/oauth2/v2.0/authorize`` and ``/token``  (login.microsoftonline.com)
- ``/admin/v2.24/applications/businesscentral/environments``  (the admin API)
- ``/v2.0/{environment}/api/v2.0/...`` and ``.../$batch``  (api.businesscentral.dynamics.com)
- ``/__sandbox__/...``  the control API (``control``)

Every API request: bearer token (401), the user's 6,000 per 5 minutes (429), a slot of
the environment's 5 (queued up to 95, then 429), faults, then the dispatcher.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from html import escape
from typing import Any
from urllib.parse import parse_qsl, urlencode

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import (
    HTMLResponse,
    JSONResponse,
    RedirectResponse,
    Response,
    StreamingResponse,
)
from starlette.routing import Route

from sandboxes.business_central import control
from sandboxes.business_central.api import Answer, Dispatcher, error
from sandboxes.business_central.config import SandboxConfig
from sandboxes.business_central.identity import client_ok
from sandboxes.business_central.sandbox import Sandbox

API = "/v2.0/{environment}/api/v2.0"


def sandbox_of(request: Request) -> Sandbox:
    found: Sandbox = request.app.state.sandbox
    return found


def _oauth_error(code: str, description: str, status: int = 400) -> JSONResponse:
    return JSONResponse(
        {
            "error": code,
            "error_description": description,
            "error_codes": [int(description[6:11]) if description.startswith("AADSTS") else 0],
        },
        status,
    )


async def authorize(request: Request) -> Response:
    sandbox = sandbox_of(request)
    params = (
        dict(request.query_params)
        if request.method == "GET"
        else {k: str(v) for k, v in (await request.form()).items()}
    )
    if params.get("client_id") != sandbox.config.client_id:
        return HTMLResponse("<p>AADSTS700016: Application not found in the directory.</p>", 400)
    redirect_uri = params.get("redirect_uri", "")
    if not redirect_uri or params.get("response_type") != "code":
        return HTMLResponse(
            "<p>AADSTS900144: The request must contain redirect_uri and response_type=code.</p>",
            400,
        )
    decision = params.get("decision") or ("allow" if sandbox.config.auto_approve else None)
    joiner = "&" if "?" in redirect_uri else "?"
    if decision is None:
        hidden = "".join(
            f'<input type="hidden" name="{escape(k)}" value="{escape(v)}">'
            for k, v in params.items()
        )
        return HTMLResponse(
            "<!doctype html><html><head><title>Business Central sandbox: "
            "permissions requested</title></head>"
            "<body><h1>Permissions requested</h1>"
            "<p>An app asks to access Dynamics 365 Business Central.</p>"
            f'<form method="post" action="{escape(request.url.path)}">{hidden}'
            '<label>Signed-in user <input name="user" '
            'value="admin@sandbox.onmicrosoft.com"></label><br>'
            '<button name="decision" value="allow">Accept</button> '
            '<button name="decision" value="deny">Cancel</button>'
            "</form></body></html>"
        )
    state = params.get("state", "")
    if decision != "allow":
        query = urlencode(
            {
                "error": "access_denied",
                "error_description": "AADSTS65004: User declined to consent.",
                "state": state,
            }
        )
        return RedirectResponse(f"{redirect_uri}{joiner}{query}", 302)
    challenge = (
        params.get("code_challenge")
        if params.get("code_challenge_method", "S256") == "S256"
        else None
    )
    code = sandbox.identity.issue_code(
        redirect_uri, challenge, params.get("user") or "admin@sandbox.onmicrosoft.com"
    )
    return RedirectResponse(
        f"{redirect_uri}{joiner}{urlencode({'code': code, 'state': state})}", 302
    )


async def token(request: Request) -> Response:
    sandbox = sandbox_of(request)
    form = {k: str(v) for k, v in (await request.form()).items()}
    if not client_ok(request.headers.get("authorization"), form, sandbox.config):
        return _oauth_error("invalid_client", "AADSTS7000215: Invalid client secret provided.", 401)
    grant_type = form.get("grant_type")
    if grant_type == "authorization_code":
        answer = sandbox.identity.exchange(form)
    elif grant_type == "refresh_token":
        answer = sandbox.identity.refresh(form.get("refresh_token", ""))
    else:
        return _oauth_error(
            "unsupported_grant_type", "AADSTS70003: The grant type is not supported."
        )
    if isinstance(answer, str):
        return _oauth_error("invalid_grant", answer)
    return JSONResponse(answer)


async def environments(request: Request) -> Response:
    sandbox = sandbox_of(request)
    grant, reason = sandbox.identity.grant_for(request.headers.get("authorization"))
    if grant is None:
        return JSONResponse(error(401, "Unauthorized", reason).body, 401)
    return JSONResponse(
        {
            "value": [
                {
                    "name": name,
                    "type": "Production",
                    "countryCode": "US",
                    "applicationFamily": "BusinessCentral",
                    "status": "Active",
                }
                for name in sandbox.environments
            ]
        }
    )


def _json(answer: Answer) -> Response:
    if isinstance(answer.body, bytes):
        return Response(answer.body, answer.status, answer.headers)
    if answer.body is None:
        return Response(status_code=answer.status, headers=answer.headers)
    return JSONResponse(answer.body, answer.status, answer.headers)


async def api(request: Request) -> Response:
    sandbox = sandbox_of(request)
    name = request.path_params["environment"]
    environment = sandbox.environments.get(name)
    grant, reason = sandbox.identity.grant_for(request.headers.get("authorization"))
    if grant is None:
        return _json(
            error(
                401,
                "Unauthorized",
                reason,
                {"WWW-Authenticate": 'Bearer realm="", error="invalid_token"'},
            )
        )
    if environment is None:
        return _json(error(404, "NoEnvironment", f"The environment {name} does not exist."))
    wait = sandbox.limiter.count(grant.user)
    if wait is not None:
        return _json(
            error(
                429,
                "Application_TooManyRequests",
                "Too many requests reached. Actual (6000). Maximum (6000).",
                {"Retry-After": str(wait)},
            )
        )
    if not await sandbox.limiter.enter(name):
        return _json(
            error(
                429,
                "Application_TooManyRequests",
                "The request was queued too long: too many concurrent requests.",
                {"Retry-After": "5"},
            )
        )
    try:
        return await _served(request, sandbox, environment)
    finally:
        await sandbox.limiter.leave(name)


async def _served(request: Request, sandbox: Sandbox, environment: Any) -> Response:
    path = request.path_params["rest"]
    fault = sandbox.faults.take(request.method, request.url.path)
    if fault is not None and fault.kind == "error":
        return _json(
            error(fault.status, "ServiceUnavailable", "Injected by the sandbox's control API.")
        )
    if fault is not None and fault.kind == "delay":
        await asyncio.sleep(fault.seconds)
    body = await request.body()
    base = f"{str(request.base_url).rstrip('/')}/v2.0/{environment.name}/api/v2.0"
    dispatcher = Dispatcher(sandbox, environment, base)
    if path == "$batch":
        answer = _batch(
            dispatcher, sandbox.config, body, request.headers.get("isolation") == "snapshot"
        )
    else:
        query = dict(parse_qsl(request.url.query, keep_blank_values=True))
        answer = dispatcher.handle(request.method, path, query, dict(request.headers), body)
    response = _json(answer)
    if fault is not None and fault.kind == "drop":
        return _dropped(response)
    return response


def _batch(dispatcher: Dispatcher, config: SandboxConfig, body: bytes, atomic: bool) -> Answer:
    """OData JSON batch: ``{"requests": [{"id", "method", "url", "headers", "body"}]}``,
    at most ``batch_max`` requests. A URL may start with ``$<id>``, the entity an
    earlier request of the batch created. Without ``Isolation: snapshot`` each request
    stands alone; with it the batch is one transaction: the first failure puts back
    everything and the others answer 424."""
    try:
        requests = json.loads(body or b"{}")["requests"]
        assert isinstance(requests, list)
    except (ValueError, KeyError, TypeError, AssertionError):
        return error(400, "BadRequest", 'A $batch body is {"requests": [...]}.')
    if len(requests) > config.batch_max:
        return error(
            400,
            "BadRequest",
            f"The batch has {len(requests)} requests; the maximum is {config.batch_max}.",
        )
    company = dispatcher.company_of(requests)
    with company.lock if company is not None else _nothing():
        saved = company.snapshot() if atomic and company is not None else None
        responses: list[dict[str, Any]] = []
        created: dict[str, str] = {}
        failed: dict[str, Any] | None = None
        for item in requests:
            answer = _batch_item(dispatcher, item, created)
            entry: dict[str, Any] = {
                "id": str(item.get("id", "")),
                "status": answer.status,
                "headers": answer.headers,
            }
            if answer.body is not None and not isinstance(answer.body, bytes):
                entry["body"] = answer.body
            responses.append(entry)
            if answer.status >= 400 and saved is not None:
                failed = entry
                break
        if failed is not None and company is not None and saved is not None:
            company.restore(saved)
            responses = [
                failed
                if str(item.get("id", "")) == failed["id"]
                else {
                    "id": str(item.get("id", "")),
                    "status": 424,
                    "headers": {},
                    "body": {"error": {"code": "FailedDependency", "message": "Not run."}},
                }
                for item in requests
            ]
    return Answer(200, {"responses": responses})


def _batch_item(dispatcher: Dispatcher, item: dict[str, Any], created: dict[str, str]) -> Answer:
    url = str(item.get("url", ""))
    if url.startswith("$"):
        reference, _, rest = url[1:].partition("/")
        if reference not in created:
            return error(
                400, "BadRequest", f"No earlier request with id {reference} created anything."
            )
        url = f"{created[reference]}/{rest}" if rest else created[reference]
    path, _, query = url.partition("?")
    payload = json.dumps(item["body"]).encode() if "body" in item else b""
    headers = dict(item.get("headers") or {})
    answer = dispatcher.handle(
        str(item.get("method", "GET")), path, dict(parse_qsl(query)), headers, payload
    )
    if answer.status == 201 and isinstance(answer.body, dict):
        created[str(item.get("id", ""))] = f"{path.rstrip('/')}({answer.body['id']})"
    return answer


@contextmanager
def _nothing() -> Iterator[None]:
    yield


def _dropped(response: Response) -> Response:
    """Half the answer, then the connection breaks: the write is stored, the client
    cannot know it."""
    data = bytes(response.body)

    async def halves() -> AsyncIterator[bytes]:
        yield data[: len(data) // 2]
        raise ConnectionAbortedError("dropped by the sandbox's control API")

    headers = {**response.headers, "content-length": str(len(data))}
    return StreamingResponse(halves(), response.status_code, headers)


def create_app(config: SandboxConfig | None = None, sandbox: Sandbox | None = None) -> Starlette:
    config = config or SandboxConfig()
    sandbox = sandbox or Sandbox(config)
    app = Starlette(
        routes=[
            Route("/{tenant}/oauth2/v2.0/authorize", authorize, methods=["GET", "POST"]),
            Route("/{tenant}/oauth2/v2.0/token", token, methods=["POST"]),
            Route(
                "/admin/v2.24/applications/businesscentral/environments",
                environments,
                methods=["GET"],
            ),
            Route(API + "/{rest:path}", api, methods=["GET", "POST", "PATCH", "DELETE"]),
            *control.routes(),
        ]
    )
    app.state.sandbox = sandbox
    return app
