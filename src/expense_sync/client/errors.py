"""Errors the SDK raises. One root, so ``except ExpenseSyncError`` catches them all::

    ExpenseSyncError
    ├── APIError                 the server answered with a status it does not succeed with
    │   ├── ErrorMessage         ... and the contract's ErrorMessage body (``.data``)
    │   └── SDKError             ... and anything else (a proxy's HTML page, an empty body)
    ├── SyncTimeout              wait_for_sync gave up before the sync finished
    └── WebhookVerificationError a webhook's signature or timestamp did not check out

A connection error that outlives the retries is raised as httpx raised it
(``httpx.TransportError``): the SDK does not hide which network failure it was.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import httpx
from pydantic import ValidationError

from expense_sync.client.models._base import Model, Validation

if TYPE_CHECKING:
    from expense_sync.client.models.expenses import CompanySyncStatus


class ErrorMessageData(Model):
    """The contract's error body."""

    status_code: int
    service: str | None = None
    error: str = ""
    correlation_id: str | None = None
    validation: Validation | None = None
    can_be_retried: str | None = None
    detailed_error_code: int | None = None


class ExpenseSyncError(Exception):
    """Root of every error the SDK raises."""


class APIError(ExpenseSyncError):
    """An HTTP answer the call does not succeed with."""

    def __init__(self, message: str, raw_response: httpx.Response) -> None:
        super().__init__(message)
        self.message = message
        self.raw_response = raw_response
        self.status_code = raw_response.status_code


class ErrorMessage(APIError):
    """The server's ``ErrorMessage``: ``.data`` has the status code, the error, the
    correlation id to quote to support, and per-field ``validation`` errors."""

    def __init__(self, data: ErrorMessageData, raw_response: httpx.Response) -> None:
        super().__init__(data.error, raw_response)
        self.data = data

    def __str__(self) -> str:
        lines = [f"{self.data.status_code} {self.data.error}"]
        for item in (self.data.validation.errors or []) if self.data.validation else []:
            lines.append(f"  {item.item_id}: {item.message}")
        if self.data.correlation_id:
            lines.append(f"  (correlation id {self.data.correlation_id})")
        return "\n".join(lines)


class SDKError(APIError):
    """An error answer that is not the contract's ErrorMessage; ``body`` is its text."""

    def __init__(self, message: str, raw_response: httpx.Response) -> None:
        super().__init__(message, raw_response)
        self.body = raw_response.text

    def __str__(self) -> str:
        body = self.body if len(self.body) <= 500 else self.body[:500] + "…"
        return f"{self.message}: status {self.status_code}" + (f", body: {body}" if body else "")


class SyncTimeout(ExpenseSyncError):
    """The sync was still running when ``wait_for_sync`` ran out of time."""

    def __init__(self, last: CompanySyncStatus, timeout: float) -> None:
        super().__init__(
            f"sync {last.sync_id} still {last.sync_status!r} after {timeout:g} s; "
            "it goes on in the background: wait again or check its status later"
        )
        self.last = last


class WebhookVerificationError(ExpenseSyncError):
    """A webhook whose signature, id or timestamp does not check out: do not trust it."""


def error_for(response: httpx.Response) -> APIError:
    """The error to raise for an unsuccessful answer."""
    try:
        body: Any = json.loads(response.content)
    except ValueError:
        body = None
    if isinstance(body, dict) and "statusCode" in body and "error" in body:
        try:
            return ErrorMessage(ErrorMessageData.model_validate(body), response)
        except ValidationError:
            pass
    return SDKError("API error occurred", response)
