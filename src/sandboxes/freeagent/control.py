"""The control API under ``/__sandbox__`` (not FreeAgent; for tests and people):

- ``GET /__sandbox__/violations`` (``DELETE`` clears): requests and answers that broke
  the schemas;
- ``GET /__sandbox__/companies``; ``GET /__sandbox__/state/{companyId}``: all it holds;
- ``POST /__sandbox__/faults`` ``{"path", "kind": "error|delay|drop", "count", "method",
  "status", "seconds"}``, ``GET`` lists, ``DELETE`` clears;
- ``PUT /__sandbox__/limits`` ``{"per_minute", "per_hour", "window_seconds", ...}``;
- ``GET /__sandbox__/calls``: calls admitted and refused per company;
- ``POST /__sandbox__/tokens/expire`` and ``/tokens/revoke``.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from sandboxes.common.control import calls_control, fault_control, limits_control

BASE = "/__sandbox__"


async def violations(request: Request) -> Response:
    sandbox = request.app.state.sandbox
    with sandbox.lock:
        if request.method == "DELETE":
            sandbox.violations.clear()
            return Response(status_code=204)
        return JSONResponse(list(sandbox.violations))


async def companies(request: Request) -> Response:
    sandbox = request.app.state.sandbox
    return JSONResponse({k: b.company["name"] for k, b in sandbox.companies.items()})


async def state(request: Request) -> Response:
    books = request.app.state.sandbox.companies.get(request.path_params["company_id"])
    if books is None:
        return JSONResponse({"error": "no such company"}, 404)
    with books.lock:
        return JSONResponse(books.snapshot())


async def faults(request: Request) -> Response:
    return await fault_control(request, request.app.state.sandbox.faults)


async def limits(request: Request) -> Response:
    return await limits_control(request, request.app.state.sandbox.limiter)


async def calls(request: Request) -> Response:
    return calls_control(request.app.state.sandbox.limiter)


async def expire(request: Request) -> Response:
    return JSONResponse({"expired": request.app.state.sandbox.identity.expire_access_tokens()})


async def revoke(request: Request) -> Response:
    request.app.state.sandbox.identity.revoke_all()
    return Response(status_code=204)


def routes() -> list[Route]:
    return [
        Route(f"{BASE}/violations", violations, methods=["GET", "DELETE"]),
        Route(f"{BASE}/companies", companies, methods=["GET"]),
        Route(f"{BASE}/state/{{company_id}}", state, methods=["GET"]),
        Route(f"{BASE}/faults", faults, methods=["GET", "POST", "DELETE"]),
        Route(f"{BASE}/limits", limits, methods=["GET", "PUT"]),
        Route(f"{BASE}/calls", calls, methods=["GET"]),
        Route(f"{BASE}/tokens/expire", expire, methods=["POST"]),
        Route(f"{BASE}/tokens/revoke", revoke, methods=["POST"]),
    ]
