"""FreeAgent's API v2 as the connector calls it: JSON envelopes (``{"contact": {...}}``),
records named by URL, lists paged with ``page``/``per_page`` and a ``Link`` header,
and errors as ``{"errors": {"error": {"message": ...}}}`` (or a list of them).

Every call goes through the cloud kit's ``CloudClient`` (token, shared limit, errors
classified); this module only knows FreeAgent's paths and shapes.
"""

from __future__ import annotations

from typing import Any

import httpx

from expense_sync.connectors.base.cloud import CloudClient

PER_PAGE = 100  # FreeAgent's largest page
# Words of FreeAgent's messages -> the Codat field they are about.
FIELD_WORDS = (
    ("attachment", "attachment"),
    ("transfer bank account", "to.accountRef.id"),
    ("bank account", "bankAccountRef.id"),
    ("bank transaction", "bankAccountRef.id"),
    ("category", "lines.accountRef.id"),
    ("contact", "contactRef.id"),
    ("gross value", "totalAmount"),
    ("journal entries", "lines"),
    ("reference", "id"),
    ("nominal code", "nominalCode"),
    ("name", "name"),
)


def messages(body: Any) -> list[str]:
    errors = body.get("errors") if isinstance(body, dict) else None
    if isinstance(errors, dict) and isinstance(errors.get("error"), dict):
        return [str(errors["error"].get("message") or "")]
    if isinstance(errors, list):
        return [str(e.get("message")) for e in errors if isinstance(e, dict)]
    if isinstance(body, dict) and body.get("error"):  # the token endpoint's OAuth errors
        return [f"{body['error']}: {body.get('error_description') or ''}".strip(": ")]
    return []


def read_problem(response: httpx.Response) -> tuple[str, str | None]:
    """FreeAgent's words from an error answer, and the field they name if any."""
    try:
        found = messages(response.json())
    except ValueError:
        found = []
    message = "; ".join(found) or response.text[:300] or f"HTTP {response.status_code}"
    lowered = message.lower()
    field = next((name for words, name in FIELD_WORDS if words in lowered), None)
    return message, field


def record_id(url: str) -> str:
    return url.rstrip("/").rsplit("/", 1)[1]


class FreeAgentApi:
    def __init__(self, client: CloudClient, base_url: str) -> None:
        self.client = client
        self.base_url = base_url.rstrip("/")

    def url(self, collection: str, record: str) -> str:
        """A record's URL as FreeAgent names it (on the API's own host)."""
        return f"{self.base_url}/v2/{collection}/{record}"

    def get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        return self.client.request("GET", f"/v2/{path}", params=params).json()

    def get_all(
        self, collection: str, params: dict[str, Any] | None = None
    ) -> list[dict[str, Any]]:
        """Every page of a list (``Link: rel="next"`` says when there is more)."""
        found: list[dict[str, Any]] = []
        page = 1
        while True:
            response = self.client.request(
                "GET",
                f"/v2/{collection}",
                params={**(params or {}), "page": page, "per_page": PER_PAGE},
            )
            found += response.json().get(collection) or []
            if "next" not in response.links:
                return found
            page += 1

    def create(self, collection: str, singular: str, body: dict[str, Any]) -> dict[str, Any]:
        answer = self.client.request("POST", f"/v2/{collection}", json={singular: body})
        created: dict[str, Any] = answer.json()[singular]
        return created

    def update(
        self, collection: str, singular: str, record: str, body: dict[str, Any]
    ) -> dict[str, Any]:
        answer = self.client.request("PUT", f"/v2/{collection}/{record}", json={singular: body})
        if not answer.content:
            return {}
        updated: dict[str, Any] = answer.json().get(singular) or {}
        return updated

    def delete(self, collection: str, record: str) -> None:
        self.client.request("DELETE", f"/v2/{collection}/{record}")
