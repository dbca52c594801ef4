"""Holding every request and response to Xero's published OpenAPI files, with openapi-core.

The sandbox exists so the connector is tested against Xero's contract, not against our own
idea of it; so a message that breaks the contract is refused (400 for a request, 500 for
the sandbox's own answer) and recorded, never just logged.

Four adjustments to the files as published, each because openapi-core cannot take them
as they are or Xero behaves otherwise, none loosening a schema of a JSON body:

- spec validation of the documents is off: Xero's file has defaults of the wrong type
  (``HasAttachments: default "false"`` on a boolean), which the strict checker refuses;
- ``security`` is dropped: openapi-core cannot check OAuth 2.0 and warns on every call;
  the sandbox checks bearer tokens itself (``identity.py``);
- attachment uploads are declared ``application/octet-stream`` with ``format: byte``
  (base64 text) while Xero takes, and its SDKs send, the raw file; they are read as
  ``format: binary``, which is what OpenAPI 3.0 says a raw octet-stream body is;
- the identity file declares only ``/Connections`` and the token schemas, so the token
  and revocation operations are added from those schemas (``AccessToken``,
  ``RefreshToken``) with Xero's ``{"error": ...}`` body for refusals.
"""

from __future__ import annotations

import copy
import functools
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from openapi_core import Config, OpenAPI
from openapi_core.datatypes import RequestParameters
from openapi_core.templating.responses.exceptions import ResponseNotFound
from openapi_schema_validator import OAS30Validator
from werkzeug.datastructures import Headers, ImmutableMultiDict

ACCOUNTING_PREFIX = "/api.xro/2.0"
# The hosts the published files name; requests are matched as if they came there.
_ACCOUNTING_HOST = "https://api.xero.com"

# Statuses Xero answers on every operation without declaring them per operation (auth,
# limits, outages). Their bodies are Xero's own shapes, so a missing declaration is not
# a violation; a declared status with a wrong body is.
UNDECLARED_STATUSES = frozenset({401, 403, 404, 405, 413, 415, 429, 500, 503})


def reference_dir() -> Path:
    """Where Xero's files are: ``XERO_SANDBOX_SPEC_DIR`` or the project's shared reference."""
    configured = os.environ.get("XERO_SANDBOX_SPEC_DIR")
    if configured:
        return Path(configured)
    for parent in Path(__file__).resolve().parents:
        candidate = parent / "shared" / "reference" / "xero"
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(
        "Xero's OpenAPI files (xero_accounting.yaml, xero-identity.yaml) were not found in a "
        "shared/reference/xero folder above the sandbox; name their folder with "
        "XERO_SANDBOX_SPEC_DIR"
    )


@dataclass
class Message:
    """A request as openapi-core's ``Request`` protocol reads it."""

    method: str
    path: str
    query: ImmutableMultiDict[str, str]
    headers: Headers
    body: bytes | None
    content_type: str
    host_url: str = _ACCOUNTING_HOST
    parameters: RequestParameters = field(init=False)

    def __post_init__(self) -> None:
        self.parameters = RequestParameters(
            query=self.query, header=self.headers, cookie=ImmutableMultiDict()
        )


@dataclass(frozen=True)
class Answer:
    status_code: int
    data: bytes
    content_type: str
    headers: Headers


def _load(name: str) -> dict[str, Any]:
    with (reference_dir() / name).open("rb") as handle:
        loaded: dict[str, Any] = yaml.load(
            handle, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        )
    return loaded


def _without_security(document: dict[str, Any]) -> dict[str, Any]:
    document = copy.deepcopy(document)
    document.pop("security", None)
    document.get("components", {}).pop("securitySchemes", None)
    for item in document["paths"].values():
        for operation in item.values():
            if isinstance(operation, dict):
                operation.pop("security", None)
    return document


def _token_operations(document: dict[str, Any]) -> None:
    """Add ``/connect/token`` and ``/connect/revocation`` built from the file's own schemas."""
    error = {
        "description": "OAuth 2.0 error (RFC 6749 section 5.2), as Xero sends it",
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "required": ["error"],
                    "properties": {"error": {"type": "string"}},
                }
            }
        },
    }
    form = {"application/x-www-form-urlencoded": {"schema": {"type": "object"}}}
    document["paths"]["/connect/token"] = {
        "post": {
            "operationId": "token",
            "requestBody": {
                "required": True,
                "content": {
                    "application/x-www-form-urlencoded": {
                        "schema": {
                            "allOf": [{"$ref": "#/components/schemas/RefreshToken"}],
                            "required": ["grant_type"],
                            "properties": {
                                "code": {"type": "string"},
                                "redirect_uri": {"type": "string"},
                                "code_verifier": {"type": "string"},
                            },
                        }
                    }
                },
            },
            "responses": {
                "200": {
                    "description": "tokens",
                    "content": {
                        "application/json": {
                            "schema": {
                                "allOf": [{"$ref": "#/components/schemas/AccessToken"}],
                                "required": ["access_token", "expires_in", "token_type"],
                            }
                        }
                    },
                },
                "400": error,
                "401": error,
            },
        }
    }
    document["paths"]["/connect/revocation"] = {
        "post": {
            "operationId": "revokeToken",
            "requestBody": {"required": True, "content": form},
            "responses": {"200": {"description": "revoked"}, "400": error, "401": error},
        }
    }


