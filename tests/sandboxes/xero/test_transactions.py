"""What the connector posts: bank transactions, bills, transfers, journals, contacts."""

from __future__ import annotations

from typing import Any

import httpx

from sandboxes.xero import RunningSandbox
from tests.sandboxes.xero.oauth import Linked


def spend(reference: str, amount: float = 12.5, **line: Any) -> dict[str, Any]:
    return {
        "Type": "SPEND",
        "Contact": {"Name": "City Taxis"},
        "BankAccount": {"Code": "092"},
        "Reference": reference,
        "Date": "2026-11-30",
        "LineAmountTypes": "Inclusive",
        "LineItems": [
            {
                "Description": "Taxi",
                "UnitAmount": amount,
                "AccountCode": "429",
                "TaxType": "INPUT2",
                **line,
            }
        ],
    }


def messages(element: dict[str, Any]) -> list[str]:
    return [e["Message"] for e in element.get("ValidationErrors", [])]


def test_a_spend_is_stored_with_xeros_totals(
    api: httpx.Client, xero: RunningSandbox, linked: Linked
) -> None:
    answer = api.put("/BankTransactions", json={"BankTransactions": [spend("exp-1", 12.0)]})
    assert answer.status_code == 200, answer.text
    stored = answer.json()["BankTransactions"][0]
    assert stored["StatusAttributeString"] == "OK"
    assert (stored["SubTotal"], stored["TotalTax"], stored["Total"]) == (10, 2, 12)
    assert stored["Date"] == "/Date(1795996800000+0000)/"  # 2026-11-30
    assert stored["CurrencyCode"] == "GBP"
    state = xero.state(linked.tenant_id)
    assert [t["Reference"] for t in state["BankTransactions"]] == ["exp-1"]
    found = api.get("/BankTransactions", params={"where": 'Reference=="exp-1"'}).json()[
        "BankTransactions"
    ]
    assert [t["BankTransactionID"] for t in found] == [stored["BankTransactionID"]]
    one = api.get(f"/BankTransactions/{stored['BankTransactionID']}").json()["BankTransactions"][0]
    assert one["Total"] == 12


def test_exclusive_and_no_tax_totals(api: httpx.Client) -> None:
    exclusive = {**spend("ex"), "LineAmountTypes": "Exclusive"}
    exclusive["LineItems"][0]["UnitAmount"] = 10
    notax = {**spend("nt"), "LineAmountTypes": "NoTax", "Type": "RECEIVE"}
    answer = api.put("/BankTransactions", json={"BankTransactions": [exclusive, notax]}).json()
    totals = [
        (t["Type"], t["SubTotal"], t["TotalTax"], t["Total"]) for t in answer["BankTransactions"]
    ]
    assert totals == [("SPEND", 10, 2, 12), ("RECEIVE", 12.5, 0, 12.5)]


def test_each_rule_refuses_its_element_and_keeps_the_others(
    api: httpx.Client, xero: RunningSandbox, linked: Linked
) -> None:
    batch = [
        spend("ok-1"),
        spend("archived", AccountCode="499"),
        spend("unknown", AccountCode="999"),
        spend("bad-tax", TaxType="NOSUCHTAX"),
        spend("line-total", Quantity=2, LineAmount=30),
        {**spend("not-bank"), "BankAccount": {"Code": "400"}},
        {**spend("currency"), "CurrencyCode": "JPY"},
        {**spend("total"), "Total": 99},
        spend("ok-2"),
    ]
    answer = api.put(
        "/BankTransactions", params={"summarizeErrors": "false"}, json={"BankTransactions": batch}
    )
    assert answer.status_code == 200, answer.text
    elements = answer.json()["BankTransactions"]
    assert [e["StatusAttributeString"] for e in elements] == ["OK"] + ["ERROR"] * 7 + ["OK"]
    found = {e["Reference"]: " ".join(messages(e)) for e in elements}
    assert "has been archived" in found["archived"]
    assert "'999' is not a valid code" in found["unknown"]
    assert "TaxType code 'NOSUCHTAX' does not exist" in found["bad-tax"]
    assert "does not match the expected line total 25.00" in found["line-total"]
    assert "not a bank account" in found["not-bank"]
    assert "'JPY' is not enabled" in found["currency"]
    assert "does not equal the sum of the lines" in found["total"]
    kept = [t["Reference"] for t in xero.state(linked.tenant_id)["BankTransactions"]]
    assert kept == ["ok-1", "ok-2"]


