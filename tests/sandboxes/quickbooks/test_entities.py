"""Each entity over real HTTP: create, read, query, update with SyncToken; the refusals."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Any

import httpx
import pytest

from sandboxes.quickbooks import RunningSandbox
from tests.sandboxes.quickbooks.oauth import Linked
from tests.sandboxes.quickbooks.payloads import (
    AP,
    CARD,
    CHECKING,
    INACTIVE,
    OFFICE,
    TRAVEL,
    expense_line,
    purchase,
    ref,
)

NEW: dict[str, dict[str, Any]] = {
    "Account": {"Name": "Parking", "AccountType": "Expense"},
    "Vendor": {"DisplayName": "Parking Ltd"},
    "Customer": {"DisplayName": "Another Client"},
    "Employee": {"GivenName": "Sam", "FamilyName": "Staff"},
    "Class": {"Name": "Marketing"},
    "Department": {"Name": "East"},
    "Purchase": purchase(),
    "Deposit": {
        "DepositToAccountRef": ref(CHECKING),
        "TxnDate": "2026-11-30",
        "Line": [
            {
                "Amount": 20,
                "DetailType": "DepositLineDetail",
                "DepositLineDetail": {"AccountRef": ref("10")},
            }
        ],
    },
    "Transfer": {"FromAccountRef": ref(CHECKING), "ToAccountRef": ref("2"), "Amount": 50},
    "Bill": {"VendorRef": ref("4"), "TxnDate": "2026-11-30", "Line": [expense_line(30, TRAVEL)]},
    "JournalEntry": {
        "TxnDate": "2026-11-30",
        "Line": [
            {
                "Amount": 5,
                "DetailType": "JournalEntryLineDetail",
                "JournalEntryLineDetail": {"PostingType": "Debit", "AccountRef": ref(OFFICE)},
            },
            {
                "Amount": 5,
                "DetailType": "JournalEntryLineDetail",
                "JournalEntryLineDetail": {"PostingType": "Credit", "AccountRef": ref(CARD)},
            },
        ],
    },
}
CHANGE = {
    "Account": {"Description": "car parks"},
    "Vendor": {"CompanyName": "Parking Limited"},
    "Customer": {"CompanyName": "Another Client Inc"},
    "Employee": {"EmployeeNumber": "E-7"},
    "Class": {"Name": "Marketing EU"},
    "Department": {"Name": "East Coast"},
    "Purchase": {"PrivateNote": "lunch"},
    "Deposit": {"PrivateNote": "reward"},
    "Transfer": {"PrivateNote": "top-up"},
    "Bill": {"PrivateNote": "trip"},
    "JournalEntry": {"PrivateNote": "fix"},
}


@pytest.mark.parametrize("entity", sorted(NEW))
def test_create_read_query_and_update_with_the_sync_token(
    api: httpx.Client, entity: str, qbo: RunningSandbox, us: Linked
) -> None:
    created = api.post(f"/{entity.lower()}", json=NEW[entity])
    assert created.status_code == 200, created.text
    record = created.json()[entity]
    assert record["SyncToken"] == "0"
    assert record["domain"] == "QBO"
    read = api.get(f"/{entity.lower()}/{record['Id']}").json()[entity]
    assert read == record
    found = api.get(
        "/query", params={"query": f"select * from {entity} where Id = '{record['Id']}'"}
    )
    assert found.json()["QueryResponse"][entity] == [record]
    sparse = {"Id": record["Id"], "SyncToken": "0", "sparse": True, **CHANGE[entity]}
    updated = api.post(f"/{entity.lower()}", json=sparse)
    assert updated.status_code == 200, updated.text
    after = updated.json()[entity]
    assert after["SyncToken"] == "1"
    assert all(after[k] == v for k, v in CHANGE[entity].items())
    stale = api.post(f"/{entity.lower()}", json={**sparse, "SyncToken": "0"})
    assert stale.status_code == 400
    error = stale.json()["Fault"]["Error"][0]
    assert (error["code"], error["Message"]) == ("5010", "Stale Object Error")
    assert qbo.state(us.realm_id)[entity][-1]["SyncToken"] == "1"


def test_a_full_update_replaces_the_record(api: httpx.Client) -> None:
    record = api.post("/purchase", json=purchase(PrivateNote="first")).json()["Purchase"]
    full = purchase(expense_line(40, TRAVEL))
    updated = api.post("/purchase", json={**full, "Id": record["Id"], "SyncToken": "0"})
    after = updated.json()["Purchase"]
    assert "PrivateNote" not in after
    assert after["TotalAmt"] == 40
    assert after["MetaData"]["CreateTime"] == record["MetaData"]["CreateTime"]


def test_read_only_lists_and_company_records(api: httpx.Client) -> None:
    assert api.get("/companyinfo/1").json()["CompanyInfo"]["Country"] == "US"
    prefs = api.get("/preferences").json()["Preferences"]
    assert prefs["CurrencyPrefs"]["HomeCurrency"]["value"] == "USD"
    codes = api.get("/query", params={"query": "select * from TaxCode"}).json()["QueryResponse"]
    assert [c["Id"] for c in codes["TaxCode"]] == ["TAX", "NON"]
    refused = api.post("/taxcode", json={"Name": "MINE"})
    assert refused.status_code == 400
    assert refused.json()["Fault"]["Error"][0]["Message"] == "Unsupported Operation"


def test_a_transaction_is_deleted_with_its_sync_token(api: httpx.Client) -> None:
    record = api.post("/purchase", json=purchase()).json()["Purchase"]
    stale = api.post(
        "/purchase", params={"operation": "delete"}, json={"Id": record["Id"], "SyncToken": "3"}
    )
    assert stale.json()["Fault"]["Error"][0]["code"] == "5010"
    deleted = api.post(
        "/purchase", params={"operation": "delete"}, json={"Id": record["Id"], "SyncToken": "0"}
    )
    assert deleted.status_code == 200
    assert deleted.json()["Purchase"]["status"] == "Deleted"
    gone = api.get(f"/purchase/{record['Id']}")
    assert gone.status_code == 400
    assert gone.json()["Fault"]["Error"][0]["code"] == "610"


def test_a_name_list_is_made_inactive_never_deleted(api: httpx.Client) -> None:
    refused = api.post(
        "/vendor", params={"operation": "delete"}, json={"Id": "1", "SyncToken": "0"}
    )
    assert refused.status_code == 400
    inactive = api.post(
        "/vendor", json={"Id": "2", "SyncToken": "0", "sparse": True, "Active": False}
    )
    assert inactive.json()["Vendor"]["Active"] is False
    listed = api.get("/query", params={"query": "select * from Vendor"}).json()["QueryResponse"]
    assert "2" not in [v["Id"] for v in listed["Vendor"]]
    everything = api.get(
        "/query", params={"query": "select * from Vendor where Active in (true, false)"}
    ).json()["QueryResponse"]["Vendor"]
    assert "2" in [v["Id"] for v in everything]
    used = api.post("/purchase", json=purchase(EntityRef=ref("2", type="Vendor")))
    assert used.json()["Fault"]["Error"][0]["code"] == "610"


@pytest.mark.parametrize(
    ("body", "code", "element"),
    [
        (purchase(expense_line(5, INACTIVE)), "610", "AccountRef"),
        (purchase(expense_line(5, "999")), "2500", "AccountRef"),
        ({"PaymentType": "CreditCard", "Line": [expense_line(5)]}, "2020", "AccountRef"),
        (purchase(PaymentType="Cash"), "6000", "AccountRef"),
        (purchase(PaymentType="Check", AccountRef=ref(CHECKING), Credit=True), "6000", "Credit"),
        (purchase(AccountRef=ref(AP)), "6000", "AccountRef"),
    ],
)
def test_purchase_refusals_name_the_field(
    api: httpx.Client, body: dict[str, Any], code: str, element: str
) -> None:
    answer = api.post("/purchase", json=body)
    assert answer.status_code == 400, answer.text
    error = answer.json()["Fault"]["Error"][0]
    assert error["code"] == code
    assert error.get("element") == element


def test_a_document_number_is_used_once(api: httpx.Client) -> None:
    assert api.post("/purchase", json=purchase(DocNumber="EXP-1")).status_code == 200
    again = api.post("/purchase", json=purchase(DocNumber="EXP-1"))
    error = again.json()["Fault"]["Error"][0]
    assert error["code"] == "6140"
    assert error["Message"] == "Duplicate Document Number Error"


def test_closed_books_refuse_a_transaction_dated_in_them(
    api: httpx.Client, qbo: RunningSandbox, us: Linked
) -> None:
    qbo.control("PUT", f"companies/{us.realm_id}/preferences", {"BookCloseDate": "2026-10-31"})
    closed = api.post("/purchase", json=purchase(TxnDate="2026-10-15"))
    assert closed.json()["Fault"]["Error"][0]["code"] == "6200"
    assert api.post("/purchase", json=purchase(TxnDate="2026-11-01")).status_code == 200


def test_a_journal_entry_must_balance(api: httpx.Client) -> None:
    body = NEW["JournalEntry"]
    unbalanced = {**body, "Line": [body["Line"][0], {**body["Line"][1], "Amount": 4}]}
    error = api.post("/journalentry", json=unbalanced).json()["Fault"]["Error"][0]
    assert error["code"] == "6000"
    assert "balanced" in error["Detail"]


def test_names_are_unique_across_vendors_customers_and_employees(api: httpx.Client) -> None:
    answer = api.post("/customer", json={"DisplayName": "City Taxis"})
    assert answer.json()["Fault"]["Error"][0]["code"] == "6240"


def test_query_where_like_in_order_paging_and_count(api: httpx.Client) -> None:
    def query(text: str) -> dict[str, Any]:
        answer = api.get("/query", params={"query": text})
        assert answer.status_code == 200, answer.text
        found: dict[str, Any] = answer.json()["QueryResponse"]
        return found

    expenses = query("select * from Account where AccountType = 'Expense' orderby Name desc")
    names = [a["Name"] for a in expenses["Account"]]
    assert names == sorted(names, reverse=True)
    assert "Old Expenses" not in names  # inactive
    page = query(
        "select * from Account where AccountType = 'Expense' orderby Name "
        "STARTPOSITION 2 MAXRESULTS 2"
    )
    assert [a["Name"] for a in page["Account"]] == sorted(names)[1:3]
    assert (page["startPosition"], page["maxResults"]) == (2, 2)
    assert query("select count(*) from Account where AccountType in ('Bank', 'Credit Card')") == {
        "totalCount": 3
    }
    assert [
        a["Name"] for a in query("select * from Account where Name like '%card%'")["Account"]
    ] == [
        "Company Credit Card",
        "Card Rewards",
    ]
    assert query("select * from Vendor where DisplayName = 'Nobody'") == {}


def test_query_errors_are_intuits(api: httpx.Client) -> None:
    bad = api.get("/query", params={"query": "select * from Nothing"})
    assert bad.json()["Fault"]["Error"][0]["code"] == "4000"
    private = api.get("/query", params={"query": "select * from Purchase where PrivateNote = 'x'"})
    assert private.json()["Fault"]["Error"][0]["code"] == "4001"
    posted = api.post(
        "/query", content=b"select * from Class", headers={"Content-Type": "application/text"}
    )
    assert len(posted.json()["QueryResponse"]["Class"]) == 2


def test_minorversion_must_be_a_number(api: httpx.Client) -> None:
    assert api.get("/companyinfo/1", params={"minorversion": "abc"}).status_code == 400
    assert api.get("/companyinfo/1", params={"minorversion": "70"}).status_code == 200


def test_a_bill_is_paid_by_a_bill_payment(api: httpx.Client) -> None:
    bill = api.post("/bill", json=NEW["Bill"]).json()["Bill"]
    payment = {
        "VendorRef": ref("4"),
        "PayType": "Check",
        "CheckPayment": {"BankAccountRef": ref(CHECKING)},
        "TotalAmt": 30,
        "Line": [{"Amount": 30, "LinkedTxn": [{"TxnId": bill["Id"], "TxnType": "Bill"}]}],
    }
    answer = api.post("/billpayment", json=payment)
    assert answer.status_code == 200, answer.text
    stored = answer.json()["BillPayment"]
    assert stored["Line"][0]["LinkedTxn"][0]["TxnId"] == bill["Id"]
    missing = api.post("/billpayment", json={**payment, "VendorRef": ref("99")})
    assert missing.json()["Fault"]["Error"][0]["code"] == "2500"


def test_changes_since_an_instant_in_any_offset(api: httpx.Client) -> None:
    record = api.post("/purchase", json=purchase()).json()["Purchase"]
    created = datetime.fromisoformat(record["MetaData"]["LastUpdatedTime"])
    before = (created - timedelta(seconds=1)).astimezone(timezone(timedelta(hours=-8)))
    after = (created + timedelta(seconds=1)).astimezone(timezone(timedelta(hours=-8)))
    since = "select * from Purchase where MetaData.LastUpdatedTime >= '{}'"
    found = api.get("/query", params={"query": since.format(before.isoformat())}).json()
    assert [p["Id"] for p in found["QueryResponse"]["Purchase"]] == [record["Id"]]
    later = api.get("/query", params={"query": since.format(after.isoformat())}).json()
    assert later["QueryResponse"] == {}


def test_closed_books_refuse_deleting_and_a_purchase_without_a_date_is_today(
    api: httpx.Client, qbo: RunningSandbox, us: Linked
) -> None:
    old = api.post("/purchase", json=purchase(TxnDate="2026-01-15")).json()["Purchase"]
    undated = purchase()
    del undated["TxnDate"]
    today = api.post("/purchase", json=undated).json()["Purchase"]
    assert today["TxnDate"] == date.today().isoformat()
    qbo.control("PUT", f"companies/{us.realm_id}/preferences", {"BookCloseDate": "2026-06-30"})
    delete = {"Id": old["Id"], "SyncToken": "0"}
    refused = api.post("/purchase", params={"operation": "delete"}, json=delete)
    assert refused.json()["Fault"]["Error"][0]["code"] == "6200"
    assert api.get(f"/purchase/{old['Id']}").status_code == 200
