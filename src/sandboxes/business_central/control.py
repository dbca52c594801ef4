"""The control API under ``/__sandbox__``: not Business Central, for tests only.

- ``GET /__sandbox__/violations`` (``DELETE`` clears): requests and answers that broke
  the entities' schemas;
- ``GET /__sandbox__/state/{companyId}``: every record the company holds, by collection;
- ``GET /__sandbox__/companies``: the companies of each environment;
- ``POST /__sandbox__/faults`` ``{"path", "kind", "count", "method", "status", "seconds"}``
  (kinds ``error``, ``delay``, ``drop``), ``DELETE`` clears;
- ``PUT /__sandbox__/limits``, ``GET /__sandbox__/calls``;
- ``POST /__sandbox__/tokens/expire``, ``POST /__sandbox__/tokens/revoke``.
"""

from __future__ import annotations

import dataclasses

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from sandboxes.business_central.sandbox import Sandbox
from sandboxes.common.control import fault_control

BASE = "/__sandbox__"


def _sandbox(request: Request) -> Sandbox:
    found: Sandbox = request.app.state.sandbox
    return found


async def violations(request: Request) -> Response:
    sandbox = _sandbox(request)
    with sandbox.lock:
        if request.method == "DELETE":
            sandbox.violations.clear()
            return Response(status_code=204)
        return JSONResponse(list(sandbox.violations))


async def state(request: Request) -> Response:
    company = _sandbox(request).company(request.path_params["company_id"])
    if company is None:
        return JSONResponse({"error": "no such company"}, 404)
    with company.lock:
        return JSONResponse({name: list(table.values()) for name, table in company.tables.items()})


async def companies(request: Request) -> Response:
    return JSONResponse(
        {
            name: [{"id": c.company_id, "name": c.name} for c in env.companies.values()]
            for name, env in _sandbox(request).environments.items()
        }
    )


async def faults(request: Request) -> Response:
    return await fault_control(request, _sandbox(request).faults)


async def limits(request: Request) -> Response:
    limiter = _sandbox(request).limiter
    if request.method == "PUT":
        try:
            limiter.limits = dataclasses.replace(limiter.limits, **(await request.json()))
        except TypeError as problem:
            return JSONResponse({"error": f"bad limits: {problem}"}, 400)
    return JSONResponse(dataclasses.asdict(limiter.limits))


async def calls(request: Request) -> Response:
    limiter = _sandbox(request).limiter
    return JSONResponse(
        {
            "admitted": limiter.admitted,
            "refused": limiter.refused,
            "queuedPeak": limiter.queued_peak,
            "runningPeak": limiter.running_peak,
        }
    )


async def expire(request: Request) -> Response:
    return JSONResponse({"expired": _sandbox(request).identity.expire_access_tokens()})


async def revoke(request: Request) -> Response:
    _sandbox(request).identity.revoke_all()
    return Response(status_code=204)


def routes() -> list[Route]:
    return [
        Route(f"{BASE}/violations", violations, methods=["GET", "DELETE"]),
        Route(f"{BASE}/state/{{company_id}}", state, methods=["GET"]),
        Route(f"{BASE}/companies", companies, methods=["GET"]),
        Route(f"{BASE}/faults", faults, methods=["POST", "DELETE"]),
        Route(f"{BASE}/limits", limits, methods=["GET", "PUT"]),
        Route(f"{BASE}/calls", calls, methods=["GET"]),
        Route(f"{BASE}/tokens/expire", expire, methods=["POST"]),
        Route(f"{BASE}/tokens/revoke", revoke, methods=["POST"]),
    ]