def test_summarized_errors_refuse_the_whole_batch(
    api: httpx.Client, xero: RunningSandbox, linked: Linked
) -> None:
    answer = api.put(
        "/BankTransactions", json={"BankTransactions": [spend("a"), spend("b", AccountCode="999")]}
    )
    assert answer.status_code == 400
    body = answer.json()
    assert (body["ErrorNumber"], body["Type"]) == (10, "ValidationException")
    assert len(body["Elements"]) == 1 and "'999'" in messages(body["Elements"][0])[0]
    assert xero.state(linked.tenant_id)["BankTransactions"] == []


def test_at_most_50_elements_a_call(api: httpx.Client) -> None:
    refused = api.put(
        "/BankTransactions", json={"BankTransactions": [spend(f"r{i}") for i in range(51)]}
    )
    assert refused.status_code == 400 and "No more than 50" in refused.json()["Message"]
    assert (
        api.put(
            "/BankTransactions", json={"BankTransactions": [spend(f"r{i}") for i in range(50)]}
        ).status_code
        == 200
    )


def test_bank_transactions_are_paged_by_100(api: httpx.Client) -> None:
    for start in range(0, 150, 50):
        batch = [spend(f"p{i:03}") for i in range(start, start + 50)]
        assert api.put("/BankTransactions", json={"BankTransactions": batch}).status_code == 200
    first = api.get("/BankTransactions", params={"page": 1}).json()
    second = api.get("/BankTransactions", params={"page": 2}).json()
    assert len(first["BankTransactions"]) == 100 and len(second["BankTransactions"]) == 50
    assert second["pagination"] == {"page": 2, "pageSize": 100, "pageCount": 2, "itemCount": 150}
    contains = api.get("/BankTransactions", params={"where": 'Reference.StartsWith("p14")'}).json()
    assert len(contains["BankTransactions"]) == 10


def test_a_foreign_currency_bank_account_books_in_its_currency(api: httpx.Client) -> None:
    euro = {**spend("eur"), "BankAccount": {"Code": "093"}, "CurrencyRate": 0.85}
    stored = api.put("/BankTransactions", json={"BankTransactions": [euro]}).json()[
        "BankTransactions"
    ][0]
    assert (stored["CurrencyCode"], stored["CurrencyRate"]) == ("EUR", 0.85)


def test_tracking_on_lines(api: httpx.Client) -> None:
    tracked = spend("tracked", Tracking=[{"Name": "Region", "Option": "North"}])
    stored = api.put("/BankTransactions", json={"BankTransactions": [tracked]}).json()[
        "BankTransactions"
    ][0]
    assert stored["LineItems"][0]["Tracking"][0]["Option"] == "North"
    unknown = spend("bad", Tracking=[{"Name": "Region", "Option": "Mars"}])
    answer = api.put(
        "/BankTransactions",
        params={"summarizeErrors": "false"},
        json={"BankTransactions": [unknown]},
    )
    assert (
        "Tracking option 'Mars' does not exist" in messages(answer.json()["BankTransactions"][0])[0]
    )


def test_contacts_are_created_found_and_paged(api: httpx.Client) -> None:
    new = [{"Name": f"Supplier {i:03}", "IsSupplier": True} for i in range(120)]
    for start in range(0, 120, 50):
        answer = api.put("/Contacts", json={"Contacts": new[start : start + 50]})
        assert answer.status_code == 200, answer.text
    page_two = api.get("/Contacts", params={"page": 2}).json()["Contacts"]
    assert len(page_two) == 25  # 5 seeded + 120 new, 100 a page
    suppliers = api.get("/Contacts", params={"where": "IsSupplier==true"}).json()["Contacts"]
    assert len(suppliers) == 124
    duplicate = api.put("/Contacts", json={"Contacts": [{"Name": "supplier 001"}]})
    assert duplicate.status_code == 400
    assert "already assigned" in messages(duplicate.json()["Elements"][0])[0]
    employee = api.get("/Contacts", params={"where": 'Name=="Jane Employee"'}).json()["Contacts"][0]
    renamed = api.post(
        f"/Contacts/{employee['ContactID']}", json={"Contacts": [{"EmailAddress": "j@example.org"}]}
    )
    assert renamed.json()["Contacts"][0]["EmailAddress"] == "j@example.org"


