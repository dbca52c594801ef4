"""Xero's limits with its 429 and headers, idempotent replays, and failures on purpose."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest

from sandboxes.xero import Limits, RunningSandbox, SandboxConfig, run
from tests.sandboxes.xero.oauth import Linked, link
from tests.sandboxes.xero.test_transactions import spend


@contextmanager
def limited(limits: Limits) -> Iterator[tuple[RunningSandbox, httpx.Client, Linked]]:
    with run(SandboxConfig(limits=limits)) as xero, httpx.Client(base_url=xero.base_url) as http:
        linked = link(http, xero)
        headers = {
            "Authorization": f"Bearer {linked.access_token}",
            "xero-tenant-id": linked.tenant_id,
        }
        with httpx.Client(base_url=xero.api_url, headers=headers, timeout=30) as api:
            yield xero, api, linked


def test_the_minute_limit_answers_429_with_xeros_headers() -> None:
    with limited(Limits(per_minute=3, window_seconds=1.0)) as (_, api, _linked):
        answers = [api.get("/Organisation") for _ in range(4)]
        assert [a.status_code for a in answers] == [200, 200, 200, 429]
        assert [a.headers["x-minlimit-remaining"] for a in answers] == ["2", "1", "0", "0"]
        refused = answers[-1]
        assert refused.headers["x-rate-limit-problem"] == "minute"
        assert 1 <= int(refused.headers["retry-after"]) <= 1
        assert refused.headers["x-daylimit-remaining"] == str(5000 - 3)
        assert "x-appminlimit-remaining" in refused.headers
        time.sleep(1.05)
        assert api.get("/Organisation").status_code == 200


def test_the_day_limit() -> None:
    with limited(Limits(per_day=2)) as (_, api, _linked):
        assert [api.get("/Organisation").status_code for _ in range(3)] == [200, 200, 429]
        refused = api.get("/Organisation")
        assert refused.headers["x-rate-limit-problem"] == "day"
        assert int(refused.headers["retry-after"]) > 80_000


def test_limits_are_per_tenant() -> None:
    with limited(Limits(per_minute=1)) as (xero, api, _linked):
        assert api.get("/Organisation").status_code == 200
        assert api.get("/Organisation").status_code == 429
        with httpx.Client(base_url=xero.base_url) as http:
            other = link(http, xero)
            answer = http.get(
                "/api.xro/2.0/Organisation",
                headers={
                    "Authorization": f"Bearer {other.access_token}",
                    "xero-tenant-id": other.tenant_id,
                },
            )
        assert answer.status_code == 200
        calls = httpx.get(f"{xero.base_url}/__sandbox__/calls").json()
        assert calls["refused"] == {_linked.tenant_id: 1}


def test_more_than_the_concurrent_limit_in_flight_is_refused() -> None:
    with limited(Limits(concurrent=2)) as (xero, api, _linked):
        httpx.post(
            f"{xero.base_url}/__sandbox__/faults",
            json={"path": "/api.xro/2.0/Organisation", "kind": "delay", "seconds": 0.5, "count": 2},
        )
        statuses: list[int] = []

        def call() -> None:
            statuses.append(api.get("/Organisation").status_code)

        slow = [threading.Thread(target=call) for _ in range(2)]
        for thread in slow:
            thread.start()
        time.sleep(0.2)
        third = api.get("/Accounts")
        for thread in slow:
            thread.join()
        assert (third.status_code, third.headers["x-rate-limit-problem"]) == (429, "concurrent")
        assert statuses == [200, 200]
        assert api.get("/Accounts").status_code == 200


def test_limits_can_change_at_run_time(
    xero: RunningSandbox, http: httpx.Client, api: httpx.Client
) -> None:
    assert http.put("/__sandbox__/limits", json={"per_minute": 1}).json()["per_minute"] == 1
    assert [api.get("/Organisation").status_code for _ in range(2)] == [200, 429]


def test_an_idempotency_key_replays_the_first_answer(
    api: httpx.Client, xero: RunningSandbox, linked: Linked
) -> None:
    body = {"BankTransactions": [spend("idem-1")]}
    first = api.put("/BankTransactions", json=body, headers={"Idempotency-Key": "key-1"})
    again = api.put("/BankTransactions", json=body, headers={"Idempotency-Key": "key-1"})
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()
    assert len(xero.state(linked.tenant_id)["BankTransactions"]) == 1
    other = api.put("/BankTransactions", json=body, headers={"Idempotency-Key": "key-2"})
    assert (
        other.json()["BankTransactions"][0]["BankTransactionID"]
        != first.json()["BankTransactions"][0]["BankTransactionID"]
    )


def test_an_injected_503_stores_nothing(
    api: httpx.Client, http: httpx.Client, xero: RunningSandbox, linked: Linked
) -> None:
    fault = {
        "path": "/api.xro/2.0/BankTransactions",
        "method": "PUT",
        "kind": "error",
        "status": 503,
    }
    assert http.post("/__sandbox__/faults", json=fault).status_code == 201
    failed = api.put("/BankTransactions", json={"BankTransactions": [spend("f-1")]})
    assert failed.status_code == 503
    assert xero.state(linked.tenant_id)["BankTransactions"] == []
    assert (
        api.put("/BankTransactions", json={"BankTransactions": [spend("f-1")]}).status_code == 200
    )
    assert http.get("/__sandbox__/faults").json() == []


def test_a_delay_makes_a_short_timeout_expire(api: httpx.Client, http: httpx.Client) -> None:
    http.post(
        "/__sandbox__/faults",
        json={"path": "/api.xro/2.0/Accounts", "kind": "delay", "seconds": 1.0},
    )
    with pytest.raises(httpx.ReadTimeout):
        api.get("/Accounts", timeout=0.2)
    assert api.get("/Accounts", timeout=5).status_code == 200


def test_a_dropped_answer_after_commit_keeps_the_write(
    api: httpx.Client, http: httpx.Client, xero: RunningSandbox, linked: Linked
) -> None:
    http.post("/__sandbox__/faults", json={"path": "/api.xro/2.0/BankTransactions", "kind": "drop"})
    with pytest.raises(httpx.RemoteProtocolError):
        api.put("/BankTransactions", json={"BankTransactions": [spend("lost-answer")]})
    stored = xero.state(linked.tenant_id)["BankTransactions"]
    assert [t["Reference"] for t in stored] == ["lost-answer"]
    found = api.get("/BankTransactions", params={"where": 'Reference=="lost-answer"'})
    assert len(found.json()["BankTransactions"]) == 1


def test_a_bad_fault_is_refused(http: httpx.Client) -> None:
    refused = http.post("/__sandbox__/faults", json={"path": "/x", "kind": "explode"})
    assert refused.status_code == 400 and "kind" in refused.json()["error"]


def test_an_idempotency_key_over_128_characters_is_refused(api: httpx.Client) -> None:
    refused = api.put(
        "/BankTransactions",
        json={"BankTransactions": [spend("k")]},
        headers={"Idempotency-Key": "k" * 129},
    )
    assert refused.status_code == 400 and "at most 128" in refused.json()["Message"]


def test_the_token_endpoint_can_be_down_and_a_refresh_answer_lost(
    http: httpx.Client, xero: RunningSandbox, linked: Linked
) -> None:
    auth = (xero.config.client_id, xero.config.client_secret)
    form = {"grant_type": "refresh_token", "refresh_token": linked.refresh_token}
    http.post(
        "/__sandbox__/faults", json={"path": "/connect/token", "kind": "error", "status": 503}
    )
    assert http.post("/connect/token", data=form, auth=auth).status_code == 503
    http.post("/__sandbox__/faults", json={"path": "/connect/token", "kind": "drop"})
    with pytest.raises(httpx.RemoteProtocolError):
        http.post("/connect/token", data=form, auth=auth)
    # The rotation happened; within the grace the old token gets the same new tokens.
    retried = http.post("/connect/token", data=form, auth=auth)
    assert retried.status_code == 200
    assert retried.json()["refresh_token"] != linked.refresh_token


def test_a_retry_of_a_dropped_write_with_its_key_gets_the_first_answer(
    api: httpx.Client, http: httpx.Client, xero: RunningSandbox, linked: Linked
) -> None:
    http.post("/__sandbox__/faults", json={"path": "/api.xro/2.0/BankTransactions", "kind": "drop"})
    body = {"BankTransactions": [spend("once")]}
    with pytest.raises(httpx.RemoteProtocolError):
        api.put("/BankTransactions", json=body, headers={"Idempotency-Key": "once-1"})
    retried = api.put("/BankTransactions", json=body, headers={"Idempotency-Key": "once-1"})
    assert retried.status_code == 200
    stored = xero.state(linked.tenant_id)["BankTransactions"]
    assert [t["BankTransactionID"] for t in stored] == [
        retried.json()["BankTransactions"][0]["BankTransactionID"]
    ]


def test_a_retry_after_a_timeout_with_the_same_key_is_stored_once(
    api: httpx.Client, http: httpx.Client, xero: RunningSandbox, linked: Linked
) -> None:
    # The delayed first call goes on after the client gave up; it finds the retry's answer
    # under the key when it wakes, so the expense lands once.
    fault = {"path": "/api.xro/2.0/BankTransactions", "kind": "delay", "seconds": 1.0}
    http.post("/__sandbox__/faults", json=fault)
    body = {"BankTransactions": [spend("slow")]}
    with pytest.raises(httpx.ReadTimeout):
        api.put("/BankTransactions", json=body, headers={"Idempotency-Key": "slow-1"}, timeout=0.3)
    retried = api.put("/BankTransactions", json=body, headers={"Idempotency-Key": "slow-1"})
    assert retried.status_code == 200
    assert len(xero.state(linked.tenant_id)["BankTransactions"]) == 1
