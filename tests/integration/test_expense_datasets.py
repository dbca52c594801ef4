"""The v1 flow: expense datasets stored first, synced later by ``POST .../syncs``."""

from __future__ import annotations

from decimal import Decimal

from tests.integration.test_expenses import (
    BASE,
    CARD,
    expense,
    finished,
    outcomes,
    postings_by_id,
    send,
)
from tests.integration.test_ledger_data import Books


def test_a_dataset_syncs_only_when_named_and_only_once(books: Books) -> None:
    payment = expense()
    transfer_in = expense(
        type="TransferIn", lines=[{"netAmount": 250, "accountRef": {"id": "Assets:Bank:Checking"}}]
    )
    adjustment_out = expense(
        type="AdjustmentOut", lines=[{"netAmount": 3.5, "accountRef": {"id": "Expenses:Travel"}}]
    )
    created = send(
        books,
        "POST",
        "/data/expense-transactions",
        {"items": [payment, transfer_in, adjustment_out]},
    )
    assert created.status_code == 200, created.text
    dataset_id = created.json()["datasetId"]
    assert books.get(f"{BASE}/syncs/list/status") == []  # stored, not synced
    assert postings_by_id(books) == {}

    synced = send(books, "POST", "/syncs", {"datasetIds": [dataset_id]})
    assert synced.status_code == 200, synced.text
    sync_id = synced.json()["syncId"]
    assert finished(books, sync_id)["syncStatusCode"] == 2000
    assert {t["status"] for t in outcomes(books, sync_id).values()} == {"Completed"}

    posted = postings_by_id(books)
    assert sorted(posted) == sorted(t["id"] for t in (payment, transfer_in, adjustment_out))
    inflow = {p.account: p.units.number for p in posted[transfer_in["id"]][0].postings}
    assert inflow == {CARD: Decimal(250), "Assets:Bank:Checking": Decimal(-250)}
    outflow = {p.account: p.units.number for p in posted[adjustment_out["id"]][0].postings}
    assert outflow == {"Expenses:Travel": Decimal("3.5"), CARD: Decimal("-3.5")}

    again = send(books, "POST", "/syncs", {"datasetIds": [dataset_id]})
    assert again.status_code == 400
    assert again.json()["validation"]["errors"][0]["itemId"] == "datasetIds[0]"
    assert "already synced" in again.json()["validation"]["errors"][0]["message"]
    assert len(books.get(f"{BASE}/syncs/list/status")) == 1


def test_two_datasets_sync_together_and_bad_ones_are_named(books: Books) -> None:
    first = send(books, "POST", "/data/expense-transactions", {"items": [expense()]})
    second = send(books, "POST", "/data/expense-transactions", {"items": [expense(), expense()]})
    ids = [first.json()["datasetId"], second.json()["datasetId"]]

    unknown = send(books, "POST", "/syncs", {"datasetIds": [ids[0], "not-a-dataset"]})
    assert unknown.status_code == 400
    assert unknown.json()["validation"]["errors"][0]["itemId"] == "datasetIds[1]"
    twice = send(books, "POST", "/syncs", {"datasetIds": [ids[0], ids[0]]})
    assert twice.status_code == 400
    assert send(books, "POST", "/syncs", {"datasetIds": []}).status_code == 400
    assert books.get(f"{BASE}/syncs/list/status") == []  # nothing started by a bad request

    synced = send(books, "POST", "/syncs", {"datasetIds": ids})
    assert synced.status_code == 200, synced.text
    sync_id = synced.json()["syncId"]
    assert finished(books, sync_id)["syncStatusCode"] == 2000
    assert len(outcomes(books, sync_id)) == 3
    assert len(postings_by_id(books)) == 3


def test_dataset_problems_name_the_item_and_store_nothing(books: Books) -> None:
    good = expense()
    bad = expense(lines=[{"netAmount": 10, "accountRef": {"id": "Expenses:Nope"}}])
    refused = send(books, "POST", "/data/expense-transactions", {"items": [good, bad]})
    assert refused.status_code == 400
    assert refused.json()["validation"]["errors"][0]["itemId"] == "items[1].lines[0].accountRef.id"
    shape = send(books, "POST", "/data/expense-transactions", [expense()])
    assert shape.status_code == 400
    assert shape.json()["validation"]["errors"][0]["itemId"] == "items"
    # the good transaction of the refused request was not stored: it can be sent again
    assert send(books, "POST", "/data/expense-transactions", {"items": [good]}).status_code == 200