def _raw_uploads(document: dict[str, Any]) -> dict[str, Any]:
    for item in document["paths"].values():
        for operation in item.values():
            body = operation.get("requestBody") if isinstance(operation, dict) else None
            raw = (body or {}).get("content", {}).get("application/octet-stream")
            if raw and raw.get("schema", {}).get("format") == "byte":
                raw["schema"] = {**raw["schema"], "format": "binary"}
    return document


@functools.cache
def accounting_document() -> dict[str, Any]:
    """Xero's Accounting API file as the sandbox holds messages to (see the module doc)."""
    return _raw_uploads(_without_security(_load("xero_accounting.yaml")))


@functools.cache
def accounting_api() -> OpenAPI:
    return OpenAPI.from_dict(accounting_document(), config=Config(spec_validator_cls=None))


@functools.cache
def _error_validator() -> OAS30Validator:
    """Xero's ``Error`` schema, for the 400s Xero sends where the file declares none (a
    ``where`` it cannot read on a GET): such an answer must still be Xero's error body."""
    root = {
        "$ref": "#/components/schemas/Error",
        "components": accounting_document()["components"],
    }
    return OAS30Validator(root)


def _undeclared_error(answer: Answer) -> str | None:
    try:
        body = json.loads(answer.data)
    except ValueError:
        return "an undeclared 400 must carry Xero's Error body as JSON"
    problems = [_short(e.message) for e in _error_validator().iter_errors(body)]
    if not isinstance(body, dict) or "Message" not in body:
        problems.append("Message is required in Xero's Error body")
    return "; ".join(problems) or None


@functools.cache
def identity_api() -> OpenAPI:
    document = _without_security(_load("xero-identity.yaml"))
    _token_operations(document)
    return OpenAPI.from_dict(document, config=Config(spec_validator_cls=None))


def spec_path(path: str) -> tuple[OpenAPI, str] | None:
    """The document that governs ``path`` and the path as that document spells it."""
    if path.startswith(ACCOUNTING_PREFIX + "/"):
        return accounting_api(), path
    if path in ("/connect/token", "/connect/revocation"):
        return identity_api(), path
    if path == "/connections" or path.startswith("/connections/"):
        # Xero serves /connections; its file spells it /Connections.
        return identity_api(), "/C" + path[2:]
    return None


def _describe(error: Exception) -> str:
    """The schema errors under openapi-core's wrapper (path in the body and message), which
    say what to fix; openapi-core's own summary repeats the whole value."""
    cause: BaseException | None = error
    while cause is not None:
        schema_errors = getattr(cause, "schema_errors", None)
        if schema_errors:
            found = []
            for schema_error in schema_errors:
                where = "/".join(str(p) for p in schema_error.absolute_path) or "(root)"
                found.append(f"{where}: {_short(schema_error.message)}")
            return f"{type(error).__name__}: " + "; ".join(found)
        cause = cause.__cause__
    chain = [str(error)]
    cause = error.__cause__
    while cause is not None:
        chain.append(str(cause))
        cause = cause.__cause__
    return _short("; ".join(dict.fromkeys(chain)), 1000)


def _short(text: str, limit: int = 300) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def request_errors(message: Message) -> str | None:
    """Why ``message`` breaks Xero's spec, or None when it keeps it (or no spec covers it)."""
    found = spec_path(message.path)
    if found is None:
        return None
    api, path = found
    spelled = Message(
        message.method, path, message.query, message.headers, message.body, message.content_type
    )
    try:
        api.validate_request(spelled)
    except Exception as error:  # openapi-core raises one tree of errors; all mean "refused"
        return _describe(error)
    return None


def response_errors(message: Message, answer: Answer) -> str | None:
    """Why the sandbox's own ``answer`` breaks Xero's spec, or None."""
    found = spec_path(message.path)
    if found is None:
        return None
    api, path = found
    spelled = Message(
        message.method, path, message.query, message.headers, message.body, message.content_type
    )
    try:
        api.validate_response(spelled, answer)
    except ResponseNotFound:
        if answer.status_code in UNDECLARED_STATUSES:
            return None
        if answer.status_code == 400 and path.startswith(ACCOUNTING_PREFIX):
            return _undeclared_error(answer)
        return f"status {answer.status_code} is not declared for {message.method.upper()} {path}"
    except Exception as error:
        return _describe(error)
    return None
