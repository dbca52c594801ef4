"""QuickBooks' wire forms: ``time`` stamps, ``Fault`` bodies with Intuit's codes, money."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from starlette.responses import Response

# Intuit's error codes the sandbox answers with (Intuit's "Error codes" page).
STALE_OBJECT = "5010"
BUSINESS_VALIDATION = "6000"
REQUIRED_PARAM = "2020"
INVALID_REFERENCE = "2500"
DUPLICATE_DOC_NUMBER = "6140"
OBJECT_NOT_FOUND = "610"
CLOSED_BOOKS = "6200"
INVALID_REQUEST = "2010"
QUERY_PARSER = "4000"
THROTTLED = "003001"
AUTH_FAILED = "3200"
AUTHORIZATION_FAILED = "003100"
SERVICE_UNAVAILABLE = "3001"
INTERNAL = "10000"


def now() -> str:
    """Intuit's ``time``: local time with its offset and milliseconds."""
    return datetime.now(UTC).isoformat(timespec="milliseconds")


class QboError(Exception):
    """A refusal QuickBooks answers with a ``Fault`` (raised by rules, caught by routes)."""

    def __init__(
        self,
        code: str,
        message: str,
        detail: str,
        *,
        element: str = "",
        status: int = 400,
        fault_type: str = "ValidationFault",
    ) -> None:
        super().__init__(f"{code} {message}: {detail}")
        self.code, self.message, self.detail = code, message, detail
        self.element, self.status, self.fault_type = element, status, fault_type

    def fault(self) -> dict[str, Any]:
        error: dict[str, Any] = {"Message": self.message, "Detail": self.detail, "code": self.code}
        if self.element:
            error["element"] = self.element
        return {"Error": [error], "type": self.fault_type}


def dumps(body: Any) -> bytes:
    return json.dumps(body, separators=(",", ":")).encode()


def answer(
    body: dict[str, Any], status: int = 200, headers: dict[str, str] | None = None
) -> Response:
    """A QuickBooks JSON answer: the body plus Intuit's ``time``."""
    return Response(
        dumps({**body, "time": now()}),
        status_code=status,
        media_type="application/json",
        headers=headers,
    )


def fault_answer(error: QboError, headers: dict[str, str] | None = None) -> Response:
    return answer({"Fault": error.fault()}, error.status, headers)


def throttled() -> QboError:
    return QboError(
        THROTTLED,
        "message=ThrottleExceeded; errorCode=003001; statusCode=429",
        "The request limit was reached.",
        status=429,
        fault_type="SERVICE",
    )


def unauthorized(detail: str) -> QboError:
    return QboError(
        AUTH_FAILED,
        "message=AuthenticationFailed; errorCode=003200; statusCode=401",
        detail,
        status=401,
        fault_type="AUTHENTICATION",
    )


def forbidden(realm_id: str) -> QboError:
    return QboError(
        AUTHORIZATION_FAILED,
        "message=ApplicationAuthorizationFailed; errorCode=003100; statusCode=403",
        f"The token does not authorise company {realm_id}.",
        status=403,
        fault_type="AUTHORIZATION",
    )


def money(value: object) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def number(value: Decimal) -> float | int:
    quantized = value.quantize(Decimal("0.01"))
    return int(quantized) if quantized == quantized.to_integral() else float(quantized)
