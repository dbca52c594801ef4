"""Xero's Accounting API as the connector uses it: the tenant header, paged and
incremental reads, batched writes with ``summarizeErrors=false``, key look-ups and
attachments; every call goes through the cloud kit's ``CloudClient`` (tokens, the shared
rate limit, error classification).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

import httpx

from expense_sync.connectors.base.cloud import CloudClient

API = "/api.xro/2.0"
PAGE_SIZE = 100  # Xero's page for paged collections
# Collections Xero pages; the others come whole.
PAGED = {"BankTransactions", "Contacts", "Invoices", "ManualJournals"}
# Asked on every read of the collection: archived contacts are records too (Codat shows
# them with status Archived), and Xero leaves them out unless asked.
READ_PARAMS = {"Contacts": {"includeArchived": "true"}}
# Which field of each written collection holds our key (Xero searches it with ``where``).
KEY_FIELD = {
    "BankTransactions": "Reference",
    "Invoices": "InvoiceNumber",
    "BankTransfers": "Reference",
    "ManualJournals": "Narration",
}
ID_FIELD = {
    "BankTransactions": "BankTransactionID",
    "Invoices": "InvoiceID",
    "BankTransfers": "BankTransferID",
    "ManualJournals": "ManualJournalID",
    "Contacts": "ContactID",
    "Accounts": "AccountID",
}
GONE = {"DELETED", "VOIDED"}
_FIELD_WORDS = (
    ("account", "accountRef"),
    ("taxtype", "taxRateRef"),
    ("tax type", "taxRateRef"),
    ("tax rate", "taxRateRef"),
    ("tracking", "trackingRefs"),
    ("currency", "currency"),
    ("contact", "contactRef"),
    ("date", "date"),
)


def problems_of(item: dict[str, Any]) -> list[str]:
    return [
        str(error.get("Message"))
        for error in item.get("ValidationErrors") or []
        if isinstance(error, dict) and error.get("Message")
    ]


def field_for(message: str) -> str | None:
    """The Codat field a Xero message is about, where its words say so."""
    lowered = message.lower()
    return next((field for word, field in _FIELD_WORDS if word in lowered), None)


def read_problem(response: httpx.Response) -> tuple[str, str | None]:
    """Xero's own words from an error answer: the validation messages of each element,
    else its ``Message``/``Detail``/``Title``."""
    try:
        body = response.json()
    except ValueError:
        text = response.text.strip()[:300]
        return (text or f"HTTP {response.status_code}"), None
    if not isinstance(body, dict):
        return f"HTTP {response.status_code}", None
    messages: list[str] = []
    for element in body.get("Elements") or []:
        if isinstance(element, dict):
            messages += problems_of(element)
    if not messages:
        detail = body.get("Detail") or body.get("Message") or body.get("Title")
        messages = [str(detail) if detail else f"HTTP {response.status_code}"]
    joined = "; ".join(dict.fromkeys(messages))
    return joined, field_for(joined)


def xero_date(value: Any) -> str | None:
    """Xero's ``/Date(1476316800000+0000)/`` (or ISO) as an ISO 8601 UTC timestamp."""
    if not isinstance(value, str) or not value:
        return None
    match = re.match(r"/Date\((-?\d+)([+-]\d{4})?\)/", value)
    if match:
        moment = datetime.fromtimestamp(int(match.group(1)) / 1000, tz=UTC)
        return moment.isoformat().replace("+00:00", "Z")
    return value if value.endswith("Z") or "+" in value[10:] else value + "Z"


def _where_any(field: str, values: Iterable[str]) -> str:
    return " OR ".join(f'{field}=="{_quoted(value)}"' for value in values)


