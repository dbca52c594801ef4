"""Business Central's API v2.0 as the connector uses it: one company's collections,
OData ``$filter`` look-ups, paging by ``@odata.nextLink``, JSON ``$batch`` (at most 100
requests, sent with ``Isolation: snapshot`` so a batch lands whole or not at all), and
attachment content; every call goes through the cloud kit's ``CloudClient``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx

from expense_sync.connectors.base.cloud import CloudClient

BATCH_MAX = 100  # BC's limit of requests in one $batch
FILTER_TERMS = 15  # keys per $filter look-up, keeping the URL short
_FIELD_WORDS = (
    ("g/l account", "accountRef"),
    ("account", "accountRef"),
    ("vendor", "contactRef"),
    ("dimension", "trackingRefs"),
    ("tax", "taxRateRef"),
    ("currency", "currency"),
    ("date", "date"),
)


def field_for(message: str) -> str | None:
    lowered = message.lower()
    return next((field for word, field in _FIELD_WORDS if word in lowered), None)


def problem_of(body: Any) -> str | None:
    """BC's words from an OData error body ``{"error": {"code", "message"}}``."""
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        error = body["error"]
        return str(error.get("message") or error.get("code") or "")
    return None


def read_problem(response: httpx.Response) -> tuple[str, str | None]:
    try:
        message = problem_of(response.json())
    except ValueError:
        message = response.text.strip()[:300] or None
    message = message or f"HTTP {response.status_code}"
    return message, field_for(message)


def quoted(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


@dataclass(frozen=True)
class Call:
    """One request of a ``$batch``; ``url`` is relative to the API root, or ``$<id>/...``."""

    id: str
    method: str
    url: str
    body: dict[str, Any] | None = None
    if_match: str | None = None

    def as_json(self) -> dict[str, Any]:
        item: dict[str, Any] = {"id": self.id, "method": self.method, "url": self.url}
        headers = {"Content-Type": "application/json"} if self.body is not None else {}
        if self.if_match:
            headers["If-Match"] = self.if_match
        if headers:
            item["headers"] = headers
        if self.body is not None:
            item["body"] = self.body
        return item


class BcApi:
    def __init__(self, client: CloudClient, environment: str, company_id: str) -> None:
        self.client = client
        self.root = f"/v2.0/{environment}/api/v2.0"
        self.company = f"companies({company_id})"

    def path(self, relative: str) -> str:
        return f"{self.root}/{self.company}/{relative}"

    def get_all(self, relative: str, *, filter_: str | None = None) -> list[dict[str, Any]]:
        """Every record of a collection, following ``@odata.nextLink``."""
        found: list[dict[str, Any]] = []
        url: str | None = self.path(relative)
        params = {"$filter": filter_} if filter_ else None
        while url is not None:
            body = self.client.request("GET", url, params=params).json()
            found += list(body.get("value") or [])
            url, params = body.get("@odata.nextLink"), None
        return found

    def get(self, relative: str) -> dict[str, Any]:
        body: dict[str, Any] = self.client.request("GET", self.path(relative)).json()
        return body

    def find(self, relative: str, field: str, values: list[str]) -> list[dict[str, Any]]:
        """The records whose ``field`` is one of ``values``: a few ``or`` terms a filter
        (URLs stay short), the filters of many values sent as one ``$batch`` of GETs."""
        filters = [
            " or ".join(f"{field} eq {quoted(v)}" for v in chunk)
            for chunk in _chunks(values, FILTER_TERMS)
        ]
        if len(filters) <= 1:
            return [r for f in filters for r in self.get_all(relative, filter_=f)]
        found: list[dict[str, Any]] = []
        for group in _chunks(filters, BATCH_MAX):
            gets = [
                Call(str(n), "GET", f"{self.company}/{relative}?$filter={quote(f)}")
                for n, f in enumerate(group)
            ]
            for call, answer in zip(gets, self._send(gets, atomic=False), strict=True):
                body = answer.get("body") or {}
                if int(answer.get("status", 500)) >= 400 or body.get("@odata.nextLink"):
                    found += self.get_all(relative, filter_=group[int(call.id)])
                else:
                    found += list(body.get("value") or [])
        return found

    def create(self, relative: str, body: dict[str, Any]) -> dict[str, Any]:
        created: dict[str, Any] = self.client.request("POST", self.path(relative), json=body).json()
        return created

    def update(self, relative: str, body: dict[str, Any], etag: str) -> dict[str, Any]:
        response = self.client.request(
            "PATCH", self.path(relative), json=body, headers={"If-Match": etag}
        )
        updated: dict[str, Any] = response.json()
        return updated

    def batch(self, calls: list[Call]) -> list[dict[str, Any]]:
        """One atomic ``$batch`` (at most ``BATCH_MAX`` calls): every answer, by call."""
        return self._send(calls, atomic=True)

    def _send(self, calls: list[Call], *, atomic: bool) -> list[dict[str, Any]]:
        if len(calls) > BATCH_MAX:
            raise ValueError(f"a $batch takes at most {BATCH_MAX} requests")
        response = self.client.request(
            "POST",
            f"{self.root}/$batch",
            json={"requests": [c.as_json() for c in calls]},
            headers={"Isolation": "snapshot"} if atomic else None,
        )
        answers = {str(a.get("id")): a for a in response.json().get("responses") or []}
        return [answers.get(c.id, {"status": 500}) for c in calls]

    def put_content(self, relative: str, content: bytes, etag: str) -> None:
        self.client.request(
            "PATCH",
            self.path(relative),
            content=content,
            headers={"If-Match": etag, "Content-Type": "application/octet-stream"},
        )


def _chunks(values: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]
