"""Sending one logical call: authentication, timeouts, retries, debug logging.

A ``Prepared`` call is built once (its body serialised once, its ``Idempotency-Key`` drawn
once) and sent as many times as the retry policy allows; every attempt is byte-identical,
so the server recognises a repeat and answers it with the first answer instead of doing
the write again. Uploads are the one body rebuilt per attempt (a file is re-opened or
rewound), under a multipart boundary fixed per call so the bytes still match.

The sync and async loops are the same loop; the decision of whether and how long to
wait lives once, in ``_Attempts.judge``.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import Any

import httpx

from expense_sync import __version__
from expense_sync.client.errors import error_for
from expense_sync.client.retries import RetryConfig, retryable_status

USER_AGENT = f"expense-sync-python/{__version__}"
Files = dict[str, tuple[str, Any, str]]


@dataclass(frozen=True)
class Prepared:
    """One logical call, ready to send any number of times."""

    method: str
    path: str
    params: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    content: bytes | None = None
    # Rebuilt for every attempt; files it opens are registered on the stack to be closed.
    files: Callable[[ExitStack], Files] | None = None


@dataclass
class Core:
    """What every resource group shares: where, who, how long, how often."""

    server_url: str
    auth_header: str
    retries: RetryConfig
    timeout_ms: int | None
    client: httpx.Client | None
    async_client: httpx.AsyncClient | None
    debug_logger: logging.Logger | None
    owns_client: bool = False
    owns_async_client: bool = False
    # The clock and the sleeps are swapped together by tests that check retry timing.
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    async_sleep: Callable[[float], Any] = asyncio.sleep

    def _sync_client(self) -> httpx.Client:
        if self.client is None:
            self.client, self.owns_client = httpx.Client(), True
        return self.client

    def _async_client(self) -> httpx.AsyncClient:
        if self.async_client is None:
            self.async_client, self.owns_async_client = httpx.AsyncClient(), True
        return self.async_client

    def close(self) -> None:
        if self.owns_client and self.client is not None:
            self.client.close()
            self.client, self.owns_client = None, False

    async def aclose(self) -> None:
        if self.owns_async_client and self.async_client is not None:
            await self.async_client.aclose()
            self.async_client, self.owns_async_client = None, False

    def _build(
        self,
        client: httpx.Client | httpx.AsyncClient,
        call: Prepared,
        timeout_ms: int | None,
        opened: ExitStack,
    ) -> httpx.Request:
        timeout_ms = timeout_ms if timeout_ms is not None else self.timeout_ms
        return client.build_request(
            call.method,
            self.server_url.rstrip("/") + call.path,
            params=call.params,
            headers={
                "Authorization": self.auth_header,
                "User-Agent": USER_AGENT,
                "Accept": "application/json",
                **call.headers,
            },
            content=call.content,
            files=call.files(opened) if call.files else None,
            timeout=timeout_ms / 1000 if timeout_ms is not None else httpx.USE_CLIENT_DEFAULT,
        )

    def send(
        self, call: Prepared, retries: RetryConfig | None = None, timeout_ms: int | None = None
    ) -> httpx.Response:
        """Send until success or a final failure; raise the SDK error for the latter."""
        attempts, client = _Attempts(self, retries or self.retries, call), self._sync_client()
        while True:
            try:
                with ExitStack() as opened:
                    outcome: httpx.Response | httpx.TransportError = client.send(
                        self._build(client, call, timeout_ms, opened)
                    )
            except httpx.TransportError as error:
                outcome = error
            wait = attempts.judge(outcome)
            if isinstance(wait, httpx.Response):
                return wait
            self.sleep(wait)

    async def send_async(
        self, call: Prepared, retries: RetryConfig | None = None, timeout_ms: int | None = None
    ) -> httpx.Response:
        attempts, client = _Attempts(self, retries or self.retries, call), self._async_client()
        while True:
            try:
                with ExitStack() as opened:
                    outcome: httpx.Response | httpx.TransportError = await client.send(
                        self._build(client, call, timeout_ms, opened)
                    )
            except httpx.TransportError as error:
                outcome = error
            wait = attempts.judge(outcome)
            if isinstance(wait, httpx.Response):
                return wait
            await self.async_sleep(wait)

    def log(self, message: str) -> None:
        if self.debug_logger is not None:
            self.debug_logger.debug(message)


class _Attempts:
    """The retry decision for one logical call, shared by the sync and async loops."""

    def __init__(self, core: Core, config: RetryConfig, call: Prepared) -> None:
        self.core, self.config, self.call = core, config, call
        self.started, self.count, self.answer_lost = core.clock(), 0, False

    def judge(self, outcome: httpx.Response | httpx.TransportError) -> float | httpx.Response:
        """The successful response to return, or the seconds to wait before trying again;
        raises the final error."""
        self.count += 1
        where = f"{self.call.method} {self.call.path} attempt {self.count}"
        if isinstance(outcome, httpx.Response):
            self.core.log(f"{where}: {outcome.status_code}")
            if outcome.is_success or self._already_deleted(outcome):
                return outcome
            if not retryable_status(outcome.status_code, outcome.content):
                raise error_for(outcome)
            wait = self.config.delay(self.count, outcome.headers)
        else:
            self.answer_lost = True
            self.core.log(f"{where}: {outcome!r}")
            if not self.config.retry_connection_errors or isinstance(
                outcome, httpx.UnsupportedProtocol
            ):
                raise outcome
            wait = self.config.delay(self.count)
        if not self.config.may_retry(self.core.clock() - self.started, wait):
            if isinstance(outcome, httpx.Response):
                raise error_for(outcome)
            raise outcome
        self.core.log(f"{where}: retrying in {wait:.3f} s")
        return wait

    def _already_deleted(self, response: httpx.Response) -> bool:
        """A DELETE carries no Idempotency-Key (the server keys only writes that create or
        change); if an earlier attempt's answer was lost, a 404 now means that attempt
        deleted it, which is the outcome the caller asked for."""
        return self.call.method == "DELETE" and response.status_code == 404 and self.answer_lost
