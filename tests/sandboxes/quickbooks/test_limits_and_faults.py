"""Throttles (429 ThrottleExceeded), requestid replays and faults, over real HTTP."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import httpx
import pytest

from sandboxes.quickbooks import Limits, RunningSandbox, SandboxConfig, run
from tests.sandboxes.quickbooks.conftest import api_client
from tests.sandboxes.quickbooks.oauth import Linked, link
from tests.sandboxes.quickbooks.payloads import purchase


@pytest.fixture
def limited() -> Iterator[RunningSandbox]:
    with run(
        SandboxConfig(
            limits=Limits(per_minute=5, concurrent=2, batch_per_minute=2, window_seconds=30)
        )
    ) as running:
        yield running


def _linked_api(qbo: RunningSandbox) -> tuple[Linked, httpx.Client]:
    with httpx.Client(base_url=qbo.base_url) as http:
        linked = link(http, qbo)
    return linked, api_client(qbo, linked)


def _throttled(answer: httpx.Response) -> None:
    assert answer.status_code == 429, answer.text
    fault = answer.json()["Fault"]
    assert fault["Error"][0]["code"] == "003001"
    assert "ThrottleExceeded" in fault["Error"][0]["Message"]
    assert int(answer.headers["retry-after"]) >= 1


def test_the_minute_limit_per_realm(limited: RunningSandbox) -> None:
    _, api = _linked_api(limited)
    with api:
        for _ in range(5):
            assert api.get("/companyinfo/1").status_code == 200
        _throttled(api.get("/companyinfo/1"))
        _, other_api = _linked_api(limited)  # another realm has its own minute
        with other_api:
            assert other_api.get("/companyinfo/1").status_code == 200
    refused = limited.control("GET", "calls").json()["refused"]
    assert sum(refused.values()) == 1


def test_the_batch_limit(limited: RunningSandbox) -> None:
    _, api = _linked_api(limited)
    with api:
        body = {"BatchItemRequest": [{"bId": "1", "Query": "select * from Class"}]}
        assert api.post("/batch", json=body).status_code == 200
        assert api.post("/batch", json=body).status_code == 200
        _throttled(api.post("/batch", json=body))
        assert api.get("/companyinfo/1").status_code == 200  # single calls still go


def test_the_concurrent_limit(limited: RunningSandbox) -> None:
    linked, api = _linked_api(limited)
    limited.control(
        "POST", "faults", {"path": "/v3/company", "kind": "delay", "seconds": 1.5, "count": 2}
    )
    answers: list[int] = []

    def slow() -> None:
        with api_client(limited, linked) as client:
            answers.append(client.get("/companyinfo/1").status_code)

    threads = [threading.Thread(target=slow) for _ in range(2)]
    for thread in threads:
        thread.start()
    import time

    time.sleep(0.7)
    with api:
        _throttled(api.get("/companyinfo/1"))
    for thread in threads:
        thread.join()
    assert answers == [200, 200]


def test_the_same_requestid_gets_the_first_answer_and_stores_once(
    api: httpx.Client, qbo: RunningSandbox, us: Linked
) -> None:
    first = api.post("/purchase", params={"requestid": "r-1"}, json=purchase(DocNumber="R1"))
    again = api.post("/purchase", params={"requestid": "r-1"}, json=purchase(DocNumber="R1"))
    assert first.status_code == again.status_code == 200
    assert again.content == first.content
    assert len(qbo.state(us.realm_id)["Purchase"]) == 1
    other = api.post("/purchase", params={"requestid": "r-2"}, json=purchase(DocNumber="R1"))
    assert other.json()["Fault"]["Error"][0]["code"] == "6140"


def test_an_injected_outage_stores_nothing(
    api: httpx.Client, qbo: RunningSandbox, us: Linked
) -> None:
    qbo.control("POST", "faults", {"path": "/v3/company", "kind": "error", "status": 503})
    answer = api.post("/purchase", json=purchase())
    assert answer.status_code == 503
    assert answer.json()["Fault"]["type"] == "SERVICE"
    assert "Purchase" not in qbo.state(us.realm_id)
    qbo.control("POST", "faults", {"path": "/v3/company", "kind": "error", "status": 500})
    assert api.get("/companyinfo/1").status_code == 500
    assert api.get("/companyinfo/1").status_code == 200


def test_a_delay_times_a_short_client_out_but_the_write_happens(
    api: httpx.Client, qbo: RunningSandbox, us: Linked
) -> None:
    qbo.control("POST", "faults", {"path": "/v3/company", "kind": "delay", "seconds": 1})
    with pytest.raises(httpx.ReadTimeout):
        api.post("/purchase", json=purchase(), timeout=0.3)
    import time

    time.sleep(1.2)
    assert len(qbo.state(us.realm_id)["Purchase"]) == 1


def test_a_write_dropped_after_commit_is_replayed_by_its_requestid(
    api: httpx.Client, qbo: RunningSandbox, us: Linked
) -> None:
    qbo.control("POST", "faults", {"path": "/v3/company", "kind": "drop", "method": "POST"})
    with pytest.raises(httpx.TransportError):
        api.post("/purchase", params={"requestid": "lost-1"}, json=purchase())
    assert len(qbo.state(us.realm_id)["Purchase"]) == 1  # stored, though the client never knew
    retried = api.post("/purchase", params={"requestid": "lost-1"}, json=purchase())
    assert retried.status_code == 200
    assert retried.json()["Purchase"]["Id"] == qbo.state(us.realm_id)["Purchase"][0]["Id"]
    assert len(qbo.state(us.realm_id)["Purchase"]) == 1


def test_the_token_endpoint_can_be_down(qbo: RunningSandbox, http: httpx.Client) -> None:
    linked = link(http, qbo)
    qbo.control(
        "POST", "faults", {"path": "/oauth2/v1/tokens/bearer", "kind": "error", "status": 503}
    )
    down = http.post(
        "/oauth2/v1/tokens/bearer",
        data={"grant_type": "refresh_token", "refresh_token": linked.refresh_token},
        auth=(qbo.config.client_id, qbo.config.client_secret),
    )
    assert down.status_code == 503
    up = http.post(
        "/oauth2/v1/tokens/bearer",
        data={"grant_type": "refresh_token", "refresh_token": linked.refresh_token},
        auth=(qbo.config.client_id, qbo.config.client_secret),
    )
    assert up.status_code == 200


def test_limits_change_through_the_control_api(qbo: RunningSandbox, api: httpx.Client) -> None:
    qbo.control("PUT", "limits", {"per_minute": 1})
    assert api.get("/companyinfo/1").status_code == 200
    _throttled(api.get("/companyinfo/1"))
