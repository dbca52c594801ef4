"""Organisation settings endpoints: Organisation, Currencies, TaxRates, TrackingCategories.

Xero allows 2 active tracking categories per organisation (and 100 options each); a third
is refused with a validation exception, as Xero does.
"""

from __future__ import annotations

import uuid

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from sandboxes.xero import query
from sandboxes.xero.accounting import PREFIX, envelope, not_found, tenant_of, validation_exception
from sandboxes.xero.state import Record

ACTIVE_TRACKING_CATEGORIES = 2
OPTIONS_PER_CATEGORY = 100
CURRENCY_NAMES = {
    "GBP": "British Pound",
    "EUR": "Euro",
    "USD": "United States Dollar",
    "CAD": "Canadian Dollar",
    "AUD": "Australian Dollar",
    "NZD": "New Zealand Dollar",
    "CHF": "Swiss Franc",
    "JPY": "Japanese Yen",
}


def _listed(request: Request, records: list[Record]) -> list[Record] | Response:
    try:
        matches = query.where(request.query_params.get("where"))
        kept = [r for r in records if matches(r)]
    except query.QueryError as error:
        return validation_exception(str(error))
    return query.order(kept, request.query_params.get("order"))


async def organisation(request: Request) -> Response:
    return envelope("Organisations", [tenant_of(request).organisation])


async def currencies(request: Request) -> Response:
    tenant = tenant_of(request)
    if request.method == "PUT":
        code = str((await request.json()).get("Code", "")).upper()
        if len(code) != 3:
            return validation_exception("Code must be a 3-letter ISO currency code.")
        if code not in tenant.enabled_currencies:
            tenant.enabled_currencies.append(code)
        return envelope(
            "Currencies", [{"Code": code, "Description": CURRENCY_NAMES.get(code, code)}]
        )
    found = _listed(
        request,
        [{"Code": c, "Description": CURRENCY_NAMES.get(c, c)} for c in tenant.enabled_currencies],
    )
    return found if isinstance(found, Response) else envelope("Currencies", found)


async def tax_rates(request: Request) -> Response:
    found = _listed(request, list(tenant_of(request).tax_rates))
    return found if isinstance(found, Response) else envelope("TaxRates", found)


async def tracking_categories(request: Request) -> Response:
    tenant = tenant_of(request)
    if request.method == "PUT":
        body = await request.json()
        name = str(body.get("Name", "")).strip()
        active = [c for c in tenant.tracking_categories if c["Status"] == "ACTIVE"]
        if not name:
            return validation_exception("Name must be specified for a tracking category.")
        if len(active) >= ACTIVE_TRACKING_CATEGORIES:
            return validation_exception(
                "You can only have 2 active tracking categories. Archive one before adding another."
            )
        if tenant.tracking_categories.find(Name=name):
            return validation_exception(f"A tracking category named '{name}' already exists.")
        record = tenant.tracking_categories.put({"Name": name, "Status": "ACTIVE", "Options": []})
        return envelope("TrackingCategories", [record])
    everything = list(tenant.tracking_categories)
    if request.query_params.get("includeArchived", "false").lower() != "true":
        everything = [c for c in everything if c["Status"] == "ACTIVE"]
    found = _listed(request, everything)
    return found if isinstance(found, Response) else envelope("TrackingCategories", found)


async def tracking_options(request: Request) -> Response:
    tenant = tenant_of(request)
    category = tenant.tracking_categories.get(request.path_params["id"])
    if category is None:
        return not_found(f"TrackingCategory {request.path_params['id']}")
    name = str((await request.json()).get("Name", "")).strip()
    if not name:
        return validation_exception("Name must be specified for a tracking option.")
    if any(o["Name"].casefold() == name.casefold() for o in category["Options"]):
        return validation_exception(f"The option '{name}' already exists in '{category['Name']}'.")
    if len(category["Options"]) >= OPTIONS_PER_CATEGORY:
        return validation_exception("A tracking category can have at most 100 options.")
    option = {"TrackingOptionID": str(uuid.uuid4()), "Name": name, "Status": "ACTIVE"}
    category["Options"].append(option)
    tenant.tracking_categories.put(category)
    return envelope("Options", [option])


def routes() -> list[Route]:
    return [
        Route(f"{PREFIX}/Organisation", organisation, methods=["GET"]),
        Route(f"{PREFIX}/Currencies", currencies, methods=["GET", "PUT"]),
        Route(f"{PREFIX}/TaxRates", tax_rates, methods=["GET"]),
        Route(f"{PREFIX}/TrackingCategories", tracking_categories, methods=["GET", "PUT"]),
        Route(f"{PREFIX}/TrackingCategories/{{id}}/Options", tracking_options, methods=["PUT"]),
    ]
