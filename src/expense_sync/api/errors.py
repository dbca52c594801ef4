"""Every error leaves the API as Codat's ``ErrorMessage``, from this one module."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.exc import IntegrityError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from expense_sync.api.codat_statuses import codat_status
from expense_sync.api.correlation import current_correlation_id
from expense_sync.connectors.base import ConnectorError, RetriableConnectorError
from expense_sync.domain.errors import (
    Conflict,
    ExpenseSyncError,
    InvalidRequest,
    NotFound,
    Problem,
    QuotaExceeded,
    Unauthorized,
    Unprocessable,
)

log = logging.getLogger("expense_sync.errors")


class ValidationItem(BaseModel):
    itemId: str | None = None
    message: str | None = None
    validatorName: str | None = None


class Validation(BaseModel):
    errors: list[ValidationItem] | None = None
    warnings: list[ValidationItem] | None = None


class ErrorMessage(BaseModel):
    """Codat's error body."""

    model_config = ConfigDict(json_schema_extra={"title": "Error message"})

    statusCode: int
    service: str = "expense-sync"
    error: str
    correlationId: str
    validation: Validation | None = None
    canBeRetried: str = Field("False", description="'True' if the error was transient.")
    detailedErrorCode: int = 0


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorMessage, "description": description}
    for code, description in {
        400: "The request is not valid; `validation.errors` names each field.",
        401: "No API key, or one that is not valid.",
        404: "The resource does not exist for this client.",
        409: "The request clashes with the resource's current state or a limit.",
        422: "Well-formed, but cannot be done now (e.g. the connection is not linked).",
        429: "A quota is spent; wait `Retry-After` seconds.",
        503: "The accounting platform could not be reached; `canBeRetried` is 'True'.",
    }.items()
}

UNREADABLE_BODY = "There was an error parsing the body"  # FastAPI's words

_STATUS = {
    Unauthorized: 401,
    NotFound: 404,
    InvalidRequest: 400,
    Conflict: 409,
    Unprocessable: 422,
    QuotaExceeded: 429,
}


def error_message(
    status: int, message: str, problems: list[Problem] | None = None, *, retryable: bool = False
) -> ErrorMessage:
    """Codat's error body for this request (its correlation id included)."""
    validation = None
    if problems:
        items = [
            ValidationItem(itemId=p.item, message=p.message, validatorName=p.validator)
            for p in problems
        ]
        validation = Validation(errors=items, warnings=[])
    return ErrorMessage(
        statusCode=status,
        error=message,
        correlationId=current_correlation_id(),
        validation=validation,
        canBeRetried="True" if retryable else "False",
    )


def error_body(status: int, message: str, retryable: bool) -> bytes:
    """An ErrorMessage as bytes, for the middleware that answers outside any route."""
    return error_message(status, message, retryable=retryable).model_dump_json().encode()