def test_a_reimbursable_bill_to_the_employee(api: httpx.Client) -> None:
    employee = api.get("/Contacts", params={"where": 'Name=="Jane Employee"'}).json()["Contacts"][0]
    bill = {
        "Type": "ACCPAY",
        "Contact": {"ContactID": employee["ContactID"]},
        "Date": "2026-11-02",
        "DueDate": "2026-11-30",
        "Status": "AUTHORISED",
        "Reference": "reimb-1",
        "LineAmountTypes": "Exclusive",
        "LineItems": [
            {
                "Description": "Hotel",
                "Quantity": 2,
                "UnitAmount": 50,
                "AccountCode": "493",
                "TaxType": "INPUT2",
            }
        ],
    }
    stored = api.put("/Invoices", json={"Invoices": [bill]}).json()["Invoices"][0]
    assert (stored["Total"], stored["AmountDue"], stored["Status"]) == (120, 120, "AUTHORISED")
    sales = api.put("/Invoices", json={"Invoices": [{**bill, "Type": "ACCREC"}]})
    assert sales.status_code == 400


def test_a_transfer_between_bank_accounts(api: httpx.Client, xero: RunningSandbox) -> None:
    transfer = {
        "FromBankAccount": {"Code": "090"},
        "ToBankAccount": {"Code": "093"},
        "Amount": 100,
        "Date": "2026-11-03",
        "Reference": "tr-1",
    }
    stored = api.put("/BankTransfers", json={"BankTransfers": [transfer]})
    assert stored.status_code == 200, stored.text
    assert stored.json()["BankTransfers"][0]["Amount"] == 100
    # Xero's spec makes a transfer's CurrencyRate read-only: a client cannot send one.
    with_rate = api.put(
        "/BankTransfers", json={"BankTransfers": [{**transfer, "CurrencyRate": 1.17}]}
    )
    assert with_rate.status_code == 400
    assert "CurrencyRate: Tried to write read-only property" in with_rate.json()["Message"]
    xero.memory.violations.clear()
    same = {**transfer, "ToBankAccount": {"Code": "090"}}
    refused = api.put("/BankTransfers", json={"BankTransfers": [same]})
    assert "must be different" in messages(refused.json()["Elements"][0])[0]
    listed = api.get("/BankTransfers", params={"where": 'Reference=="tr-1"'}).json()[
        "BankTransfers"
    ]
    assert len(listed) == 1


def test_an_adjustment_as_a_manual_journal(api: httpx.Client) -> None:
    journal = {
        "Narration": "Adjustment adj-1",
        "Date": "2026-11-04",
        "Status": "POSTED",
        "JournalLines": [
            {"LineAmount": 40, "AccountCode": "429", "Description": "more"},
            {"LineAmount": -40, "AccountCode": "090", "Description": "less"},
        ],
    }
    stored = api.put("/ManualJournals", json={"ManualJournals": [journal]})
    assert stored.status_code == 200, stored.text
    unbalanced = {
        **journal,
        "JournalLines": [journal["JournalLines"][0], {"LineAmount": -30, "AccountCode": "090"}],
    }
    refused = api.put("/ManualJournals", json={"ManualJournals": [unbalanced]})
    assert "do not balance" in messages(refused.json()["Elements"][0])[0]


def test_records_are_looked_up_by_ids(api: httpx.Client) -> None:
    stored = api.put(
        "/BankTransactions", json={"BankTransactions": [spend("a"), spend("b"), spend("c")]}
    )
    ids = [t["BankTransactionID"] for t in stored.json()["BankTransactions"]]
    found = api.get("/BankTransactions", params={"IDs": f"{ids[0]},{ids[2]}"}).json()[
        "BankTransactions"
    ]
    assert [t["Reference"] for t in found] == ["a", "c"]


