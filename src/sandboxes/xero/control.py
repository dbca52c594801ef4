"""The control API under ``/__sandbox__``: not Xero, not held to Xero's spec, for tests only.

- ``GET /__sandbox__/violations`` (``DELETE`` clears): every request or answer that broke
  Xero's spec;
- ``GET /__sandbox__/state/{tenantId}``: everything the tenant holds;
- ``GET /__sandbox__/tenants``, ``POST /__sandbox__/tenants`` ``{"name", "seed"}``;
- ``POST /__sandbox__/faults`` ``{"path", "kind", "count", "method", "status", "seconds"}``,
  ``GET`` lists pending ones, ``DELETE`` clears them;
- ``PUT /__sandbox__/limits`` ``{"per_minute", ...}``: new limits from now on;
- ``GET /__sandbox__/calls``: calls admitted and refused per tenant;
- ``POST /__sandbox__/tokens/expire``: every access token issued so far expires now;
- ``POST /__sandbox__/tokens/revoke``: every grant revoked (the user disconnected the app).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from sandboxes.common.control import calls_control, fault_control, limits_control, problem
from sandboxes.xero.accounting import sandbox_of

BASE = "/__sandbox__"


async def violations(request: Request) -> Response:
    sandbox = sandbox_of(request)
    if request.method == "DELETE":
        with sandbox.lock:
            sandbox.violations.clear()
        return Response(status_code=204)
    with sandbox.lock:
        return JSONResponse(list(sandbox.violations))


async def state(request: Request) -> Response:
    tenant = sandbox_of(request).tenant(request.path_params["tenant_id"])
    if tenant is None:
        return problem("no such tenant", 404)
    return JSONResponse(tenant.snapshot())


async def tenants(request: Request) -> Response:
    sandbox = sandbox_of(request)
    if request.method == "POST":
        body = await request.json() if await request.body() else {}
        try:
            tenant = sandbox.add_tenant(name=body.get("name"), seed=body.get("seed"))
        except ValueError as error:
            return problem(str(error))
        return JSONResponse({"tenantId": tenant.tenant_id, "tenantName": tenant.name}, 201)
    return JSONResponse(
        [{"tenantId": t.tenant_id, "tenantName": t.name} for t in sandbox.tenants.values()]
    )


async def faults(request: Request) -> Response:
    return await fault_control(request, sandbox_of(request).faults)


async def limits(request: Request) -> Response:
    return await limits_control(request, sandbox_of(request).limiter)


async def calls(request: Request) -> Response:
    return calls_control(sandbox_of(request).limiter)


async def expire_tokens(request: Request) -> Response:
    return JSONResponse({"expired": sandbox_of(request).identity.expire_access_tokens()})


async def revoke_tokens(request: Request) -> Response:
    sandbox_of(request).identity.revoke_all()
    return Response(status_code=204)


def routes() -> list[Route]:
    return [
        Route(f"{BASE}/violations", violations, methods=["GET", "DELETE"]),
        Route(f"{BASE}/state/{{tenant_id}}", state, methods=["GET"]),
        Route(f"{BASE}/tenants", tenants, methods=["GET", "POST"]),
        Route(f"{BASE}/faults", faults, methods=["GET", "POST", "DELETE"]),
        Route(f"{BASE}/limits", limits, methods=["GET", "PUT"]),
        Route(f"{BASE}/calls", calls, methods=["GET"]),
        Route(f"{BASE}/tokens/expire", expire_tokens, methods=["POST"]),
        Route(f"{BASE}/tokens/revoke", revoke_tokens, methods=["POST"]),
    ]
