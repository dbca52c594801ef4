"""The Accounting API's record endpoints, one generic read and write for every kind.

Xero answers every list in one envelope (``Id``, ``Status``, ``ProviderName``,
``DateTimeUTC`` and the plural key). Writes take up to 50 elements; with
``summarizeErrors=false`` the valid ones are kept and each element says ``OK`` or
``ERROR`` with its ``ValidationErrors``; otherwise one invalid element refuses the call
with Xero's ``ValidationException`` and nothing is kept.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from sandboxes.xero import documents, query
from sandboxes.xero.documents import Builder
from sandboxes.xero.rules import Invalid
from sandboxes.xero.sandbox import Sandbox
from sandboxes.xero.state import Collection, Record, Tenant
from sandboxes.xero.wire import ms_date, parse_moment

PREFIX = "/api.xro/2.0"
PAGE_SIZE_MAX = 1000


@dataclass(frozen=True)
class Resource:
    plural: str
    collection: str
    id_field: str
    build: Builder
    paged: bool = False
    wrapped_put: bool = True  # PUT /Accounts takes one bare Account
    # Xero's file has no POST /Accounts (an account is updated at /Accounts/{id}).
    collection_methods: tuple[str, ...] = ("GET", "PUT", "POST")


RESOURCES = (
    Resource(
        "Accounts",
        "accounts",
        "AccountID",
        documents.account,
        wrapped_put=False,
        collection_methods=("GET", "PUT"),
    ),
    Resource("Contacts", "contacts", "ContactID", documents.contact, paged=True),
    Resource(
        "BankTransactions",
        "bank_transactions",
        "BankTransactionID",
        documents.bank_transaction,
        paged=True,
    ),
    Resource("BankTransfers", "bank_transfers", "BankTransferID", documents.bank_transfer),
    Resource("Invoices", "invoices", "InvoiceID", documents.invoice, paged=True),
    Resource(
        "ManualJournals", "manual_journals", "ManualJournalID", documents.manual_journal, paged=True
    ),
)


def sandbox_of(request: Request) -> Sandbox:
    sandbox: Sandbox = request.app.state.sandbox
    return sandbox


def tenant_of(request: Request) -> Tenant:
    """The tenant the gate admitted this request for."""
    tenant = sandbox_of(request).tenant(request.scope["state"]["tenant_id"])
    assert tenant is not None
    return tenant


def envelope(key: str, items: list[Record], **extra: Any) -> JSONResponse:
    body = {
        "Id": str(uuid.uuid4()),
        "Status": "OK",
        "ProviderName": "expense-sync Xero sandbox",
        "DateTimeUTC": ms_date(datetime.now(UTC)),
        **extra,
        key: items,
    }
    return JSONResponse(body)


def validation_exception(message: str, elements: list[Record] | None = None) -> JSONResponse:
    """Xero's 400 for refused elements (``ErrorNumber`` 10, ``ValidationException``)."""
    body: dict[str, Any] = {
        "ErrorNumber": 10,
        "Type": "ValidationException",
        "Message": message,
    }
    if elements is not None:
        body["Elements"] = elements
    return JSONResponse(body, status_code=400)


def not_found(what: str) -> JSONResponse:
    return JSONResponse(
        {"Title": "Not Found", "Status": 404, "Detail": f"{what} was not found"}, status_code=404
    )


async def not_served(request: Request) -> Response:
    """A Xero path or method the sandbox does not serve: said plainly, not a bare 404."""
    detail = f"The Xero sandbox does not serve {request.method} {request.url.path}"
    return JSONResponse({"Title": "Not Found", "Status": 404, "Detail": detail}, 404)


def _collection(tenant: Tenant, resource: Resource) -> Collection:
    collection: Collection = getattr(tenant, resource.collection)
    return collection


def _filtered(request: Request, records: Collection) -> list[Record] | Response:
    found = list(records)
    wanted_ids = request.query_params.get("IDs")
    if wanted_ids:
        ids = {i.strip().lower() for i in wanted_ids.split(",")}
        found = [r for r in found if str(r[records.id_field]).lower() in ids]
    if records.id_field == "ContactID" and request.query_params.get("includeArchived") != "true":
        found = [r for r in found if r.get("ContactStatus") != "ARCHIVED"]
    since = request.headers.get("if-modified-since")
    if since:
        moment = parse_moment(since)
        if moment is None:
            return validation_exception(f"If-Modified-Since '{since}' is not a date-time.")
        found = [r for r in found if records.modified(r[records.id_field]) > moment]
    try:
        matches = query.where(request.query_params.get("where"))
        found = [r for r in found if matches(r)]
    except query.QueryError as error:
        return validation_exception(str(error))
    return query.order(found, request.query_params.get("order"))


