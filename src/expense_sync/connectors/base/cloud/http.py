"""The HTTP client of a linked cloud connection: every call carries a fresh bearer
token, takes a slot of the tenant's shared rate limit, and turns the platform's answer
into data or one classified ``ConnectorError``.

A token that expires within ``REFRESH_MARGIN`` is refreshed before the call; a 401 is
answered by one refresh and one retry (the platform may have revoked the token early),
and a second 401 means access is gone: the connection is marked ``Deauthorized``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from contextlib import ExitStack
from dataclasses import dataclass, field, replace
from typing import Any

import httpx

from expense_sync.connectors.base.cloud import oauth
from expense_sync.connectors.base.cloud.app import CloudAccess
from expense_sync.connectors.base.cloud.classify import ReadProblem, classify, transport_error
from expense_sync.connectors.base.cloud.limits import Limits, Observed, observed_from
from expense_sync.connectors.base.cloud.tokens import StoredTokens, Tokens
from expense_sync.connectors.base.errors import FatalConnectorError

TIMEOUT = httpx.Timeout(30.0, connect=10.0)


@dataclass(frozen=True)
class PlatformHttp:
    """How one platform speaks HTTP, declared by its package."""

    name: str
    read_problem: ReadProblem
    minute_header: str | None = None
    day_header: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class _Body:
    """One request's parts, sent again as they are after a refresh."""

    params: Mapping[str, Any] | None
    json: Any
    content: bytes | None
    headers: Mapping[str, str] | None
    files: Mapping[str, Any] | None
    bucket: str | None


_POOLS: dict[str, httpx.Client] = {}
_POOLS_LOCK = threading.Lock()


def _pooled(base_url: str) -> httpx.Client:
    """One connection pool per platform URL for the whole process: sessions are opened
    per unit of work and never closed, so they share pools instead of leaking them."""
    with _POOLS_LOCK:
        if base_url not in _POOLS:
            _POOLS[base_url] = httpx.Client(base_url=base_url, timeout=TIMEOUT)
        return _POOLS[base_url]


class CloudClient:
    def __init__(
        self,
        access: CloudAccess,
        platform: PlatformHttp,
        *,
        base_url: str,
        scope: str,
        limits: Limits,
        headers: Mapping[str, str] | None = None,
        refresh: Callable[[Tokens], Tokens] | None = None,
        buckets: Mapping[str, Limits] | None = None,
    ) -> None:
        """``buckets`` are the platform's narrower limits inside the tenant's (QuickBooks:
        40 batch calls a minute within its 500): a request naming one takes a slot of
        both, in the shared scope ``<scope>/<bucket>``."""
        self._access = access
        self._platform = platform
        self._scope = scope
        self._limits = limits
        self._buckets = dict(buckets or {})
        self._refresh = refresh or (lambda tokens: oauth.refresh(access.app, tokens))
        self._http = _pooled(base_url)
        self._headers = {**platform.headers, **(headers or {})}
        self._stored: StoredTokens | None = None
        self.calls = 0  # how many requests this client sent (benchmarks report it)

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        content: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        files: Mapping[str, Any] | None = None,
        bucket: str | None = None,
    ) -> httpx.Response:
        """Send one request; return the answer if it is a success (2xx, or 304 to a
        conditional read), else raise its classified ``ConnectorError``. ``files`` is a
        multipart body (httpx's ``files``); ``bucket`` one of the client's ``buckets``."""
        body = _Body(params, json, content, headers, files, bucket)
        stored = self._fresh_tokens()
        response = self._send(method, path, stored, body)
        if response.status_code == 401:  # revoked early, or rotated by another worker
            stored = self._rotate(stored)
            response = self._send(method, path, stored, body)
            if response.status_code == 401:
                error = classify(response, self._platform.read_problem, self._platform.name)
                self._access.tokens.deauthorize(error.message)
                raise FatalConnectorError(error.message)
        if response.is_success or response.status_code == 304:
            return response
        raise classify(response, self._platform.read_problem, self._platform.name)

    def _send(
        self,
        method: str,
        path: str,
        stored: StoredTokens,
        body: _Body,
    ) -> httpx.Response:
        with ExitStack() as slots:
            slots.enter_context(self._access.limiter.slot(self._scope, self._limits))
            if body.bucket is not None:
                limits = self._buckets[body.bucket]
                slots.enter_context(
                    self._access.limiter.slot(f"{self._scope}/{body.bucket}", limits)
                )
            self.calls += 1
            try:
                response = self._http.request(
                    method,
                    path,
                    params=body.params,
                    json=body.json,
                    content=body.content,
                    files=body.files,
                    headers={
                        **self._headers,
                        **(body.headers or {}),
                        "Authorization": f"Bearer {stored.tokens.access_token}",
                    },
                )
            except httpx.HTTPError as error:
                raise transport_error(error, self._platform.name) from error
        observed = observed_from(
            response.headers,
            minute_header=self._platform.minute_header,
            day_header=self._platform.day_header,
        )
        if response.status_code == 429:  # every worker backs off, not only this one
            observed = replace(observed, retry_after=observed.retry_after or 60.0)
        else:
            observed = replace(observed, retry_after=None)
        if observed != Observed():
            self._access.limiter.observe(self._scope, self._limits, observed)
        return response

    def _fresh_tokens(self) -> StoredTokens:
        stored = self._stored or self._access.tokens.current()
        if stored.tokens.expiring():
            stored = self._rotate(stored)
        self._stored = stored
        return stored

    def _rotate(self, seen: StoredTokens) -> StoredTokens:
        self._stored = self._access.tokens.rotate(seen, self._refresh)
        return self._stored
