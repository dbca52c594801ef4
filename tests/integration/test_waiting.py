"""Waiting never blocks others: a company whose platform hangs or rate-limits it holds up
no other company, and a rate limit delays a sync but never fails it (issue 15).

The platforms are in-memory books (``tests.connectors.memory``) behind an ``Upstream``
that hangs until released, or answers "over the limit, retry after N s" as a 429 does.
Everything else is real: the API, the embedded worker, the database.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import Tenant
from tests.connectors.memory import MemoryConnector, Upstream, installed
from tests.waiting import wait_for

BASE = "/sync/expenses"


def expense() -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "type": "Payment",
        "issueDate": "2026-11-02T00:00:00Z",
        "currency": "USD",
        "merchantName": "Acme Air",
        "bankAccountRef": {"id": "Liabilities:CreditCard:Corporate"},
        "lines": [
            {
                "netAmount": 100,
                "taxAmount": 20,
                "taxRateRef": {"id": "VAT20"},
                "accountRef": {"id": "Expenses:Travel"},
                "trackingRefs": [{"id": "DEPT-ENG", "dataType": "trackingCategories"}],
            }
        ],
    }


class Company:
    """A company linked to the in-memory platform ``key``, through the API."""

    def __init__(self, api: TestClient, tenant: Tenant, key: str) -> None:
        self.api, self.headers = api, tenant.headers
        created = api.post("/companies", json={"name": f"On {key}"}, headers=self.headers)
        self.path = f"/companies/{created.json()['id']}"
        connection = api.post(
            f"{self.path}/connections", json={"platformKey": key}, headers=self.headers
        ).json()
        linked = api.put(
            f"{self.path}/connections/{connection['id']}/authorization",
            json={},
            headers=self.headers,
        )
        assert linked.status_code == 200, linked.text

    def submit(self, count: int = 1) -> str:
        body = [expense() for _ in range(count)]
        response = self.api.post(
            f"{self.path}{BASE}/expense-transactions", json=body, headers=self.headers
        )
        assert response.status_code == 200, response.text
        return str(response.json()["syncId"])

    def status(self, sync_id: str) -> dict[str, Any]:
        response = self.api.get(f"{self.path}{BASE}/syncs/{sync_id}/status", headers=self.headers)
        assert response.status_code == 200, response.text
        return dict(response.json())

    def finished(self, sync_id: str, timeout: float) -> dict[str, Any]:
        return wait_for(
            lambda: (s := self.status(sync_id))["syncStatusCode"] not in (1000, 1010) and s,
            f"sync {sync_id}",
            timeout=timeout,
        )

    def transactions(self, sync_id: str) -> list[dict[str, Any]]:
        response = self.api.get(
            f"{self.path}{BASE}/syncs/{sync_id}/transactions",
            params={"pageSize": 100},
            headers=self.headers,
        )
        assert response.status_code == 200, response.text
        return list(response.json()["results"])


@pytest.fixture
def hanging() -> Iterator[threading.Event]:
    """A platform whose every call hangs until the test sets the event."""
    gate = threading.Event()
    with installed(MemoryConnector("hang", upstream=Upstream(gate=gate))):
        try:
            yield gate
        finally:
            gate.set()  # let the worker's threads go, so the app can stop


@pytest.fixture
def prompt() -> Iterator[MemoryConnector]:
    with installed(MemoryConnector("memo")) as connector:
        yield connector


def test_companies_whose_platform_hangs_hold_up_no_other_company(
    api: TestClient, tenant: Tenant, hanging: threading.Event, prompt: MemoryConnector
) -> None:
    # More hanging companies than the old embedded worker had threads (two).
    stuck = [Company(api, tenant, "hang") for _ in range(3)]
    waiting = [company.submit() for company in stuck]
    other = Company(api, tenant, "memo")
    begun = time.monotonic()
    done = other.finished(other.submit(), timeout=5)
    assert done["syncStatusCode"] == 2000, done
    assert time.monotonic() - begun < 3
    assert [t["status"] for t in other.transactions(done["syncId"])] == ["Completed"]
    # The hanging ones are still at it, and finish once their platform answers.
    assert all(company.status(s)["syncStatusCode"] in (1000, 1010)
               for company, s in zip(stuck, waiting, strict=True))  # fmt: skip
    hanging.set()
    for company, sync_id in zip(stuck, waiting, strict=True):
        assert company.finished(sync_id, timeout=5)["syncStatusCode"] == 2000


@pytest.fixture
def limited() -> Iterator[Upstream]:
    """A platform allowing 7 calls a 0.3 s window per company, posting one transaction a
    call: a sync reads six data types and posts one, then is told to wait."""
    upstream = Upstream(calls_per_minute=7, window_seconds=0.3)
    with installed(MemoryConnector("rate", upstream=upstream, batch_size=1)):
        yield upstream


def test_a_rate_limit_delays_a_sync_by_retry_after_and_never_fails_it(
    api: TestClient, tenant: Tenant, limited: Upstream, prompt: MemoryConnector
) -> None:
    company = Company(api, tenant, "rate")
    sync_id = company.submit(10)  # ten runs, told to wait nine times: more than six tries
    other = Company(api, tenant, "memo")
    assert other.finished(other.submit(), timeout=3)["syncStatusCode"] == 2000
    done = company.finished(sync_id, timeout=8)
    assert done["syncStatusCode"] == 2000, done
    statuses = [t["status"] for t in company.transactions(sync_id)]
    assert statuses == ["Completed"] * 10
    refusals = [(at, wait) for at, _, wait in limited.log if wait is not None]
    assert len(refusals) >= 6  # more waits than a sync has tries: none was counted as one
    calls = [at for at, _, _ in limited.log]
    for at, wait in refusals:  # nothing asked again before the platform said to
        later = [call for call in calls if call > at]
        assert not later or min(later) >= at + wait - 0.005, (at, wait, min(later) - at)


def test_a_rate_limited_push_waits_and_succeeds(api: TestClient, tenant: Tenant) -> None:
    limited = Upstream(calls_per_minute=3, window_seconds=0.5)
    with installed(MemoryConnector("push", upstream=limited)):
        _push_six(api, tenant, limited)


def _push_six(api: TestClient, tenant: Tenant, limited: Upstream) -> None:
    company = Company(api, tenant, "push")
    connection = api.get(f"{company.path}/connections", headers=company.headers).json()
    connection_path = f"{company.path}/connections/{connection['results'][0]['id']}"
    keys = []
    for number in range(6):  # three calls a window: the others are told to wait
        response = api.post(
            f"{connection_path}/push/suppliers",
            json={"supplierName": f"Supplier {number}"},
            headers=company.headers,
        )
        assert response.status_code == 200, response.text
        keys.append(response.json()["pushOperationKey"])
    deadline = time.monotonic() + 1.8  # waits under 0.5 s; a backoff (2 s, 4 s) misses it
    for key in keys:
        done = wait_for(
            lambda key=key: (
                (op := api.get(f"{company.path}/push/{key}", headers=company.headers).json())[
                    "status"
                ]
                != "Pending"
                and op
            ),
            f"push {key}",
            timeout=max(deadline - time.monotonic(), 0.1),
        )
        assert done["status"] == "Success", done
    assert limited.refused >= 1


def test_a_rate_limited_refresh_waits_and_completes(api: TestClient, tenant: Tenant) -> None:
    limited = Upstream(calls_per_minute=3, window_seconds=0.5)
    with installed(MemoryConnector("pull", upstream=limited)):
        company = Company(api, tenant, "pull")
        queued = api.post(f"{company.path}/data/all", headers=company.headers)
        assert queued.status_code == 204, queued.text
        deadline = time.monotonic() + 1.8  # waits under 0.5 s; a backoff (2 s, 4 s) misses it

        def pulls() -> list[dict[str, Any]]:
            history = api.get(f"{company.path}/data/history", headers=company.headers)
            return list(history.json()["results"])

        done = wait_for(
            lambda: (found := pulls()) and all(p["isCompleted"] for p in found) and found,
            "the refresh",
            timeout=max(deadline - time.monotonic(), 0.1),
        )
    assert len(done) == 7 and {p["status"] for p in done} == {"Complete"}, done
    assert limited.refused >= 1  # seven data types, three calls a window: it had to wait
