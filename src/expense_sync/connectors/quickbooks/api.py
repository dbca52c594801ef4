"""QuickBooks Online's Accounting API as the connector uses it: the query endpoint
(paged with ``STARTPOSITION``/``MAXRESULTS``), ``/batch`` (30 items a call, each
answered alone), single reads, ``/upload`` for attachments, and Intuit's ``Fault``
bodies read into words and a Codat field. Every call goes through the cloud kit's
``CloudClient`` (tokens, the realm's shared limits, error classification); writes carry
a ``requestid``, so a write QuickBooks committed but whose answer was lost gets the first
answer when sent again.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import httpx

from expense_sync.connectors.base import ValidationConnectorError
from expense_sync.connectors.base.cloud import CloudClient

MINOR_VERSION = "75"  # Intuit's baseline since minor versions 1-74 were retired
PAGE_SIZE = 1000  # QuickBooks' largest MAXRESULTS
BATCH_SIZE = 30  # QuickBooks' most items per /batch call
REQUEST_ID_MAX = 50
# Intuit's ``element`` (or words in its message) -> the Codat field it is about.
_FIELD_WORDS = (
    ("taxcode", "taxRateRef"),
    ("tax code", "taxRateRef"),
    ("accountref", "accountRef"),
    ("account", "accountRef"),
    ("classref", "trackingRefs"),
    ("departmentref", "trackingRefs"),
    ("currency", "currency"),
    ("exchangerate", "currencyRate"),
    ("vendorref", "contactRef"),
    ("entityref", "contactRef"),
    ("docnumber", "id"),
    ("duplicate document", "id"),
    ("txndate", "issueDate"),
    ("closed", "issueDate"),
    ("displayname", "name"),
    ("name", "name"),
)


def field_for(*words: str | None) -> str | None:
    """The Codat field an Intuit error is about: its ``element`` first, then its words."""
    for text in words:
        lowered = (text or "").lower().replace("_", "")
        found = next((field for word, field in _FIELD_WORDS if word in lowered), None)
        if found:
            return found
    return None


def fault_problem(fault: Any) -> tuple[str, str | None]:
    """Intuit's ``Fault`` (``{"Error": [{"Message", "Detail", "code", "element"}]}``, or
    the lower-case form its gateway sends with a 401) as words and a field."""
    if not isinstance(fault, dict):
        return "QuickBooks refused it.", None
    errors = fault.get("Error") or fault.get("error") or []
    messages: list[str] = []
    field: str | None = None
    for error in errors if isinstance(errors, list) else []:
        if not isinstance(error, dict):
            continue
        message = str(error.get("Message") or error.get("message") or "").strip()
        detail = str(error.get("Detail") or error.get("detail") or "").strip()
        code = error.get("code")
        words = message if not detail or detail == message else f"{message}: {detail}"
        messages.append(f"{words} (code {code})" if code else words)
        field = field or field_for(error.get("element"), detail, message)
    return ("; ".join(dict.fromkeys(messages)) or "QuickBooks refused it."), field


def read_problem(response: httpx.Response) -> tuple[str, str | None]:
    """QuickBooks' own words from an error answer."""
    try:
        body = response.json()
    except ValueError:
        text = response.text.strip()[:300]
        return (text or f"HTTP {response.status_code}"), None
    if isinstance(body, dict) and (body.get("Fault") or body.get("fault")):
        return fault_problem(body.get("Fault") or body.get("fault"))
    return f"HTTP {response.status_code}", None


def quoted(value: str) -> str:
    """A string literal of QuickBooks' query language."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def any_of(field: str, values: Iterable[str]) -> str:
    return f"{field} IN ({', '.join(quoted(v) for v in values)})"


class QuickBooksApi:
    def __init__(self, client: CloudClient, realm_id: str) -> None:
        self.client = client
        self.realm_id = realm_id
        self._base = f"/v3/company/{realm_id}"

    def _params(self, **extra: str) -> dict[str, str]:
        return {"minorversion": MINOR_VERSION, **extra}

    def query(self, entity: str, where: str | None = None) -> list[dict[str, Any]]:
        """Every record of ``entity`` (matching ``where``), page by page."""
        found: list[dict[str, Any]] = []
        start = 1
        while True:
            statement = f"select * from {entity}"
            if where:
                statement += f" where {where}"
            statement += f" STARTPOSITION {start} MAXRESULTS {PAGE_SIZE}"
            response = self.client.request(
                "GET", f"{self._base}/query", params=self._params(query=statement)
            )
            page = list((response.json().get("QueryResponse") or {}).get(entity) or [])
            found += page
            if len(page) < PAGE_SIZE:
                return found
            start += PAGE_SIZE

    def read_one(self, entity: str, record_id: str) -> dict[str, Any]:
        response = self.client.request(
            "GET", f"{self._base}/{entity.lower()}/{record_id}", params=self._params()
        )
        return dict(response.json().get(entity) or {})

    def batch(self, items: list[dict[str, Any]], request_id: str) -> dict[str, dict[str, Any]]:
        """One ``/batch`` call (at most 30 items, each with its ``bId``); the answer of
        each item by its ``bId``: the stored entity, or its ``Fault``."""
        if len(items) > BATCH_SIZE:
            raise ValueError(f"QuickBooks takes at most {BATCH_SIZE} items a batch")
        response = self.client.request(
            "POST",
            f"{self._base}/batch",
            params=self._params(requestid=request_id[:REQUEST_ID_MAX]),
            json={"BatchItemRequest": items},
            bucket="batch",
        )
        answers = response.json().get("BatchItemResponse") or []
        return {str(a.get("bId")): a for a in answers if isinstance(a, dict)}

    def create_one(self, entity: str, body: dict[str, Any], request_id: str) -> dict[str, Any]:
        response = self.client.request(
            "POST",
            f"{self._base}/{entity.lower()}",
            params=self._params(requestid=request_id[:REQUEST_ID_MAX]),
            json=body,
        )
        return dict(response.json().get(entity) or {})

    def upload(
        self,
        metadata: dict[str, Any],
        file_name: str,
        content: bytes,
        content_type: str,
        request_id: str,
    ) -> dict[str, Any]:
        """A receipt as an ``Attachable`` linked to its entity: multipart ``/upload``,
        the metadata part as JSON and the file as raw bytes (binary-safe)."""
        response = self.client.request(
            "POST",
            f"{self._base}/upload",
            params=self._params(requestid=request_id[:REQUEST_ID_MAX]),
            files={
                "file_metadata_01": (None, json.dumps(metadata).encode(), "application/json"),
                "file_content_01": (file_name, content, content_type),
            },
        )
        answers = response.json().get("AttachableResponse") or [{}]
        first = answers[0] if isinstance(answers[0], dict) else {}
        if first.get("Fault"):
            message, field = fault_problem(first["Fault"])
            raise ValidationConnectorError(f"QuickBooks: {message}", field=field or "attachment")
        return dict(first.get("Attachable") or {})