def test_archived_contacts_are_listed_only_when_asked(api: httpx.Client) -> None:
    taxis = api.get("/Contacts", params={"where": 'Name=="City Taxis"'}).json()["Contacts"][0]
    archived = api.post(
        f"/Contacts/{taxis['ContactID']}", json={"Contacts": [{"ContactStatus": "ARCHIVED"}]}
    )
    assert archived.status_code == 200
    assert api.get("/Contacts", params={"where": 'Name=="City Taxis"'}).json()["Contacts"] == []
    listed = api.get("/Contacts", params={"where": 'Name=="City Taxis"', "includeArchived": "true"})
    assert len(listed.json()["Contacts"]) == 1
    refused = api.put(
        "/BankTransactions",
        json={"BankTransactions": [{**spend("x"), "Contact": {"ContactID": taxis["ContactID"]}}]},
    )
    assert "has been archived" in messages(refused.json()["Elements"][0])[0]


def test_a_spend_makes_its_contact_a_supplier(api: httpx.Client) -> None:
    created = api.put("/Contacts", json={"Contacts": [{"Name": "New Cafe"}]}).json()["Contacts"][0]
    assert created["IsSupplier"] is False
    spent = {**spend("cafe"), "Contact": {"ContactID": created["ContactID"]}}
    assert api.put("/BankTransactions", json={"BankTransactions": [spent]}).status_code == 200
    read = api.get(f"/Contacts/{created['ContactID']}").json()["Contacts"][0]
    assert (read["IsSupplier"], read["IsCustomer"]) == (True, False)


def test_an_income_tax_on_an_expense_account_is_refused(api: httpx.Client) -> None:
    answer = api.put(
        "/BankTransactions",
        params={"summarizeErrors": "false"},
        json={"BankTransactions": [spend("vat-out", TaxType="OUTPUT2")]},
    )
    found = messages(answer.json()["BankTransactions"][0])
    assert found == ["The TaxType code 'OUTPUT2' cannot be used with account code '429'."]


def test_a_bank_transaction_is_deleted_by_its_status(api: httpx.Client) -> None:
    stored = api.put("/BankTransactions", json={"BankTransactions": [spend("del")]})
    record_id = stored.json()["BankTransactions"][0]["BankTransactionID"]
    # Xero's spec wants Type, LineItems and BankAccount even to delete.
    gone = {**spend("del"), "Status": "DELETED"}
    deleted = api.post(f"/BankTransactions/{record_id}", json={"BankTransactions": [gone]})
    assert deleted.status_code == 200, deleted.text
    read = api.get(f"/BankTransactions/{record_id}").json()["BankTransactions"][0]
    assert (read["Status"], read["Reference"], read["Total"]) == ("DELETED", "del", 12.5)
    again = api.post(f"/BankTransactions/{record_id}", json={"BankTransactions": [gone]})
    assert "has been deleted" in messages(again.json()["Elements"][0])[0]
    created_deleted = api.put(
        "/BankTransactions", json={"BankTransactions": [{**spend("x"), "Status": "DELETED"}]}
    )
    assert "create AUTHORISED" in messages(created_deleted.json()["Elements"][0])[0]


def test_unit_prices_keep_four_decimals_and_lines_round_to_cents(api: httpx.Client) -> None:
    line = spend("unitdp", Quantity=3, UnitAmount=1.2345)
    answer = api.put("/BankTransactions", params={"unitdp": 4}, json={"BankTransactions": [line]})
    stored = answer.json()["BankTransactions"][0]["LineItems"][0]
    assert (stored["UnitAmount"], stored["LineAmount"]) == (1.2345, 3.7)


def test_a_new_contact_name_is_created_once_and_only_when_stored(
    api: httpx.Client, xero: RunningSandbox, linked: Linked
) -> None:
    def named(reference: str, **line: Any) -> dict[str, Any]:
        return {**spend(reference, **line), "Contact": {"Name": "Brand New Ltd"}}

    refused = api.put(
        "/BankTransactions", json={"BankTransactions": [named("a"), named("b", AccountCode="999")]}
    )
    assert refused.status_code == 400
    names = [c["Name"] for c in xero.state(linked.tenant_id)["Contacts"]]
    assert "Brand New Ltd" not in names
    stored = api.put("/BankTransactions", json={"BankTransactions": [named("c"), named("d")]})
    contact_ids = {t["Contact"]["ContactID"] for t in stored.json()["BankTransactions"]}
    created = [c for c in xero.state(linked.tenant_id)["Contacts"] if c["Name"] == "Brand New Ltd"]
    assert [c["ContactID"] for c in created] == list(contact_ids)
    assert created[0]["IsSupplier"] is True