def error_response(
    status: int,
    message: str,
    problems: list[Problem] | None = None,
    *,
    retryable: bool = False,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body = error_message(status, message, problems, retryable=retryable)
    return JSONResponse(body.model_dump(mode="json"), status_code=status, headers=headers)


def _field_name(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or "body"


def _validation_problems(error: RequestValidationError) -> list[Problem]:
    problems = []
    for item in error.errors():
        name = _field_name(tuple(item.get("loc", ())))
        kind = item.get("type", "")
        if kind == "json_invalid":
            position = name if name.isdigit() else "?"
            name = "body"
            detail = item.get("ctx", {}).get("error", "check quotes, commas and brackets")
            message = f"The request body is not valid JSON (character {position}): {detail}."
        elif kind == "extra_forbidden":
            message = f"{name} is not a field of this request; remove it."
        elif kind in ("model_attributes_type", "dict_type") and name == "body":
            message = "Send a JSON object in the body, with Content-Type: application/json."
        elif kind == "uuid_parsing":
            message = f"{name} must be a UUID such as 3fa85f64-5717-4562-b3fc-2c963f66afa6."
        else:
            message = f"{name}: {item.get('msg', 'is not valid')}"
        problems.append(Problem(name, message, "request-schema"))
    return problems


def _operation(request: Request) -> str:
    """``"METHOD /path/{template}"`` of the route that took the request ("" if none)."""
    route = request.scope.get("route")
    path = getattr(route, "path", None)
    return f"{request.method} {path}" if path else ""


def _malformed_path_ids(error: RequestValidationError) -> list[Problem]:
    """The path parameters that cannot name anything (``/companies/not-a-uuid``): Codat
    declares 404 for an id that names nothing, and no 400, on operations by id, so such a
    request is answered 404, naming the parameter and the form its value must take."""
    problems = []
    for item in error.errors():
        loc = tuple(item.get("loc", ()))
        if not loc or loc[0] != "path":
            continue
        name = _field_name(loc)
        shown = str(item.get("input", ""))[:100]
        if item.get("type") == "uuid_parsing":
            form = "a UUID such as 3fa85f64-5717-4562-b3fc-2c963f66afa6"
        else:
            form = item.get("msg", "a valid value").removeprefix("Input should be ")
        message = f"{name} '{shown}' names nothing: {name} must be {form}."
        problems.append(Problem(name, message, "request-schema"))
    return problems


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ExpenseSyncError)
    async def domain_error(request: Request, error: ExpenseSyncError) -> JSONResponse:
        status = next(code for kind, code in _STATUS.items() if isinstance(error, kind))
        status = codat_status(_operation(request), status)
        problems = error.problems if isinstance(error, InvalidRequest) else None
        headers = (
            {"Retry-After": str(error.retry_after)} if isinstance(error, QuotaExceeded) else None
        )
        return error_response(status, error.message, problems, headers=headers)

    @app.exception_handler(ConnectorError)
    async def connector_error(_: Request, error: ConnectorError) -> JSONResponse:
        if isinstance(error, RetriableConnectorError):
            return error_response(503, error.message, retryable=True)
        named = error.field is not None  # "" is a field too: a JSON key may be empty
        problems = [Problem(error.field or "", error.message, "connector")] if named else None
        return error_response(400, error.message, problems)

    @app.exception_handler(IntegrityError)
    async def integrity_error(_: Request, error: IntegrityError) -> JSONResponse:
        log.warning("integrity error (correlationId %s): %s", current_correlation_id(), error)
        return error_response(
            409, "The request clashed with a concurrent change; send it again.", retryable=True
        )

    @app.exception_handler(OperationalError)
    async def busy_database(_: Request, error: OperationalError) -> JSONResponse:
        log.warning("database busy (correlationId %s): %s", current_correlation_id(), error)
        return error_response(
            503,
            "The database is busy; try again in a moment.",
            retryable=True,
            headers={"Retry-After": "1"},
        )

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_: Request, error: RequestValidationError) -> JSONResponse:
        not_found = _malformed_path_ids(error)
        if not_found:
            return error_response(404, " ".join(p.message for p in not_found), not_found)
        problems = _validation_problems(error)
        summary = "; ".join(p.message for p in problems[:3])
        return error_response(400, f"The request is not valid: {summary}", problems)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, error: StarletteHTTPException) -> JSONResponse:
        if error.status_code == 400 and error.detail == UNREADABLE_BODY:
            # FastAPI's own answer to a body it cannot decode (not UTF-8, say): name it.
            message = (
                "The request body could not be read: send JSON encoded as UTF-8, with "
                "Content-Type: application/json."
            )
            return error_response(400, message, [Problem("body", message, "request-schema")])
        message = {404: "No such endpoint.", 405: "This method is not allowed here."}.get(
            error.status_code, str(error.detail)
        )
        return error_response(error.status_code, message, headers=dict(error.headers or {}))