def _quoted(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"')


class XeroApi:
    def __init__(self, client: CloudClient, tenant_id: str) -> None:
        self.client = client
        self.tenant_id = tenant_id
        self._tenant = {"xero-tenant-id": tenant_id}

    def get(
        self,
        collection: str,
        *,
        params: dict[str, Any] | None = None,
        modified_since: datetime | None = None,
    ) -> dict[str, Any]:
        headers = dict(self._tenant)
        if modified_since is not None:
            moment = modified_since.astimezone(UTC).replace(microsecond=0)
            headers["If-Modified-Since"] = moment.isoformat().replace("+00:00", "Z")
        response = self.client.request("GET", f"{API}/{collection}", params=params, headers=headers)
        if response.status_code == 304:
            return {collection: []}
        body = response.json()
        return body if isinstance(body, dict) else {}

    def get_all(
        self,
        collection: str,
        *,
        params: dict[str, Any] | None = None,
        modified_since: datetime | None = None,
    ) -> list[dict[str, Any]]:
        """Every record of ``collection`` (following Xero's pages where it has them),
        changed since ``modified_since`` if given."""
        params = {**READ_PARAMS.get(collection, {}), **(params or {})}
        if collection not in PAGED:
            return list(
                self.get(collection, params=params, modified_since=modified_since).get(collection)
                or []
            )
        found: list[dict[str, Any]] = []
        page = 1
        while True:
            body = self.get(
                collection,
                params={**(params or {}), "page": page, "pageSize": PAGE_SIZE},
                modified_since=modified_since,
            )
            batch = list(body.get(collection) or [])
            found += batch
            if len(batch) < PAGE_SIZE:
                return found
            page += 1

    def find_keys(self, collection: str, keys: list[str]) -> dict[str, dict[str, Any]]:
        """The live records of ``collection`` written under ``keys`` (key -> record):
        how a write whose answer was lost is found instead of repeated."""
        if not keys:
            return {}
        field = KEY_FIELD[collection]
        records = self.get_all(collection, params={"where": _where_any(field, keys)})
        wanted = set(keys)
        return {
            str(record[field]): record
            for record in records
            if record.get(field) in wanted and record.get("Status") not in GONE
        }

    def write(
        self,
        collection: str,
        records: list[dict[str, Any]],
        *,
        idempotency_key: str,
        method: str = "PUT",
    ) -> list[dict[str, Any]]:
        """Create (PUT) or create-or-update (POST) up to a batch of records; with
        ``summarizeErrors=false`` each comes back with its own status, so one bad record
        fails alone and the others land."""
        response = self.client.request(
            method,
            f"{API}/{collection}",
            params={"summarizeErrors": "false"},
            json={collection: records},
            headers={**self._tenant, "Idempotency-Key": idempotency_key[:128]},
        )
        body = response.json()
        return list(body.get(collection) or []) if isinstance(body, dict) else []

    def create_one(self, collection: str, body: dict[str, Any]) -> dict[str, Any]:
        """Create one record where Xero takes one per call (``PUT /Accounts``)."""
        response = self.client.request(
            "PUT", f"{API}/{collection}", json=body, headers=self._tenant
        )
        found = response.json().get(collection) or [{}]
        return dict(found[0])

    def attachments(self, collection: str, record_id: str) -> list[dict[str, Any]]:
        return list(self.get(f"{collection}/{record_id}/Attachments").get("Attachments") or [])

    def attach(
        self,
        collection: str,
        record_id: str,
        file_name: str,
        content: bytes,
        content_type: str,
        idempotency_key: str,
    ) -> dict[str, Any]:
        response = self.client.request(
            "PUT",
            f"{API}/{collection}/{record_id}/Attachments/{file_name}",
            content=content,
            headers={
                **self._tenant,
                # Xero's spec takes the bytes as octet-stream and reads the type from the
                # file name's extension, so ``content_type`` only picks that extension.
                "Content-Type": "application/octet-stream",
                "Idempotency-Key": idempotency_key[:128],
            },
        )
        body = response.json()
        attachments = body.get("Attachments") if isinstance(body, dict) else None
        return attachments[0] if attachments else {}
