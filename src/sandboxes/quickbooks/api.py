"""``/v3/company/{realmId}/...``: create, read, update, delete and query of the entities.

The operations are plain functions of a company (``create``, ``update``, ``delete``,
``read``, ``query``) so ``/batch`` runs each item exactly as the single call would.
"""

from __future__ import annotations

import copy
import json
from datetime import date
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from sandboxes.quickbooks import query as qbo_query
from sandboxes.quickbooks import rules
from sandboxes.quickbooks.sandbox import Sandbox
from sandboxes.quickbooks.state import (
    DELETABLE,
    ENTITIES,
    NAME_LISTS,
    READ_ONLY,
    TRANSACTIONS,
    Company,
    Record,
)
from sandboxes.quickbooks.wire import (
    INVALID_REQUEST,
    OBJECT_NOT_FOUND,
    STALE_OBJECT,
    QboError,
    answer,
    fault_answer,
)

PREFIX = "/v3/company"
# Fields QuickBooks sets itself; a client's value is replaced.
SERVER_FIELDS = ("Id", "SyncToken", "MetaData", "domain", "sparse", "status")


def sandbox_of(request: Request) -> Sandbox:
    found: Sandbox = request.app.state.sandbox
    return found


def company_of(request: Request) -> Company:
    company = sandbox_of(request).company(request.path_params["realm_id"])
    if company is None:  # the gate lets no request reach a route for an unknown realm
        raise QboError(OBJECT_NOT_FOUND, "Object Not Found", "No such company", status=404)
    return company


def entity_of(name: str) -> str:
    entity = ENTITIES.get(name.lower())
    if entity is None:
        raise unsupported(f"Entity {name} is not supported by this server")
    return entity


def unsupported(detail: str) -> QboError:
    return QboError(INVALID_REQUEST, "Unsupported Operation", detail)


def not_found(entity: str, record_id: object) -> QboError:
    return QboError(
        OBJECT_NOT_FOUND,
        "Object Not Found",
        f"Object Not Found : Something you're trying to use has been made inactive. Check "
        f"the fields with accounts, customers, items, vendors or employees. ({entity} "
        f"Id={record_id})",
    )


def read(company: Company, entity: str, record_id: str) -> Record:
    found = company.find(entity, record_id)
    if found is None:
        raise not_found(entity, record_id)
    return found


def create(company: Company, entity: str, body: Record) -> Record:
    if entity in READ_ONLY:
        raise unsupported(f"Operation Create is not supported for {entity}")
    record = {k: copy.deepcopy(v) for k, v in body.items() if k not in SERVER_FIELDS}
    if entity in NAME_LISTS:
        record.setdefault("Active", True)
        if "Name" in record:
            record.setdefault("FullyQualifiedName", record["Name"])
    if entity == "Account":
        _account_defaults(company, record)
    if entity in TRANSACTIONS:
        record.setdefault("TxnDate", date.today().isoformat())  # QuickBooks dates it today
    with company.lock:
        rules.check(company, entity, record)
        return company.store(entity, record, new=True)


def _account_defaults(company: Company, record: Record) -> None:
    if not record.get("AccountType") and not record.get("AccountSubType"):
        raise rules.required("AccountType")
    record.setdefault("CurrencyRef", {"value": company.home_currency})
    record.setdefault("CurrentBalance", 0)


def _current(company: Company, entity: str, body: Record) -> Record:
    for name in ("Id", "SyncToken"):
        if body.get(name) in (None, ""):
            raise rules.required(name)
    stored = company.find(entity, body["Id"])
    if stored is None or stored.get("status") == "Deleted":
        raise not_found(entity, body["Id"])
    if str(body["SyncToken"]) != stored["SyncToken"]:
        raise QboError(
            STALE_OBJECT,
            "Stale Object Error",
            "Stale Object Error : You and root were working on this at the same time. root "
            f"finished before you did, so your work was not saved. (SyncToken {body['SyncToken']}"
            f" sent, {stored['SyncToken']} current)",
            element="SyncToken",
        )
    return stored


def _merged(stored: Record, sent: Record) -> Record:
    for key, value in sent.items():
        if isinstance(value, dict) and isinstance(stored.get(key), dict):
            stored[key] = _merged(stored[key], value)
        else:
            stored[key] = value
    return stored


