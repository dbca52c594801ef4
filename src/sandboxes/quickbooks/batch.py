"""``POST /batch``: up to 30 ``BatchItemRequest``s run in order, each answered on its own.

Each item has a ``bId`` and either an entity with ``operation`` (create, update, delete)
or a ``Query``; a refused item gets its own ``Fault`` and the others still run (QuickBooks
does not roll a batch back). More than 30 items refuses the whole batch.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from sandboxes.quickbooks import api, rules
from sandboxes.quickbooks.state import ENTITIES, Company
from sandboxes.quickbooks.wire import INVALID_REQUEST, QboError, answer, fault_answer

OPERATIONS = ("create", "update", "delete")


def run_item(company: Company, item: dict[str, Any], max_results: int) -> dict[str, Any]:
    b_id = str(item.get("bId", ""))
    try:
        if "Query" in item:
            return {
                "bId": b_id,
                "QueryResponse": api.query(company, str(item["Query"]), max_results),
            }
        names = [key for key in item if key in ENTITIES.values()]
        if len(names) != 1:
            raise QboError(
                INVALID_REQUEST,
                "Request has invalid or unsupported property",
                "A BatchItemRequest names one entity or one Query",
            )
        operation = str(item.get("operation") or "create")
        if operation not in OPERATIONS:
            raise api.unsupported(f"Unknown operation {operation}")
        entity = names[0]
        record = api.write(company, entity, item[entity], operation)
        return {"bId": b_id, entity: record}
    except QboError as error:
        return {"bId": b_id, "Fault": error.fault()}


async def batch(request: Request) -> Response:
    sandbox = api.sandbox_of(request)
    try:
        company = api.company_of(request)
        body = await api.json_body(request)
        items = body.get("BatchItemRequest")
        if not isinstance(items, list) or not items:
            raise rules.required("BatchItemRequest")
        if len(items) > sandbox.config.batch_max:
            raise QboError(
                INVALID_REQUEST,
                "Batch size exceeded",
                f"The batch has {len(items)} items; QuickBooks takes at most "
                f"{sandbox.config.batch_max} in one batch request.",
                element="BatchItemRequest",
            )
        b_ids = [str(item.get("bId", "")) for item in items]
        if len(set(b_ids)) != len(b_ids) or "" in b_ids:
            raise QboError(
                INVALID_REQUEST,
                "Request has invalid or unsupported property",
                "Every BatchItemRequest needs a bId unique in the batch",
                element="bId",
            )
    except QboError as error:
        return fault_answer(error)
    answers = [run_item(company, item, sandbox.config.max_results) for item in items]
    return answer({"BatchItemResponse": answers})


def routes() -> list[Route]:
    return [Route(f"{api.PREFIX}/{{realm_id}}/batch", batch, methods=["POST"])]
