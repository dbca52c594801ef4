"""``/batch`` over real HTTP: at most 30 items, each answered on its own, faults per item."""

from __future__ import annotations

import httpx

from sandboxes.quickbooks import RunningSandbox
from tests.sandboxes.quickbooks.oauth import Linked
from tests.sandboxes.quickbooks.payloads import INACTIVE, expense_line, purchase


def test_thirty_creates_in_one_batch_are_all_stored(
    api: httpx.Client, qbo: RunningSandbox, us: Linked
) -> None:
    items = [
        {"bId": f"b{i}", "operation": "create", "Purchase": purchase(DocNumber=f"D-{i}")}
        for i in range(30)
    ]
    answer = api.post("/batch", json={"BatchItemRequest": items})
    assert answer.status_code == 200, answer.text
    responses = answer.json()["BatchItemResponse"]
    assert [r["bId"] for r in responses] == [f"b{i}" for i in range(30)]
    assert all("Purchase" in r for r in responses)
    stored = qbo.state(us.realm_id)["Purchase"]
    assert sorted(p["DocNumber"] for p in stored) == sorted(f"D-{i}" for i in range(30))


def test_thirty_one_items_refuse_the_whole_batch(
    api: httpx.Client, qbo: RunningSandbox, us: Linked
) -> None:
    items = [{"bId": str(i), "operation": "create", "Purchase": purchase()} for i in range(31)]
    answer = api.post("/batch", json={"BatchItemRequest": items})
    assert answer.status_code == 400
    assert "at most 30" in answer.json()["Fault"]["Error"][0]["Detail"]
    assert "Purchase" not in qbo.state(us.realm_id)


def test_a_refused_item_gets_its_own_fault_and_the_others_run(api: httpx.Client) -> None:
    stored = api.post("/purchase", json=purchase()).json()["Purchase"]
    items = [
        {"bId": "ok", "operation": "create", "Purchase": purchase(DocNumber="A")},
        {"bId": "inactive", "operation": "create", "Purchase": purchase(expense_line(1, INACTIVE))},
        {"bId": "dup", "operation": "create", "Purchase": purchase(DocNumber="A")},
        {
            "bId": "update",
            "operation": "update",
            "Purchase": {"Id": stored["Id"], "SyncToken": "0", "sparse": True, "PrivateNote": "n"},
        },
        {
            "bId": "stale",
            "operation": "update",
            "Purchase": {"Id": stored["Id"], "SyncToken": "0", "sparse": True, "PrivateNote": "m"},
        },
        {"bId": "query", "Query": "select count(*) from Purchase"},
        {
            "bId": "delete",
            "operation": "delete",
            "Purchase": {"Id": stored["Id"], "SyncToken": "1"},
        },
    ]
    answer = api.post("/batch", json={"BatchItemRequest": items})
    assert answer.status_code == 200, answer.text
    by_id = {r["bId"]: r for r in answer.json()["BatchItemResponse"]}
    assert by_id["ok"]["Purchase"]["DocNumber"] == "A"
    assert by_id["inactive"]["Fault"]["Error"][0]["code"] == "610"
    assert by_id["dup"]["Fault"]["Error"][0]["code"] == "6140"
    assert by_id["update"]["Purchase"]["SyncToken"] == "1"
    assert by_id["stale"]["Fault"]["Error"][0]["code"] == "5010"
    assert by_id["query"]["QueryResponse"] == {"totalCount": 2}
    assert by_id["delete"]["Purchase"]["status"] == "Deleted"


def test_every_item_needs_a_unique_bid(api: httpx.Client) -> None:
    items = [
        {"bId": "1", "Query": "select * from Class"},
        {"bId": "1", "Query": "select * from Class"},
    ]
    answer = api.post("/batch", json={"BatchItemRequest": items})
    assert answer.status_code == 400
    assert answer.json()["Fault"]["Error"][0]["element"] == "bId"


def test_a_batch_item_breaking_the_xsd_refuses_the_batch(
    api: httpx.Client, qbo: RunningSandbox
) -> None:
    items = [{"bId": "1", "operation": "make", "Purchase": purchase()}]
    answer = api.post("/batch", json={"BatchItemRequest": items})
    assert answer.status_code == 400
    assert answer.headers["x-sandbox-violation"] == "request"
    assert "operation" in answer.json()["Fault"]["Error"][0]["Detail"]
    assert qbo.violations()[-1]["kind"] == "request"