def update(company: Company, entity: str, body: Record) -> Record:
    """A full update replaces the record; ``"sparse": true`` changes only the fields sent."""
    if entity in ("TaxCode", "TaxRate"):
        raise unsupported(f"Operation Update is not supported for {entity}")
    with company.lock:
        stored = _current(company, entity, body)
        sent = {k: copy.deepcopy(v) for k, v in body.items() if k not in SERVER_FIELDS}
        if entity in ("CompanyInfo", "Preferences"):
            record = _merged(copy.deepcopy(stored), sent)  # each group of settings merged
        elif body.get("sparse") is True:
            record = {**copy.deepcopy(stored), **sent}
        else:
            record = {**sent, **{k: stored[k] for k in ("Id", "SyncToken", "MetaData")}}
        if entity == "Account":
            _account_defaults(company, record)
        if entity == "Preferences":
            rules.preferences(stored, record)
        rules.check(company, entity, record)
        return company.store(entity, record, new=False)


def delete(company: Company, entity: str, body: Record) -> Record:
    if entity not in DELETABLE:
        raise unsupported(
            f"Operation Delete is not supported for {entity}; make it inactive instead"
        )
    with company.lock:
        stored = _current(company, entity, body)
        rules.closed_books(company, stored)
        company.remove(entity, stored["Id"])
    return {"Id": stored["Id"], "status": "Deleted", "domain": "QBO"}


def write(company: Company, entity: str, body: Record, operation: str | None) -> Record:
    """``POST /{entity}``: create, or update when the body has an Id, or ``operation``."""
    if operation == "delete":
        return delete(company, entity, body)
    if operation == "update" or (operation is None and body.get("Id")):
        return update(company, entity, body)
    if operation not in (None, "create"):
        raise unsupported(f"Unknown operation {operation}")
    return create(company, entity, body)


def query(company: Company, text: str, max_results: int) -> dict[str, Any]:
    parsed = qbo_query.parse(text, ENTITIES, max_results)
    records = company.all(parsed.entity)
    return qbo_query.run(parsed, records, name_list=parsed.entity in NAME_LISTS)


# -- HTTP -------------------------------------------------------------------------------


async def json_body(request: Request) -> Record:
    try:
        body = json.loads(await request.body() or b"null")
    except ValueError as error:
        raise QboError(
            INVALID_REQUEST,
            "Request has invalid or unsupported property",
            f"The body is not JSON: {error}",
        ) from None
    if not isinstance(body, dict):
        raise QboError(
            INVALID_REQUEST,
            "Request has invalid or unsupported property",
            "The body must be a JSON object",
        )
    return body


async def entity_write(request: Request) -> Response:
    try:
        company = company_of(request)
        entity = entity_of(request.path_params["entity"])
        body = await json_body(request)
        record = write(company, entity, body, request.query_params.get("operation"))
    except QboError as error:
        return fault_answer(error)
    return answer({entity: record})


async def entity_read(request: Request) -> Response:
    try:
        company = company_of(request)
        entity = entity_of(request.path_params["entity"])
        record = read(company, entity, request.path_params["id"])
    except QboError as error:
        return fault_answer(error)
    return answer({entity: record})


async def query_route(request: Request) -> Response:
    """``GET /query?query=...`` or ``POST /query`` with the query as the body (text)."""
    text = request.query_params.get("query")
    if request.method == "POST":
        text = (await request.body()).decode() or text
    try:
        company = company_of(request)
        if not text:
            raise rules.required("query")
        found = query(company, text, sandbox_of(request).config.max_results)
    except QboError as error:
        return fault_answer(error)
    return answer({"QueryResponse": found})


async def not_served(request: Request) -> Response:
    return fault_answer(
        QboError(
            INVALID_REQUEST,
            "Unsupported Operation",
            f"{request.method} {request.url.path} is not served by the sandbox",
            status=404,
        )
    )


def routes() -> list[Route]:
    base = f"{PREFIX}/{{realm_id}}"
    return [
        Route(f"{base}/query", query_route, methods=["GET", "POST"]),
        Route(f"{base}/{{entity}}", entity_write, methods=["POST"]),
        Route(f"{base}/{{entity}}/{{id}}", entity_read, methods=["GET"]),
    ]


async def preferences_read(request: Request) -> Response:
    """``GET /preferences``: the one Preferences record, with no id in the path."""
    try:
        record = read(company_of(request), "Preferences", "1")
    except QboError as error:
        return fault_answer(error)
    return answer({"Preferences": record})
