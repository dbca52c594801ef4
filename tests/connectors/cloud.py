"""What the cloud connectors' sync tests share: a company linked through the API whose
data is pulled, whose card is configured, and whose syncs are sent and awaited."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.conftest import Tenant
from tests.waiting import wait_for

BASE = "/sync/expenses"

# A 1x1 PNG, the receipt every connector test attaches.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108020000009077530000000c4944415478da63f8cfc0000003010100c9fe92ef0000000049454e44ae426082"
)


class SyncedBooks:
    """A company at ``/companies/{company_id}``, driven through the API as ``tenant``."""

    def __init__(self, api: TestClient, tenant: Tenant, company_id: str) -> None:
        self.api, self.headers = api, tenant.headers
        self.company = f"/companies/{company_id}"

    def pull_all(self) -> None:
        """Reads every data type and waits for the pulls to finish."""
        assert self.api.post(f"{self.company}/data/all", headers=self.headers).status_code == 204
        wait_for(
            lambda: all(p["isCompleted"] for p in self.get("/data/history")["results"]),
            "pulls to finish",
        )

    def configure(self, bank_account_id: str) -> None:
        """Saves the sync configuration: the card's bank account, no default contacts."""
        saved = self.api.post(
            f"{self.company}{BASE}/config",
            headers=self.headers,
            json={"bankAccount": {"id": bank_account_id}, "supplier": {"id": None},
                  "customer": {"id": None}},
        )  # fmt: skip
        assert saved.status_code == 200, saved.text

    def get(self, path: str, **params: Any) -> Any:
        response = self.api.get(self.company + path, params=params, headers=self.headers)
        assert response.status_code == 200, response.text
        return response.json()

    def send(self, method: str, path: str, body: Any) -> str:
        response = self.api.request(
            method, self.company + BASE + path, json=body, headers=self.headers
        )
        assert response.status_code in (200, 202), response.text
        sync_id: str = response.json()["syncId"]
        return sync_id

    def finished(self, sync_id: str) -> dict[str, Any]:
        path = f"{BASE}/syncs/{sync_id}/status"

        def done() -> dict[str, Any] | None:
            status: dict[str, Any] = self.get(path)
            return status if status["syncStatusCode"] not in (1000, 1010) else None

        return wait_for(done, f"sync {sync_id}")

    def outcomes(self, sync_id: str) -> dict[str, dict[str, Any]]:
        listed = self.get(f"{BASE}/syncs/{sync_id}/transactions", pageSize=100)
        return {t["transactionId"]: t for t in listed["results"]}
