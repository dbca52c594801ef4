"""Operations declared as data: each resource group is a table of ``Endpoint``s.

An endpoint knows its method, path template, query parameters, body type and response
type; ``ResourceGroup`` subclasses list them (see resources.py), and each declaration
yields a sync method and its ``_async`` twin from the same ``Endpoint``, so the 21 groups
share one implementation of argument handling, serialisation and decoding.

Two calling conventions, both keyword-only::

    sdk.expenses.create(company_id=..., request=[{...}], retries=..., timeout_ms=...)
    sdk.expenses.create(request={"company_id": ..., "request_body": [{...}]})  # Codat's

- path parameters and query parameters are keyword arguments in snake_case
  (``company_id``, ``page_size``, ``order_by``), and ``request`` is the body: a typed model
  or plain data (dicts in snake_case or camelCase); plain data is validated into the
  model, so a missing required field fails here, before anything is sent;
- or, as in Codat's SDK, when no path or query parameter is passed as a keyword, an
  operation that has any takes them all in ``request`` with the body under its
  ``body_field`` (see _requests.py);
- ``retries``, ``timeout_ms`` override the client's for this call; ``idempotency_key``
  replaces the key the SDK would draw (e.g. one your own system already stores).
"""

from __future__ import annotations

import functools
import os
import re
import uuid
from collections.abc import Awaitable, Callable, Mapping
from contextlib import ExitStack
from dataclasses import dataclass
from typing import IO, Any, Generic, TypeVar, cast, overload
from urllib.parse import quote

import httpx
from pydantic import TypeAdapter

from expense_sync.client._requests import codat_file, fields_of, plain
from expense_sync.client._transport import Core, Files, Prepared
from expense_sync.client.paging import Page, PageEnvelope
from expense_sync.client.retries import RetryConfig

T = TypeVar("T")
Item = TypeVar("Item")
WRITES = frozenset({"POST", "PUT", "PATCH"})
LIST_QUERY = ("page", "pageSize", "query", "orderBy")
OPTIONS = frozenset({"request", "retries", "timeout_ms", "idempotency_key"})


def snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


@dataclass(frozen=True)
class Upload:
    """A file to upload: a path, an open binary file or bytes. Files are streamed from
    disk, never read whole into memory."""

    source: str | os.PathLike[str] | IO[bytes] | bytes
    filename: str | None = None
    content_type: str = "application/octet-stream"

    def files(self, field: str) -> Callable[[ExitStack], Files]:
        """A fresh multipart part for each attempt: a path is re-opened (and closed after
        the attempt), a file object rewound to where it was when the call began."""
        source = self.source
        if isinstance(source, bytes):
            name = self.filename or "upload"
            return lambda _: {field: (name, source, self.content_type)}
        if isinstance(source, str | os.PathLike):
            path = os.fspath(source)
            name = self.filename or os.path.basename(path)
            return lambda opened: {
                field: (name, opened.enter_context(open(path, "rb")), self.content_type)
            }
        stream, start = source, source.tell() if source.seekable() else None
        name = self.filename or os.path.basename(str(getattr(source, "name", "upload")))

        def rewound(_: ExitStack) -> Files:
            if start is not None:
                stream.seek(start)
            return {field: (name, stream, self.content_type)}

        return rewound


