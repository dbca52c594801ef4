"""The control API under ``/__sandbox__``: not QuickBooks, not held to Intuit's XSDs.

- ``GET /__sandbox__/violations`` (``DELETE`` clears): requests and answers that broke the XSDs;
- ``GET /__sandbox__/state/{realmId}``: everything the company holds;
- ``GET /__sandbox__/companies``, ``POST`` ``{"seed": "us"|"uk", "name"}`` adds one;
- ``PUT /__sandbox__/companies/{realmId}/preferences`` ``{"MultiCurrencyEnabled": bool,
  "BookCloseDate": "YYYY-MM-DD"|null}``: what the company's owner sets in QuickBooks;
- ``POST /__sandbox__/faults`` ``{"path", "kind", "count", "method", "status", "seconds"}``,
  ``GET`` lists pending ones, ``DELETE`` clears them;
- ``PUT /__sandbox__/limits`` ``{"per_minute", "concurrent", "batch_per_minute",
  "window_seconds"}``; ``GET /__sandbox__/calls``: calls admitted and refused per realm;
- ``POST /__sandbox__/tokens/expire`` / ``tokens/revoke``;
- ``GET /__sandbox__/files/{realmId}/{attachableId}``: an attachment's bytes.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from sandboxes.common.control import calls_control, fault_control, limits_control, problem
from sandboxes.quickbooks.api import sandbox_of
from sandboxes.quickbooks.state import Company

BASE = "/__sandbox__"


def _summary(company: Company) -> dict[str, str]:
    return {
        "realmId": company.realm_id,
        "companyName": company.name,
        "country": company.country,
        "homeCurrency": company.home_currency,
    }


async def violations(request: Request) -> Response:
    sandbox = sandbox_of(request)
    with sandbox.lock:
        if request.method == "DELETE":
            sandbox.violations.clear()
            return Response(status_code=204)
        return JSONResponse(list(sandbox.violations))


async def state(request: Request) -> Response:
    company = sandbox_of(request).company(request.path_params["realm_id"])
    if company is None:
        return problem("no such company", 404)
    return JSONResponse(company.snapshot())


async def companies(request: Request) -> Response:
    sandbox = sandbox_of(request)
    if request.method == "POST":
        body = await request.json() if await request.body() else {}
        try:
            company = sandbox.add_company(str(body.get("seed", "us")), body.get("name"))
        except ValueError as error:
            return problem(str(error))
        return JSONResponse(_summary(company), 201)
    return JSONResponse([_summary(c) for c in list(sandbox.companies.values())])


async def preferences(request: Request) -> Response:
    company = sandbox_of(request).company(request.path_params["realm_id"])
    if company is None:
        return problem("no such company", 404)
    body = await request.json()
    with company.lock:
        prefs = company.preferences
        if "MultiCurrencyEnabled" in body:
            prefs["CurrencyPrefs"]["MultiCurrencyEnabled"] = bool(body["MultiCurrencyEnabled"])
        if "BookCloseDate" in body:
            accounting = prefs.setdefault("AccountingInfoPrefs", {})
            if body["BookCloseDate"]:
                accounting["BookCloseDate"] = str(body["BookCloseDate"])
            else:
                accounting.pop("BookCloseDate", None)
        company.store("Preferences", prefs, new=False)
    return JSONResponse(prefs)


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


async def files(request: Request) -> Response:
    company = sandbox_of(request).company(request.path_params["realm_id"])
    stored = company.files.get(request.path_params["id"]) if company else None
    if stored is None:
        return problem("no such file", 404)
    return Response(stored.content, media_type=stored.content_type)


def routes() -> list[Route]:
    return [
        Route(f"{BASE}/violations", violations, methods=["GET", "DELETE"]),
        Route(f"{BASE}/state/{{realm_id}}", state, methods=["GET"]),
        Route(f"{BASE}/companies", companies, methods=["GET", "POST"]),
        Route(f"{BASE}/companies/{{realm_id}}/preferences", preferences, methods=["PUT"]),
        Route(f"{BASE}/faults", faults, methods=["GET", "POST", "DELETE"]),
        Route(f"{BASE}/limits", limits, methods=["GET", "PUT"]),
        Route(f"{BASE}/calls", calls, methods=["GET"]),
        Route(f"{BASE}/tokens/expire", expire_tokens, methods=["POST"]),
        Route(f"{BASE}/tokens/revoke", revoke_tokens, methods=["POST"]),
        Route(f"{BASE}/files/{{realm_id}}/{{id}}", files, methods=["GET"]),
    ]
