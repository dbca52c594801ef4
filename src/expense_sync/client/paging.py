"""Pages of a list, and iterating every item across pages.

A list call returns the ``Page`` it asked for (``.results`` is that page only). Iterating
the page — ``for item in page`` or ``async for item in page`` — yields its items and then
fetches and yields each later page in turn, with the same filters, until the server's
``totalResults`` is reached. A page that comes back empty ends the walk even if the count
says otherwise, so a count that changes underneath never loops forever.

A page fetched by a sync call walks with sync calls, an ``_async`` call's page with async
ones; mixing them raises ``TypeError``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Generic, TypeVar

from pydantic import Field

from expense_sync.client.models._base import Links, Model

Item = TypeVar("Item")


class PageEnvelope(Model, Generic[Item]):
    """The contract's paging envelope; lists without paging only carry ``results``."""

    results: list[Item] = []
    page_number: int | None = None
    page_size: int | None = None
    total_results: int | None = None
    links: Links | None = Field(None, alias="_links")


class Page(Generic[Item]):
    def __init__(
        self,
        envelope: PageEnvelope[Item],
        fetch: Callable[[int], Page[Item]] | None = None,
        fetch_async: Callable[[int], Awaitable[Page[Item]]] | None = None,
    ) -> None:
        self.results = envelope.results
        self.page_number = envelope.page_number
        self.page_size = envelope.page_size
        self.total_results = envelope.total_results
        self.links = envelope.links
        self._fetch, self._fetch_async = fetch, fetch_async

    def __repr__(self) -> str:
        return (
            f"Page(page_number={self.page_number}, page_size={self.page_size}, "
            f"total_results={self.total_results}, results={len(self.results)} items)"
        )

    @property
    def has_more(self) -> bool:
        number, size, total = self.page_number, self.page_size, self.total_results
        if number is None or size is None or total is None or not self.results:
            return False
        return number * size < total

    def next_page(self) -> Page[Item] | None:
        if not self.has_more:
            return None
        if self._fetch is None:
            raise TypeError("this page came from an _async call: use next_page_async()")
        assert self.page_number is not None
        return self._fetch(self.page_number + 1)

    async def next_page_async(self) -> Page[Item] | None:
        if not self.has_more:
            return None
        if self._fetch_async is None:
            raise TypeError("this page came from a sync call: use next_page()")
        assert self.page_number is not None
        return await self._fetch_async(self.page_number + 1)

    def __iter__(self) -> Iterator[Item]:
        page: Page[Item] | None = self
        while page is not None:
            yield from page.results
            page = page.next_page()

    async def __aiter__(self) -> AsyncIterator[Item]:
        page: Page[Item] | None = self
        while page is not None:
            for item in page.results:
                yield item
            page = await page.next_page_async()
