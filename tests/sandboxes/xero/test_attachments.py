"""Receipts attached to posted records: raw bodies, Xero's size, type and count limits."""

from __future__ import annotations

import httpx

from sandboxes.xero import RunningSandbox
from tests.sandboxes.xero.oauth import Linked
from tests.sandboxes.xero.test_transactions import spend

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
RAW = {"Content-Type": "application/octet-stream"}


def posted(api: httpx.Client) -> str:
    answer = api.put("/BankTransactions", json={"BankTransactions": [spend("with-receipt")]})
    return str(answer.json()["BankTransactions"][0]["BankTransactionID"])


def test_a_receipt_is_attached_listed_and_read_back(
    api: httpx.Client, xero: RunningSandbox, linked: Linked
) -> None:
    record = posted(api)
    uploaded = api.put(
        f"/BankTransactions/{record}/Attachments/receipt.pdf", content=PDF, headers=RAW
    )
    assert uploaded.status_code == 200, uploaded.text
    attachment = uploaded.json()["Attachments"][0]
    assert (attachment["FileName"], attachment["MimeType"], attachment["ContentLength"]) == (
        "receipt.pdf",
        "application/pdf",
        len(PDF),
    )
    listed = api.get(f"/BankTransactions/{record}/Attachments").json()["Attachments"]
    assert [a["AttachmentID"] for a in listed] == [attachment["AttachmentID"]]
    # Read back by AttachmentID: Xero's file has a by-name GET of the same shape, which
    # openapi-core resolves to the by-id one (a uuid), so a by-name GET breaks the spec.
    content = api.get(
        f"/BankTransactions/{record}/Attachments/{attachment['AttachmentID']}",
        headers={"contentType": "application/pdf"},
    )
    assert content.status_code == 200, content.text
    assert content.content == PDF
    state = xero.state(linked.tenant_id)
    assert state["BankTransactions"][0]["HasAttachments"] is True
    assert state["Attachments"][f"BankTransactions/{record}"][0]["ContentLength"] == len(PDF)


def test_posting_the_same_file_name_replaces_it(api: httpx.Client) -> None:
    record = posted(api)
    api.post(f"/BankTransactions/{record}/Attachments/r.png", content=b"one", headers=RAW)
    api.post(f"/BankTransactions/{record}/Attachments/r.png", content=b"two!", headers=RAW)
    listed = api.get(f"/BankTransactions/{record}/Attachments").json()["Attachments"]
    assert [(a["FileName"], a["ContentLength"]) for a in listed] == [("r.png", 4)]


def test_over_10_mb_is_refused_with_413(
    api: httpx.Client, xero: RunningSandbox, linked: Linked
) -> None:
    record = posted(api)
    limit = 10 * 1024 * 1024
    too_big = api.put(
        f"/BankTransactions/{record}/Attachments/big.pdf", content=b"x" * (limit + 1), headers=RAW
    )
    assert too_big.status_code == 413
    assert str(limit) in too_big.json()["Detail"]
    exactly = api.put(
        f"/BankTransactions/{record}/Attachments/big.pdf", content=b"x" * limit, headers=RAW
    )
    assert exactly.status_code == 200


def test_a_refused_file_type(api: httpx.Client) -> None:
    record = posted(api)
    refused = api.put(
        f"/BankTransactions/{record}/Attachments/tool.exe", content=b"MZ", headers=RAW
    )
    assert refused.status_code == 400
    assert "'.exe' is not allowed" in refused.json()["Message"]


def test_at_most_10_attachments_a_record(api: httpx.Client) -> None:
    record = posted(api)
    for number in range(10):
        answer = api.put(
            f"/BankTransactions/{record}/Attachments/r{number}.jpg", content=b"jpg", headers=RAW
        )
        assert answer.status_code == 200
    eleventh = api.put(
        f"/BankTransactions/{record}/Attachments/r10.jpg", content=b"jpg", headers=RAW
    )
    assert eleventh.status_code == 400 and "at most 10" in eleventh.json()["Message"]


def test_attachments_on_bills_journals_and_an_unknown_record(api: httpx.Client) -> None:
    employee = api.get("/Contacts", params={"where": 'Name=="Jane Employee"'}).json()["Contacts"][0]
    bill = {
        "Type": "ACCPAY",
        "Contact": {"ContactID": employee["ContactID"]},
        "LineItems": [
            {"Description": "Train", "UnitAmount": 30, "AccountCode": "493", "TaxType": "NONE"}
        ],
    }
    invoice = api.put("/Invoices", json={"Invoices": [bill]}).json()["Invoices"][0]["InvoiceID"]
    assert (
        api.put(f"/Invoices/{invoice}/Attachments/train.pdf", content=PDF, headers=RAW).status_code
        == 200
    )
    missing = api.put(
        "/Invoices/00000000-0000-0000-0000-000000000001/Attachments/a.pdf", content=PDF, headers=RAW
    )
    assert missing.status_code == 404
