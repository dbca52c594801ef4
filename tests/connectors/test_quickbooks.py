"""The QuickBooks Online connector against the QuickBooks sandbox over real HTTP (every
body held to Intuit's XSDs by the sandbox): link by OAuth with ``realmId``, read, push,
post every type for a US and a UK company, partial success in a batch, exactly once
after a lost answer, token refresh and revocation, throttling, receipts."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from expense_sync.api.runtime import Runtime
from expense_sync.config import Settings
from expense_sync.connectors.base import (
    Document,
    FatalConnectorError,
    LedgerSession,
    Posting,
    PostingLine,
    RetriableConnectorError,
    ValidationConnectorError,
)
from expense_sync.connectors.quickbooks import QuickBooksConnector
from expense_sync.connectors.quickbooks.posting import record
from expense_sync.storage.models import Connection, WebhookEvent
from expense_sync.storage.uow import UnitOfWork
from sandboxes.quickbooks import RunningSandbox
from tests.conftest import Tenant
from tests.connectors.cloud import PNG as PNG  # also for the e2e tests and benchmarks
from tests.connectors.conformance import ConnectorConformance
from tests.connectors.quickbooks_sandbox import Linked, consent, link, quickbooks_settings
from tests.connectors.quickbooks_sandbox import sandbox as sandbox  # the fixture
from tests.connectors.xero_sandbox import books_of, local


@pytest.fixture
def settings(settings: Settings, sandbox: RunningSandbox) -> Settings:
    return quickbooks_settings(settings, sandbox)


@pytest.fixture
def linked(api: TestClient, tenant: Tenant) -> Linked:
    return link(api, tenant, "new-us")


@pytest.fixture
def linked_uk(api: TestClient, tenant: Tenant) -> Linked:
    return link(api, tenant, "new-uk", name="QBO UK Co")


def held(sandbox: RunningSandbox, linked: Linked, entity: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = sandbox.state(linked.realm_id).get(entity) or []
    return found


def ids(books: LedgerSession, data_type: str, field: str) -> dict[str, str]:
    return {str(r[field]): str(r["id"]) for r in books.read(data_type)}


def posting(key: str, kind: str, type_: str, lines: list[PostingLine], **extra: Any) -> Posting:
    return Posting(
        key=key,
        revision=extra.pop("revision", 1),
        kind=kind,
        type=type_,
        date=dt.date(2026, 11, 2),
        currency=extra.pop("currency", None),
        currency_rate=extra.pop("currency_rate", None),
        lines=tuple(lines),
        **extra,
    )


def fault(sandbox: RunningSandbox, **body: Any) -> None:
    sandbox.control("POST", "faults", json=body)


# -- linking ------------------------------------------------------------------------------


def test_link_by_oauth_keeps_the_realm_and_tokens_encrypted(
    runtime: Runtime, linked: Linked, sandbox: RunningSandbox
) -> None:
    connection = linked.connection()
    assert connection["status"] == "Linked"
    info = connection["connectionInfo"]
    assert info["companyName"] == "Sandbox Company US"
    assert sandbox.state(info["realmId"])["country"] == "US"
    with UnitOfWork(runtime.session_factory) as uow:
        row = uow.session.get(Connection, uuid.UUID(linked.connection_id))
        assert row is not None and row.encrypted_secrets
        assert "access_token" not in row.encrypted_secrets


def test_a_callback_without_a_realm_is_refused(api: TestClient, tenant: Tenant) -> None:
    company_id, connection_id, url = consent(api, tenant, "No Realm Co", "new-us")
    granted = httpx.get(url, follow_redirects=False)
    callback = httpx.URL(local(granted.headers["location"]))
    params = {k: v for k, v in callback.params.items() if k != "realmId"}
    answer = api.get("/link/oauth/callback", params=params)
    assert answer.status_code == 400 and "realmId" in answer.text
    listed = api.get(f"/companies/{company_id}/connections/{connection_id}", headers=tenant.headers)
    assert listed.json()["status"] == "PendingAuth"


# -- reads and pushes ---------------------------------------------------------------------


def test_reads_every_type_in_codats_shape(runtime: Runtime, linked_uk: Linked) -> None:
    books = books_of(runtime, linked_uk.connection_id)
    books.check()
    accounts = {a["name"]: a for a in books.read("chartOfAccounts")}
    assert accounts["Travel"]["type"] == "Expense" and accounts["Travel"]["status"] == "Active"
    assert accounts["Old Expenses"]["status"] == "Archived"
    assert accounts["Card Rewards"]["type"] == "Income"
    assert accounts["Checking"]["isBankAccount"] is True
    banks = {b["accountName"]: b for b in books.read("bankAccounts")}
    assert set(banks) == {"Checking", "Savings", "Company Credit Card", "Euro Account"}
    assert banks["Company Credit Card"]["accountType"] == "Credit"
    assert banks["Euro Account"]["currency"] == "EUR" and banks["Checking"]["currency"] == "GBP"
    suppliers = {s["supplierName"] for s in books.read("suppliers")}
    assert {"City Taxis", "Jane Employee (vendor)"} <= suppliers
    assert {c["customerName"] for c in books.read("customers")} == {"Big Client"}
    taxes = {t["name"]: t for t in books.read("taxRates")}
    assert taxes["20.0% S"]["effectiveTaxRate"] == 20.0 and taxes["No VAT"]["components"] == []
    tracking = {t["id"]: t for t in books.read("trackingCategories")}
    assert tracking["class"]["hasChildren"] and tracking["department"]["hasChildren"]
    assert {t["name"] for t in tracking.values() if t["parentId"] == "class"} == {
        "Sales",
        "Engineering",
    }
    assert {t["name"] for t in tracking.values() if t["parentId"] == "department"} == {
        "North",
        "South",
    }
    (company,) = books.read("company")
    assert company["companyName"] == "Sandbox Company UK" and company["baseCurrency"] == "GBP"
    assert company["id"] == linked_uk.realm_id
    assert set(company["supplementalData"]["content"]["expenseSync"]["currencies"]) >= {
        "GBP",
        "EUR",
    }


def test_pushes_land_once_in_quickbooks(
    runtime: Runtime, linked: Linked, sandbox: RunningSandbox
) -> None:
    books = books_of(runtime, linked.connection_id)
    (supplier,) = books.create(
        "suppliers", [{"supplierName": "New Supplier LLC", "emailAddress": "a@b.co"}], key="k1"
    )
    assert supplier["supplierName"] == "New Supplier LLC"
    assert supplier["emailAddress"] == "a@b.co"
    again = books_of(runtime, linked.connection_id).create(
        "suppliers", [{"supplierName": "New Supplier LLC"}], key="k1"
    )
    assert again[0]["id"] == supplier["id"]
    names = [v["DisplayName"] for v in held(sandbox, linked, "Vendor")]
    assert names.count("New Supplier LLC") == 1
    (customer,) = books.create("customers", [{"customerName": "New Client"}])
    assert customer["customerName"] == "New Client"
    (account,) = books.create(
        "chartOfAccounts",
        [{"name": "Card fees", "nominalCode": "6455", "type": "Expense", "currency": "USD"}],
    )
    assert account["nominalCode"] == "6455" and account["type"] == "Expense"
    (bank,) = books.create(
        "bankAccounts", [{"accountName": "Team card", "accountType": "Credit", "currency": "USD"}]
    )
    assert bank["accountType"] == "Credit"
    assert {a["Name"]: a["AccountType"] for a in held(sandbox, linked, "Account")}[
        "Team card"
    ] == "Credit Card"
    updated = books.update("suppliers", supplier["id"], {"supplierName": "Renamed LLC"})
    assert updated["supplierName"] == "Renamed LLC" and updated["emailAddress"] is None


# -- postings -----------------------------------------------------------------------------


def test_every_expense_type_posts_as_its_quickbooks_entity_in_the_us(
    runtime: Runtime, linked: Linked, sandbox: RunningSandbox
) -> None:
    books = books_of(runtime, linked.connection_id)
    account = ids(books, "chartOfAccounts", "name")
    supplier = ids(books, "suppliers", "supplierName")
    customer = ids(books, "customers", "customerName")
    tracking = {t["name"]: t["id"] for t in books.read("trackingCategories") if t["parentId"]}
    travel = PostingLine(
        account["Travel"],
        Decimal("100.00"),
        Decimal("8.00"),
        None,
        tracking=(
            ("trackingCategories", tracking["Sales"]),
            ("trackingCategories", tracking["North"]),
        ),
        description="Train",
    )
    card, checking = account["Company Credit Card"], account["Checking"]
    reward = PostingLine(account["Card Rewards"], Decimal("5"))
    long_key = str(uuid.uuid4())
    postings = [
        posting(long_key, "expense", "Payment", [travel], counter_account=card,
                contact=supplier["City Taxis"]),
        posting("cash-1", "expense", "Payment", [travel], counter_account=checking),
        posting("refund-1", "expense", "Refund", [travel], counter_account=card),
        posting("reward-1", "expense", "Reward", [reward], counter_account=checking,
                contact=customer["Big Client"], contact_kind="customer"),
        posting("claim-1", "reimbursable", "ReimbursableExpense", [travel],
                contact=supplier["Jane Employee (vendor)"], contact_kind="employee"),
        posting("move-1", "transfer", "Transfer",
                [PostingLine(checking, Decimal(-500)),
                 PostingLine(account["Savings"], Decimal(500))]),
        posting("adj-1", "adjustment", "Adjustment",
                [PostingLine(account["Travel"], Decimal("12.5")),
                 PostingLine(checking, Decimal("-12.5"))]),
    ]  # fmt: skip
    landed = books.post(postings)
    assert [p.key for p in landed] == [p.key for p in postings]
    purchases = {p["PrivateNote"].split()[2]: p for p in held(sandbox, linked, "Purchase")}
    paid = purchases[long_key]
    assert (paid["PaymentType"], paid.get("Credit", False)) == ("CreditCard", False)
    assert len(paid["DocNumber"]) <= 21
    line = paid["Line"][0]
    assert float(line["Amount"]) == 108.0  # US: the tax is part of the cost
    detail = line["AccountBasedExpenseLineDetail"]
    assert "TaxCodeRef" not in detail and detail["ClassRef"]["value"] == tracking["Sales"][6:]
    assert paid["DepartmentRef"]["value"] == tracking["North"][11:]
    assert paid["EntityRef"]["value"] == supplier["City Taxis"]
    assert purchases["cash-1"]["PaymentType"] == "Check"
    assert purchases["refund-1"]["Credit"] is True
    (deposit,) = held(sandbox, linked, "Deposit")
    assert (
        deposit["DocNumber"] == "reward-1" and deposit["DepositToAccountRef"]["value"] == checking
    )
    (bill,) = held(sandbox, linked, "Bill")
    assert bill["DocNumber"] == "claim-1"
    assert bill["VendorRef"]["value"] == supplier["Jane Employee (vendor)"]
    (transfer,) = held(sandbox, linked, "Transfer")
    assert float(transfer["Amount"]) == 500.0 and transfer["FromAccountRef"]["value"] == checking
    (journal,) = held(sandbox, linked, "JournalEntry")
    assert [x["JournalEntryLineDetail"]["PostingType"] for x in journal["Line"]] == [
        "Debit",
        "Credit",
    ]
    # The same postings again (a retry after a crash) write nothing new.
    again = books_of(runtime, linked.connection_id).post(postings)
    assert [p.reference for p in again] == [p.reference for p in landed]
    assert len(held(sandbox, linked, "Purchase")) == 3
    for entity in ("Deposit", "Bill", "Transfer", "JournalEntry"):
        assert len(held(sandbox, linked, entity)) == 1, entity


def test_a_uk_company_takes_a_tax_code_per_line_and_foreign_currency(
    runtime: Runtime, linked_uk: Linked, sandbox: RunningSandbox
) -> None:
    books = books_of(runtime, linked_uk.connection_id)
    account = ids(books, "chartOfAccounts", "name")
    vat = ids(books, "taxRates", "name")
    line = PostingLine(account["Travel"], Decimal("100"), Decimal("20"), vat["20.0% S"])
    card = account["Company Credit Card"]
    postings = [
        posting("uk-pay", "expense", "Payment", [line], counter_account=card),
        posting("uk-refund", "expense", "Refund", [line], counter_account=account["Checking"]),
        posting("uk-claim", "reimbursable", "ReimbursableExpense", [line],
                contact=ids(books, "suppliers", "supplierName")["Jane Employee (vendor)"]),
    ]  # fmt: skip
    landed = books.post(postings)
    assert [p.key for p in landed] == [p.key for p in postings]
    purchases = {p["DocNumber"]: p for p in held(sandbox, linked_uk, "Purchase")}
    detail = purchases["uk-pay"]["Line"][0]["AccountBasedExpenseLineDetail"]
    assert detail["TaxCodeRef"]["value"] == vat["20.0% S"]
    assert purchases["uk-pay"]["GlobalTaxCalculation"] == "TaxExcluded"
    (deposit,) = held(sandbox, linked_uk, "Deposit")
    assert deposit["DocNumber"] == "uk-refund"
    (bill,) = held(sandbox, linked_uk, "Bill")
    bill_line = bill["Line"][0]["AccountBasedExpenseLineDetail"]
    assert bill_line["TaxCodeRef"]["value"] == vat["20.0% S"]
    untaxed = posting(
        "uk-untaxed",
        "expense",
        "Payment",
        [PostingLine(account["Travel"], Decimal(5))],
        counter_account=card,
    )
    with pytest.raises(ValidationConnectorError) as refused:
        books_of(runtime, linked_uk.connection_id).post([untaxed])
    assert refused.value.field == "taxRateRef"
    assert "uk-untaxed" not in {p["DocNumber"] for p in held(sandbox, linked_uk, "Purchase")}


def test_a_foreign_currency_purchase_carries_its_currency_and_rate(
    runtime: Runtime, linked_uk: Linked, sandbox: RunningSandbox
) -> None:
    books = books_of(runtime, linked_uk.connection_id)
    account = ids(books, "chartOfAccounts", "name")
    vat = ids(books, "taxRates", "name")
    line = PostingLine(account["Travel"], Decimal("100"), Decimal("20"), vat["20.0% S"])
    euros = posting("uk-eur", "expense", "Payment", [line], counter_account=account["Euro Account"],
                    currency="EUR", currency_rate=Decimal("0.86"))  # fmt: skip
    (landed,) = books.post([euros])
    (stored,) = held(sandbox, linked_uk, "Purchase")
    assert stored["Id"] == landed.reference
    assert stored["CurrencyRef"]["value"] == "EUR" and stored["DocNumber"] == "uk-eur"
    assert float(stored["ExchangeRate"]) == pytest.approx(0.86)
    dollars = posting("us-usd", "expense", "Payment", [line], counter_account=account["Checking"],
                      currency="JPY", currency_rate=Decimal("0.005"))  # fmt: skip
    with pytest.raises(ValidationConnectorError) as refused:
        books.post([dollars])  # not one of the company's currencies: QuickBooks' words
    assert refused.value.message


def test_one_refused_item_of_a_batch_fails_alone_with_quickbooks_words(
    runtime: Runtime, linked: Linked, sandbox: RunningSandbox
) -> None:
    books = books_of(runtime, linked.connection_id)
    account = ids(books, "chartOfAccounts", "name")
    card = account["Company Credit Card"]
    good = posting("good", "expense", "Payment", [PostingLine(account["Travel"], Decimal(10))],
                   counter_account=card)  # fmt: skip
    bad = posting("bad", "expense", "Payment", [PostingLine(account["Travel"], Decimal(10))],
                  counter_account=card, contact="999999")  # fmt: skip
    with pytest.raises(ValidationConnectorError):
        books.post([good, bad])
    calls = books.api.client.calls  # type: ignore[attr-defined]
    (found,) = books.post([good])  # as the engine retries: one at a time
    with pytest.raises(ValidationConnectorError) as refused:
        books.post([bad])
    assert "999999" in refused.value.message or "Invalid" in refused.value.message
    assert books.api.client.calls == calls  # type: ignore[attr-defined]  # answered from memory
    assert [p["DocNumber"] for p in held(sandbox, linked, "Purchase")] == ["good"]
    assert found.key == "good"


def test_a_refusal_fixed_in_quickbooks_lands_on_the_next_try(
    runtime: Runtime, linked: Linked, sandbox: RunningSandbox
) -> None:
    books = books_of(runtime, linked.connection_id)
    account = ids(books, "chartOfAccounts", "name")
    vendor = ids(books, "suppliers", "supplierName")["Coffee House"]
    company = sandbox.memory.company(linked.realm_id)
    assert company is not None
    company.get("Vendor", vendor)["Active"] = False
    payment = posting("fixable", "expense", "Payment", [PostingLine(account["Travel"], Decimal(4))],
                      counter_account=account["Company Credit Card"], contact=vendor)  # fmt: skip
    with pytest.raises(ValidationConnectorError) as refused:
        books.post([payment])
    assert "inactive" in refused.value.message
    company.get("Vendor", vendor)["Active"] = True  # the customer fixes it in QuickBooks
    (landed,) = books_of(runtime, linked.connection_id).post([payment])  # the same revision
    assert [p["Id"] for p in held(sandbox, linked, "Purchase")] == [landed.reference]


def test_quickbooks_own_refusals_reach_the_transaction_with_the_field(
    runtime: Runtime, linked: Linked, sandbox: RunningSandbox
) -> None:
    books = books_of(runtime, linked.connection_id)
    account = ids(books, "chartOfAccounts", "name")
    card = account["Company Credit Card"]
    line = [PostingLine(account["Travel"], Decimal(3))]
    # A bookkeeper's own purchase already numbered like our key: not taken for ours.
    theirs = posting("ref-77", "expense", "Payment", line, counter_account=card)
    company = sandbox.memory.company(linked.realm_id)
    assert company is not None
    company.store(
        "Purchase", {**held_body(theirs, books), "PrivateNote": "typed by hand"}, new=True
    )
    with pytest.raises(ValidationConnectorError) as duplicate:
        books.post([theirs])
    assert "Duplicate Document Number" in duplicate.value.message
    assert duplicate.value.field == "id"
    sandbox.control(
        "PUT", f"companies/{linked.realm_id}/preferences", json={"BookCloseDate": "2026-11-30"}
    )
    with pytest.raises(ValidationConnectorError) as closed:
        books.post([posting("late", "expense", "Payment", line, counter_account=card)])
    assert "books are closed" in closed.value.message and closed.value.field == "issueDate"
    assert [p["PrivateNote"] for p in held(sandbox, linked, "Purchase")] == ["typed by hand"]


def held_body(item: Posting, books: LedgerSession) -> dict[str, Any]:
    """What QuickBooks would hold for ``item`` had someone typed it in."""
    chart = books._chart()  # type: ignore[attr-defined]
    return record(item, chart)


def test_a_write_whose_answer_was_lost_is_found_not_repeated(
    runtime: Runtime, linked: Linked, sandbox: RunningSandbox
) -> None:
    books = books_of(runtime, linked.connection_id)
    account = ids(books, "chartOfAccounts", "name")
    payment = posting("lost", "expense", "Payment", [PostingLine(account["Travel"], Decimal(7))],
                      counter_account=account["Company Credit Card"])  # fmt: skip
    fault(sandbox, path=f"/v3/company/{linked.realm_id}/batch", kind="drop", method="POST")
    with pytest.raises(RetriableConnectorError):
        books.post([payment])
    assert [p["DocNumber"] for p in held(sandbox, linked, "Purchase")] == ["lost"]
    (landed,) = books_of(runtime, linked.connection_id).post([payment])  # the engine's retry
    purchases = held(sandbox, linked, "Purchase")
    assert len(purchases) == 1 and landed.reference == purchases[0]["Id"]


def test_a_later_revision_replaces_the_entity_in_place(
    runtime: Runtime, linked: Linked, sandbox: RunningSandbox
) -> None:
    books = books_of(runtime, linked.connection_id)
    account = ids(books, "chartOfAccounts", "name")
    first = posting("rev", "expense", "Payment", [PostingLine(account["Travel"], Decimal(7))],
                    counter_account=account["Company Credit Card"])  # fmt: skip
    (one,) = books.post([first])
    fixed = posting("rev", "expense", "Payment", [PostingLine(account["Travel"], Decimal(9))],
                    counter_account=account["Company Credit Card"], revision=2)  # fmt: skip
    (two,) = books_of(runtime, linked.connection_id).post([fixed])
    (stored,) = held(sandbox, linked, "Purchase")
    assert two.reference == one.reference == stored["Id"] and two.revision == 2
    assert float(stored["Line"][0]["Amount"]) == 9.0 and "(revision 2)" in stored["PrivateNote"]


# -- tokens and limits --------------------------------------------------------------------


def test_an_expired_token_is_refreshed_mid_run_and_the_rotation_saved(
    runtime: Runtime, linked: Linked, sandbox: RunningSandbox
) -> None:
    books = books_of(runtime, linked.connection_id)
    books.check()
    with UnitOfWork(runtime.session_factory) as uow:
        before = uow.session.scalar(
            select(Connection.secrets_version).where(
                Connection.id == uuid.UUID(linked.connection_id)
            )
        )
    sandbox.control("POST", "tokens/expire")
    assert books.read("suppliers")  # 401, refresh, the same call again
    with UnitOfWork(runtime.session_factory) as uow:
        row = uow.session.get(Connection, uuid.UUID(linked.connection_id))
        assert row is not None and row.secrets_version == (before or 0) + 1
    assert books_of(runtime, linked.connection_id).read("company")  # the saved tokens work


def test_revoked_access_deauthorizes_the_connection_with_a_webhook(
    runtime: Runtime, linked: Linked, sandbox: RunningSandbox
) -> None:
    books = books_of(runtime, linked.connection_id)
    sandbox.control("POST", "tokens/revoke")
    with pytest.raises(FatalConnectorError):
        books.read("suppliers")
    connection = linked.connection()
    assert connection["status"] == "Deauthorized"
    assert connection["dataConnectionErrors"][0]["errorMessage"]
    with UnitOfWork(runtime.session_factory) as uow:
        events = list(uow.session.scalars(select(WebhookEvent.event_type)))
    assert events == ["connection.disconnected"]


def test_throttling_becomes_a_retriable_error_with_retry_after(
    runtime: Runtime, linked: Linked, sandbox: RunningSandbox
) -> None:
    books = books_of(runtime, linked.connection_id)
    books.check()
    sandbox.control("PUT", "limits", json={"per_minute": 1})
    with pytest.raises(RetriableConnectorError) as limited:
        books.read("taxRates")
    assert limited.value.retry_after is not None and limited.value.retry_after >= 1
    calls = sandbox.control("GET", "calls").json()
    other = books_of(runtime, linked.connection_id)  # another worker, same realm
    with pytest.raises(RetriableConnectorError) as waiting:
        other.read("customers")
    assert waiting.value.retry_after is not None and waiting.value.retry_after > 1
    assert sandbox.control("GET", "calls").json() == calls  # never sent


# -- receipts -----------------------------------------------------------------------------


def test_receipts_attach_once_as_attachables_linked_to_the_entity(
    runtime: Runtime, linked: Linked, sandbox: RunningSandbox, tmp_path: Path
) -> None:
    books = books_of(runtime, linked.connection_id)
    account = ids(books, "chartOfAccounts", "name")
    (paid,) = books.post([posting("receipt-1", "expense", "Payment",
                                  [PostingLine(account["Travel"], Decimal(9))],
                                  counter_account=account["Company Credit Card"])])  # fmt: skip
    receipt = tmp_path / "receipt.png"
    receipt.write_bytes(PNG)
    document = Document("doc-1", "receipt.png", "image/png", receipt, len(PNG), "x")
    first = books_of(runtime, linked.connection_id).attach("receipt-1", document)
    second = books_of(runtime, linked.connection_id).attach("receipt-1", document)
    assert first == second
    (attachable,) = held(sandbox, linked, "Attachable")
    assert attachable["AttachableRef"][0]["EntityRef"] == {
        "type": "Purchase",
        "value": paid.reference,
    }
    (stored,) = sandbox.state(linked.realm_id)["files"].values()
    assert stored["Size"] == len(PNG) and stored["ContentType"] == "image/png"
    fake = tmp_path / "fake.png"
    fake.write_bytes(b"MZ\x90\x00 not an image")
    with pytest.raises(ValidationConnectorError) as refused:
        books.attach("receipt-1", Document("doc-2", "fake.png", "image/png", fake, 18, "y"))
    assert "accepts" in refused.value.message
    with pytest.raises(ValidationConnectorError):
        books.attach("never-posted", document)


# -- the conformance suite ----------------------------------------------------------------


@pytest.fixture
def connector() -> QuickBooksConnector:
    return QuickBooksConnector()


@pytest.fixture
def books(runtime: Runtime, linked: Linked) -> LedgerSession:
    return books_of(runtime, linked.connection_id)


class TestQuickBooksConformance(ConnectorConformance):
    pass