@dataclass(frozen=True)
class Endpoint(Generic[T]):
    method: str
    path: str
    returns: TypeAdapter[T] | None
    body: TypeAdapter[Any] | None = None
    query: tuple[str, ...] = ()
    upload_field: str | None = None
    # The body's name inside a Codat-style request: Codat's SDK names it after its type.
    body_field: str = "request_body"

    @functools.cached_property
    def path_names(self) -> dict[str, str]:
        return {snake(name): name for name in re.findall(r"{(\w+)}", self.path)}

    @functools.cached_property
    def query_names(self) -> dict[str, str]:
        return {snake(name): name for name in self.query}

    @property
    def takes_envelope(self) -> bool:
        """Whether Codat's SDK wraps this call's arguments in one request object."""
        return bool(self.path_names or self.query_names)

    def unpack(self, request: Any) -> tuple[Any, dict[str, Any]]:
        """A Codat-style request split into the body and the path and query parameters."""
        where = f"{self.method} {self.path}"
        by_wire = {wire: name for name, wire in {**self.path_names, **self.query_names}.items()}
        body, params, unknown = None, {}, []
        for key, value in fields_of(request, where).items():
            name = by_wire.get(key, key)
            if name in self.path_names or name in self.query_names:
                if value is not None:
                    params[name] = value
            elif name == self.body_field and (self.body is not None or self.upload_field):
                body = value
            else:
                unknown.append(key)
        if unknown:
            raise TypeError(
                f"{where}: unexpected field(s) {sorted(unknown)} in request; it takes: "
                f"{', '.join(self._argument_names(with_body=True))}"
            )
        return body, params

    def _argument_names(self, *, with_body: bool = False) -> list[str]:
        names = [*self.path_names, *self.query_names]
        if with_body and (self.body is not None or self.upload_field):
            names.append(self.body_field)
        return names

    def prepare(
        self, request: Any, params: Mapping[str, Any], idempotency_key: str | None
    ) -> Prepared:
        query = self.query_names
        unknown = set(params) - set(self.path_names) - set(query)
        missing = set(self.path_names) - set(params)
        if unknown or missing:
            expected = ", ".join(self._argument_names()) or "none"
            raise TypeError(
                f"{self.method} {self.path}: unexpected {sorted(unknown)} / missing "
                f"{sorted(missing)} argument(s); it takes: {expected}, as keyword arguments "
                f"or, as in Codat's SDK, inside request={{...}}"
            )
        path = self.path
        for argument, name in self.path_names.items():
            path = path.replace(f"{{{name}}}", quote(str(params[argument]), safe=""))
        wire_query = {
            name: _query_value(params[argument])
            for argument, name in query.items()
            if params.get(argument) is not None
        }
        headers: dict[str, str] = {}
        if self.method in WRITES:
            headers["Idempotency-Key"] = idempotency_key or str(uuid.uuid4())
        content, files = None, None
        if self.upload_field is not None:
            upload = _upload(request, f"{self.method} {self.path}")
            files = upload.files(self.upload_field)
            # One boundary for every attempt, so a retry's bytes match the first attempt's.
            headers["Content-Type"] = f"multipart/form-data; boundary={uuid.uuid4().hex}"
        elif request is not None:
            if self.body is None:
                raise TypeError(f"{self.method} {self.path} takes no request body")
            value = self.body.validate_python(plain(request))
            content = self.body.dump_json(value, by_alias=True, exclude_unset=True)
            headers["Content-Type"] = "application/json"
        return Prepared(self.method, path, wire_query, headers, content, files)

    def decode(self, response: httpx.Response) -> T:
        if self.returns is None or not response.content:
            return None  # type: ignore[return-value]  # declared as Endpoint[None]
        return self.returns.validate_json(response.content)


def _upload(request: Any, where: str) -> Upload:
    if isinstance(request, Upload):
        return request
    codat = codat_file(request, where)
    if codat is None:
        return Upload(request)
    name, content, content_type = codat
    return Upload(content, filename=name, content_type=content_type)


def _query_value(value: Any) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


class ResourceGroup:
    """A tag of the API. Its operations are declared as class attributes."""

    def __init__(self, core: Core) -> None:
        self._core = core


class _Descriptor(Generic[T]):
    def __init__(self, endpoint: Endpoint[Any]) -> None:
        self.endpoint = endpoint

    def __set_name__(self, owner: type, name: str) -> None:
        self.__doc__ = f"{self.endpoint.method} {self.endpoint.path}"

    @overload
    def __get__(self, group: None, owner: type) -> _Descriptor[T]: ...
    @overload
    def __get__(self, group: ResourceGroup, owner: type) -> Callable[..., T]: ...
    def __get__(self, group: ResourceGroup | None, owner: type) -> Any:
        if group is None:
            return self
        return functools.partial(self.call, group._core)

    def call(self, core: Core, **kwargs: Any) -> T:
        raise NotImplementedError

    def _send_args(
        self, kwargs: dict[str, Any]
    ) -> tuple[Prepared, RetryConfig | None, int | None, dict[str, Any]]:
        options = {name: kwargs.pop(name, None) for name in OPTIONS}
        if options["request"] is not None and not kwargs and self.endpoint.takes_envelope:
            # Codat's style: normalised to keywords, which later pages re-send as such.
            options["request"], kwargs = self.endpoint.unpack(options["request"])
        prepared = self.endpoint.prepare(options["request"], kwargs, options["idempotency_key"])
        return prepared, options["retries"], options["timeout_ms"], {**options, **kwargs}