async def list_records(request: Request, resource: Resource) -> Response:
    records = _collection(tenant_of(request), resource)
    found = _filtered(request, records)
    if isinstance(found, Response):
        return found
    if resource.paged:
        default = sandbox_of(request).config.page_size
        size = min(int(request.query_params.get("pageSize", default)), PAGE_SIZE_MAX)
        page = request.query_params.get("page")
        if page is not None:
            number = max(1, int(page))
            pagination = {
                "page": number,
                "pageSize": size,
                "pageCount": -(-len(found) // size),
                "itemCount": len(found),
            }
            return envelope(
                resource.plural, found[(number - 1) * size : number * size], pagination=pagination
            )
    return envelope(resource.plural, found)


async def get_record(request: Request, resource: Resource) -> Response:
    record = _collection(tenant_of(request), resource).get(request.path_params["id"])
    if record is None:
        return not_found(f"{resource.plural[:-1]} {request.path_params['id']}")
    return envelope(resource.plural, [record])


async def write_records(request: Request, resource: Resource) -> Response:
    """PUT creates; POST creates or updates (an element with its id, or the id in the path)."""
    sandbox = sandbox_of(request)
    tenant = tenant_of(request)
    body = await request.json()
    items: list[Record] = (
        [body]
        if request.method == "PUT" and not resource.wrapped_put
        else body.get(resource.plural, [])
    )
    path_id = request.path_params.get("id")
    if len(items) > sandbox.config.batch_max:
        return validation_exception(
            f"No more than {sandbox.config.batch_max} {resource.plural} can be sent in one request."
        )
    if not items:
        return validation_exception(f"The request has no {resource.plural}.")
    summarize = request.query_params.get("summarizeErrors", "true").lower() != "false"
    records = _collection(tenant, resource)
    results: list[tuple[bool, Record]] = []
    for item in items:
        wanted = path_id or item.get(resource.id_field)
        existing = records.get(str(wanted)) if wanted else None
        try:
            if wanted and existing is None:
                raise Invalid([f"{resource.plural[:-1]} {wanted} does not exist."])
            if wanted and request.method == "PUT":
                raise Invalid(["PUT creates new records; use POST to update one."])
            record = resource.build(tenant, item, existing)
            if existing is not None:
                record[resource.id_field] = existing[resource.id_field]
            results.append((True, record))
        except Invalid as refused:
            failed = {**item, "ValidationErrors": [{"Message": m} for m in refused.messages]}
            results.append((False, failed))
    if summarize and not all(ok for ok, _ in results):
        elements = [record for ok, record in results if not ok]
        for element in elements:
            element["StatusAttributeString"] = "ERROR"
        return validation_exception("A validation exception occurred", elements)
    answered = []
    for ok, record in results:
        if ok:
            settle_contact(tenant, record)
            record = records.put(record)
        answered.append({**record, "StatusAttributeString": "OK" if ok else "ERROR"})
    return envelope(resource.plural, answered)


SUPPLIER_TYPES = ("SPEND", "ACCPAY")
CUSTOMER_TYPES = ("RECEIVE", "ACCREC")


def settle_contact(tenant: Tenant, record: Record) -> None:
    """Store the contact a new document names if it is new, and set ``IsSupplier`` once a
    contact has a spend or bill, ``IsCustomer`` once it has a receipt or sales invoice."""
    named = record.get("Contact")
    if not isinstance(named, dict):
        return
    contact = tenant.contacts.get(str(named.get("ContactID", "")))
    if contact is None:
        # Named for the first time; an earlier element of the batch may have created it.
        contact = tenant.contacts.find(Name=named["Name"]) or tenant.contacts.put(
            {
                "ContactID": named["ContactID"],
                "Name": named["Name"],
                "ContactStatus": "ACTIVE",
                "IsSupplier": False,
                "IsCustomer": False,
                "HasAttachments": False,
            }
        )
        record["Contact"] = {"ContactID": contact["ContactID"], "Name": contact["Name"]}
    flag = (
        "IsSupplier"
        if record.get("Type") in SUPPLIER_TYPES
        else "IsCustomer"
        if record.get("Type") in CUSTOMER_TYPES
        else None
    )
    if flag and not contact.get(flag):
        contact[flag] = True
        tenant.contacts.put(contact)


def _routes_for(resource: Resource) -> list[Route]:
    async def many(request: Request) -> Response:
        if request.method == "GET":
            return await list_records(request, resource)
        return await write_records(request, resource)

    async def one(request: Request) -> Response:
        if request.method == "GET":
            return await get_record(request, resource)
        return await write_records(request, resource)

    return [
        Route(f"{PREFIX}/{resource.plural}", many, methods=list(resource.collection_methods)),
        Route(f"{PREFIX}/{resource.plural}/{{id}}", one, methods=["GET", "POST"]),
    ]


def routes() -> list[Route]:
    return [route for resource in RESOURCES for route in _routes_for(resource)]
