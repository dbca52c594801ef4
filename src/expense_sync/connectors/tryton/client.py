"""A small JSON-RPC client for trytond, classifying every failure once.

Endpoint ``<url>/<database>/rpc/``; ``common.db.login`` returns ``[user id, session]``;
later calls send ``Authorization: Session base64(login:user id:session)`` and call
``model.<model>.<method>`` with the context as the last parameter.

Values Tryton's JSON cannot carry natively travel as its tagged objects, both ways:
``{"__class__": "Decimal", "decimal": "12.50"}``, ``{"__class__": "date", ...}`` and
``{"__class__": "bytes", "base64": ...}``; ``encode`` and ``decode`` translate them to
``Decimal``, ``datetime.date`` and ``bytes``, so no caller handles the tags.
"""

from __future__ import annotations

import base64
import datetime as dt
import itertools
import json
from decimal import Decimal
from typing import Any

import httpx

from expense_sync.connectors.base import (
    FatalConnectorError,
    RetriableConnectorError,
    ValidationConnectorError,
)

_IDS = itertools.count(1)


class TrytonClient:
    def __init__(
        self, url: str, database: str, username: str, password: str, *, timeout: float = 30.0
    ) -> None:
        self.endpoint = f"{url.rstrip('/')}/{database}/rpc/"
        self.database, self.username, self.password = database, username, password
        self.timeout = timeout
        self._auth: dict[str, str] | None = None

    def login(self) -> None:
        result = self._post(
            "common.db.login",
            [self.username, {"password": self.password}, "en"],
            authenticated=False,
        )
        if not isinstance(result, list) or len(result) < 2:
            raise FatalConnectorError(
                f"Tryton refused the login of '{self.username}' to database "
                f"'{self.database}': check the user name and password.",
                field="password",
            )
        token = base64.b64encode(f"{self.username}:{result[0]}:{result[1]}".encode()).decode()
        self._auth = {"Authorization": f"Session {token}"}

    def call(
        self, model: str, method: str, *args: Any, context: dict[str, Any] | None = None
    ) -> Any:
        """``model.<model>.<method>(*args)``; ``context`` is Tryton's (e.g. the company whose
        defaults and multi-company values apply)."""
        if self._auth is None:
            self.login()
        try:
            return self._post(f"model.{model}.{method}", [*args, context or {}])
        except _SessionExpired:
            # Buttons such as ``post`` want a fresh session: log in again, once.
            self.login()
            return self._post(f"model.{model}.{method}", [*args, context or {}], retry=False)

    def _post(
        self, method: str, params: list[Any], *, authenticated: bool = True, retry: bool = True
    ) -> Any:
        payload = {"id": next(_IDS), "method": method, "params": encode(params)}
        headers = {"Content-Type": "application/json"}
        if authenticated and self._auth:
            headers |= self._auth
        try:
            response = httpx.post(
                self.endpoint,
                content=json.dumps(payload, separators=(",", ":")),
                headers=headers,
                timeout=self.timeout,
            )
        except (httpx.ConnectError, httpx.TimeoutException, httpx.RemoteProtocolError) as error:
            raise RetriableConnectorError(
                f"The Tryton server at {self.endpoint} cannot be reached ({type(error).__name__})"
                "; the operation will be retried."
            ) from error
        if response.status_code == 401 and authenticated and retry:
            raise _SessionExpired
        if response.status_code in (401, 403):
            raise FatalConnectorError(
                "Tryton refused the session: check the user name and password.", field="password"
            )
        if response.status_code == 404:
            raise FatalConnectorError(
                f"Tryton has no database '{self.database}' at this URL.", field="database"
            )
        if response.status_code >= 500 or response.status_code == 429:
            raise RetriableConnectorError(
                f"The Tryton server answered {response.status_code}; the operation will be retried."
            )
        try:
            body = json.loads(response.content, object_hook=decode)
        except ValueError:
            raise FatalConnectorError(
                f"{self.endpoint} did not answer as a Tryton JSON-RPC server.", field="url"
            ) from None
        if body.get("error"):
            raise _classify(body["error"])
        return body.get("result")


class _SessionExpired(Exception):
    pass


def encode(value: Any) -> Any:
    """``value`` with Decimal, date and bytes as Tryton's tagged JSON objects."""
    if isinstance(value, list | tuple):
        return [encode(item) for item in value]
    if isinstance(value, dict):
        return {key: encode(item) for key, item in value.items()}
    if isinstance(value, Decimal):
        return {"__class__": "Decimal", "decimal": format(value, "f")}
    if isinstance(value, dt.datetime):
        raise TypeError("datetimes are not sent to Tryton; send a date")
    if isinstance(value, dt.date):
        return {"__class__": "date", "year": value.year, "month": value.month, "day": value.day}
    if isinstance(value, bytes):
        return {"__class__": "bytes", "base64": base64.b64encode(value).decode()}
    return value


def decode(obj: dict[str, Any]) -> Any:
    """A ``json.loads`` object hook turning Tryton's tagged objects back into values."""
    kind = obj.get("__class__")
    if kind == "Decimal":
        return Decimal(obj["decimal"])
    if kind == "date":
        return dt.date(obj["year"], obj["month"], obj["day"])
    if kind == "bytes":
        return base64.b64decode(obj["base64"])
    return obj


def _classify(error: Any) -> Exception:
    kind = error[0] if isinstance(error, list) and error else "Error"
    detail = error[1] if isinstance(error, list) and len(error) > 1 else error
    if isinstance(detail, list):
        detail = " ".join(str(part) for part in detail if part)
    message = f"Tryton refused the request: {detail}".strip()
    if kind in ("UserError", "UserWarning", "AccessError"):
        return ValidationConnectorError(message)
    return FatalConnectorError(message)
