"""Request dependencies: the runtime, the unit of work, and the authenticated caller."""

from __future__ import annotations

import base64
import binascii
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request, Response
from fastapi.security import APIKeyHeader

from expense_sync.api.runtime import Runtime
from expense_sync.domain.errors import Unauthorized
from expense_sync.services.clients import authenticate
from expense_sync.services.quotas import count_request
from expense_sync.storage.uow import UnitOfWork

auth_header = APIKeyHeader(
    name="Authorization",
    scheme_name="auth_header",
    description='The word "Basic", a space, and your API key encoded in base64.',
    auto_error=False,
)


def get_runtime(request: Request) -> Runtime:
    runtime = request.app.state.runtime
    assert isinstance(runtime, Runtime)
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


def get_uow(runtime: RuntimeDep) -> Iterator[UnitOfWork]:
    """One database transaction per request; endpoints commit, anything else rolls back."""
    with UnitOfWork(runtime.session_factory) as uow:
        yield uow


# scope="function": the session closes when the endpoint returns, before the response is
# sent, so no connection outlives its request (not even when the server is shutting down).
UowDep = Annotated[UnitOfWork, Depends(get_uow, scope="function")]


@dataclass(frozen=True)
class Caller:
    client_id: uuid.UUID


def api_key_from_header(value: str | None) -> str:
    if not value:
        raise Unauthorized(
            "Missing Authorization header: send 'Authorization: Basic <base64 of your API key>'."
        )
    scheme, _, credential = value.strip().partition(" ")
    if scheme.lower() != "basic" or not credential.strip():
        raise Unauthorized("Authorization must be 'Basic <base64 of your API key>'.")
    credential = credential.strip()
    try:
        decoded = base64.b64decode(credential, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        decoded = ""
    return decoded or credential


def get_caller(
    runtime: RuntimeDep,
    response: Response,
    authorization: Annotated[str | None, Depends(auth_header)],
) -> Caller:
    key = api_key_from_header(authorization)
    with UnitOfWork(runtime.session_factory) as uow:
        client_id = authenticate(uow.session, key)
        quota = count_request(uow.session, client_id, runtime.settings.daily_quota)
        uow.commit()
    response.headers["X-Rate-Limit-Limit"] = str(quota.limit)
    response.headers["X-Rate-Limit-Remaining"] = str(quota.remaining)
    response.headers["X-Rate-Limit-Reset"] = quota.resets_at.isoformat().replace("+00:00", "Z")
    return Caller(client_id)


CallerDep = Annotated[Caller, Depends(get_caller)]


def company_slot(companyId: uuid.UUID, runtime: RuntimeDep, caller: CallerDep) -> Iterator[None]:
    """Holds one of the caller's concurrent-request slots for this company while the
    request runs. Slots are per (client, company), so another client's requests, which
    will 404, never use up the owner's."""
    with runtime.concurrency.hold((caller.client_id, companyId)):
        yield


CompanySlot = Depends(company_slot, scope="function")