class Operation(_Descriptor[T]):
    def call(self, core: Core, **kwargs: Any) -> T:
        prepared, retries, timeout_ms, _ = self._send_args(kwargs)
        return cast(T, self.endpoint.decode(core.send(prepared, retries, timeout_ms)))


class AsyncOperation(_Descriptor[Awaitable[T]]):
    async def call(self, core: Core, **kwargs: Any) -> T:
        prepared, retries, timeout_ms, _ = self._send_args(kwargs)
        response = await core.send_async(prepared, retries, timeout_ms)
        return cast(T, self.endpoint.decode(response))


class PagedOperation(_Descriptor[Page[Item]]):
    def call(self, core: Core, **kwargs: Any) -> Page[Item]:
        prepared, retries, timeout_ms, arguments = self._send_args(kwargs)
        envelope = self.endpoint.decode(core.send(prepared, retries, timeout_ms))
        return Page(envelope, fetch=lambda number: self.call(core, **{**arguments, "page": number}))


class AsyncPagedOperation(_Descriptor[Awaitable[Page[Item]]]):
    async def call(self, core: Core, **kwargs: Any) -> Page[Item]:
        prepared, retries, timeout_ms, arguments = self._send_args(kwargs)
        envelope = self.endpoint.decode(await core.send_async(prepared, retries, timeout_ms))

        async def fetch(number: int) -> Page[Item]:
            return await self.call(core, **{**arguments, "page": number})

        return Page(envelope, fetch_async=fetch)


# -- declaring operations ------------------------------------------------------------------


def _adapter(kind: Any) -> TypeAdapter[Any] | None:
    return None if kind is None else TypeAdapter(kind)


@overload
def operation(
    method: str,
    path: str,
    returns: None,
    body: Any = None,
    query: tuple[str, ...] = (),
    body_field: str = "request_body",
) -> tuple[Operation[None], AsyncOperation[None]]: ...
@overload
def operation(
    method: str,
    path: str,
    returns: type[T],
    body: Any = None,
    query: tuple[str, ...] = (),
    body_field: str = "request_body",
) -> tuple[Operation[T], AsyncOperation[T]]: ...
def operation(
    method: str,
    path: str,
    returns: Any,
    body: Any = None,
    query: tuple[str, ...] = (),
    body_field: str = "request_body",
) -> tuple[Operation[Any], AsyncOperation[Any]]:
    """A call and its ``_async`` twin. ``returns=None`` for calls that return nothing;
    ``body_field`` is the body's name in Codat's request object for this call."""
    endpoint: Endpoint[Any] = Endpoint(
        method, path, _adapter(returns), _adapter(body), query, body_field=body_field
    )
    return Operation(endpoint), AsyncOperation(endpoint)


def upload(
    path: str, returns: type[T], field: str = "file", body_field: str = "attachment_upload"
) -> tuple[Operation[T], AsyncOperation[T]]:
    """A multipart upload; ``request`` is an ``Upload`` or a path, file object or bytes
    (or, in a Codat-style request, Codat's ``{"file": {"file_name", "content"}}``)."""
    endpoint: Endpoint[T] = Endpoint(
        "POST", path, TypeAdapter(returns), upload_field=field, body_field=body_field
    )
    return Operation(endpoint), AsyncOperation(endpoint)


def paged(
    path: str, item: type[Item], query: tuple[str, ...] = LIST_QUERY
) -> tuple[PagedOperation[Item], AsyncPagedOperation[Item]]:
    """A list: returns a ``Page`` that iterates every later page too."""
    envelope: Any = PageEnvelope[item]  # type: ignore[valid-type]
    endpoint: Endpoint[Any] = Endpoint("GET", path, TypeAdapter(envelope), query=query)
    return PagedOperation(endpoint), AsyncPagedOperation(endpoint)
