"""The sandbox serves only operations Xero's file declares, and says which it does not."""

from __future__ import annotations

import re

import httpx
from starlette.routing import Route

from sandboxes.xero import accounting, attachments, settings, spec


def _shape(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "{}", path)


def test_every_accounting_route_is_an_operation_of_xeros_file() -> None:
    declared = {
        (_shape(spec.ACCOUNTING_PREFIX + path), method.upper())
        for path, item in spec.accounting_document()["paths"].items()
        for method in item
        if method in ("get", "put", "post", "delete")
    }
    served = [
        (_shape(route.path), method)
        for route in [*settings.routes(), *attachments.routes(), *accounting.routes()]
        if isinstance(route, Route)
        for method in sorted(route.methods or ())
        if method != "HEAD"
    ]
    assert len(served) > 30
    assert [operation for operation in served if operation not in declared] == []


def test_an_operation_not_served_says_so(api: httpx.Client) -> None:
    answer = api.get("/Items")
    assert answer.status_code == 404
    assert answer.json()["Detail"] == "The Xero sandbox does not serve GET /api.xro/2.0/Items"
