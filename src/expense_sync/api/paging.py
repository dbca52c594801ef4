"""Codat's paging: ``page``, ``pageSize`` (1-5000), ``query``, ``orderBy``, and the envelope
with ``_links`` (self, current, next, previous)."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Query, Request
from pydantic import BaseModel, Field, model_serializer

from expense_sync.domain.text import require_storable
from expense_sync.storage.query_sql import Page, PageRequest

MAX_PAGE_SIZE = 5000
# The contract accepts pageSize up to 5000 in requests but caps PagingInfo.pageSize at 2000
# in responses. A larger request is served as a page of 2000 (offsets and _links use 2000
# too), so what we answer stays true to both halves of the contract.
MAX_SERVED_PAGE_SIZE = 2000


class HalRef(BaseModel):
    href: str


class Links(BaseModel):
    self: HalRef
    current: HalRef
    next: HalRef | None = None
    previous: HalRef | None = None

    @model_serializer(mode="wrap")
    def _without_missing(self, handler: Any) -> dict[str, Any]:
        # next/previous are left out, not null: the contract's halRef is never null.
        return {k: v for k, v in handler(self).items() if v is not None}


class PagingInfo(BaseModel):
    pageNumber: int
    pageSize: int
    totalResults: int
    links: Links = Field(alias="_links")

    model_config = {"populate_by_name": True, "serialize_by_alias": True}


def page_request(
    page: Annotated[int, Query(ge=1, le=1_000_000, description="Page number, from 1.")] = 1,
    pageSize: Annotated[
        int, Query(ge=1, le=MAX_PAGE_SIZE, description="Records per page (at most 5000).")
    ] = 100,
    query: Annotated[str | None, Query(description="Codat query, e.g. name~Acme.")] = None,
    orderBy: Annotated[str | None, Query(description="Field to order by; '-' for desc.")] = None,
) -> PageRequest:
    require_storable({"query": query, "orderBy": orderBy}, "")
    return PageRequest(
        page=page, page_size=min(pageSize, MAX_SERVED_PAGE_SIZE), query=query, order_by=orderBy
    )


def links_for(request: Request, page: Page[Any]) -> Links:
    base = request.url.path
    params = {k: v for k, v in request.query_params.items() if k not in ("page", "pageSize")}

    def href(number: int) -> HalRef:
        query = urlencode({"page": number, "pageSize": page.page_size, **params})
        return HalRef(href=f"{base}?{query}")

    last_page = max((page.total + page.page_size - 1) // page.page_size, 1)
    return Links(
        self=HalRef(href=base),
        current=href(page.page),
        next=href(page.page + 1) if page.page < last_page else None,
        previous=href(page.page - 1) if page.page > 1 else None,
    )


def paging_fields(request: Request, page: Page[Any]) -> dict[str, Any]:
    return {
        "pageNumber": page.page,
        "pageSize": page.page_size,
        "totalResults": page.total,
        "_links": links_for(request, page),
    }
