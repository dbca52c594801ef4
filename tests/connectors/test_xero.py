"""The Xero connector against the Xero sandbox over real HTTP (every request and answer
held to Xero's OpenAPI by the sandbox): link by OAuth, read, push, post every type,
partial success, exactly once after a lost answer, token refresh and revocation,
rate limits, receipts."""

from __future__ import annotations

import datetime as dt
import uuid
from datetime import UTC, datetime
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
from expense_sync.connectors.xero import XeroConnector
from expense_sync.storage.models import Connection, WebhookEvent
from expense_sync.storage.uow import UnitOfWork
from sandboxes.xero import RunningSandbox
from tests.conftest import Tenant
from tests.connectors import conformance
from tests.connectors.cloud import PNG as PNG  # also for the e2e tests and benchmarks
from tests.connectors.conformance import ConnectorConformance
from tests.connectors.xero_sandbox import (
    Linked,
    books_of,
    link,
    local,
    start_consent,
    xero_settings,
)
from tests.connectors.xero_sandbox import sandbox as sandbox  # the fixture


@pytest.fixture
def settings(settings: Settings, sandbox: RunningSandbox) -> Settings:
    return xero_settings(settings, sandbox)


@pytest.fixture
def linked(api: TestClient, tenant: Tenant) -> Linked:
    return link(api, tenant)


def state(sandbox: RunningSandbox, linked: Linked) -> dict[str, Any]:
    held: dict[str, Any] = sandbox.state(linked.tenant_id)
    return held


def ids(books: Any, data_type: str, field: str) -> dict[str, str]:
    return {str(r[field]): str(r["id"]) for r in books.read(data_type)}


def posting(key: str, kind: str, type_: str, lines: list[PostingLine], **extra: Any) -> Posting:
    return Posting(
        key=key,
        revision=1,
        kind=kind,
        type=type_,
        date=dt.date(2026, 11, 2),
        currency=extra.pop("currency", None),
        currency_rate=extra.pop("currency_rate", None),
        lines=tuple(lines),
        **extra,
    )


# -- linking ------------------------------------------------------------------------------


def test_link_by_oauth_keeps_tokens_encrypted(
    runtime: Runtime, linked: Linked, sandbox: RunningSandbox
) -> None:
    connection = linked.connection()
    assert connection["status"] == "Linked"
    assert connection["connectionInfo"]["organisationName"] == "Demo Company (UK)"
    assert sandbox.state(linked.tenant_id)["Organisation"]["Name"] == "Demo Company (UK)"
    with UnitOfWork(runtime.session_factory) as uow:
        row = uow.session.get(Connection, uuid.UUID(linked.connection_id))
        assert row is not None and row.encrypted_secrets
        assert "access_token" not in row.encrypted_secrets
        assert "refresh_token" not in row.encrypted_secrets


def test_a_wrong_or_replayed_state_is_refused_on_the_link_page(
    api: TestClient, tenant: Tenant
) -> None:
    forged = api.get("/link/oauth/callback", params={"state": "made-up", "code": "x"})
    assert forged.status_code == 400 and "did not start from this page" in forged.text
    consent = start_consent(api, tenant, "Replay Co")[2]
    granted = httpx.get(consent, follow_redirects=False)
    callback = local(granted.headers["location"])
    assert api.get(callback, follow_redirects=False).status_code == 303
    reloaded = api.get(callback)  # the customer reloads the page: nothing happens again
    assert reloaded.status_code == 200 and "Xero connected" in reloaded.text


def test_a_code_xero_refuses_shows_xeros_words(api: TestClient, tenant: Tenant) -> None:
    company_id, connection_id, consent = start_consent(api, tenant, "Bad Code Co")
    granted = httpx.get(consent, follow_redirects=False)
    callback = local(granted.headers["location"])
    state_value = httpx.URL(callback).params["state"]
    wrong = api.get("/link/oauth/callback", params={"state": state_value, "code": "not-a-code"})
    assert wrong.status_code == 400
    assert "refused the sign-in" in wrong.text and "invalid_grant" in wrong.text
    again = api.get("/link/oauth/callback", params={"state": state_value, "code": "other"})
    assert again.status_code == 400 and "already used" in again.text
    listed = api.get(f"/companies/{company_id}/connections/{connection_id}", headers=tenant.headers)
    assert listed.json()["status"] == "PendingAuth"


# -- reads and pushes ---------------------------------------------------------------------


def test_reads_every_type_in_codats_shape(runtime: Runtime, linked: Linked) -> None:
    books = books_of(runtime, linked.connection_id)
    books.check()
    accounts = {a["nominalCode"]: a for a in books.read("chartOfAccounts")}
    assert accounts["429"]["type"] == "Expense" and accounts["429"]["status"] == "Active"
    assert accounts["499"]["status"] == "Archived"
    assert accounts["090"]["isBankAccount"] is True and accounts["090"]["currency"] == "GBP"
    banks = {b["nominalCode"]: b for b in books.read("bankAccounts")}
    assert banks["092"]["accountType"] == "Credit" and banks["093"]["currency"] == "EUR"
    assert banks["090"]["id"] == accounts["090"]["id"]
    suppliers = {s["supplierName"] for s in books.read("suppliers")}
    assert {"City Taxis", "Jane Employee"} <= suppliers
    assert "Big Customer Ltd" in {c["customerName"] for c in books.read("customers")}
    taxes = {t["id"]: t for t in books.read("taxRates")}
    assert taxes["INPUT2"]["effectiveTaxRate"] == 20.0
    tracking = books.read("trackingCategories")
    region = next(t for t in tracking if t["name"] == "Region")
    assert region["hasChildren"] is True
    assert {t["name"] for t in tracking if t["parentId"] == region["id"]} == {
        "North",
        "South",
        "East",
        "West",
    }
    (company,) = books.read("company")
    assert company["companyName"] == "Demo Company (UK)" and company["baseCurrency"] == "GBP"


def test_pushes_land_once_in_xero(
    runtime: Runtime, linked: Linked, sandbox: RunningSandbox
) -> None:
    books = books_of(runtime, linked.connection_id)
    (supplier,) = books.create(
        "suppliers", [{"supplierName": "New Supplier Ltd", "emailAddress": "a@b.co"}], key="k1"
    )
    assert supplier["supplierName"] == "New Supplier Ltd"
    again = books_of(runtime, linked.connection_id).create(
        "suppliers", [{"supplierName": "New Supplier Ltd"}], key="k1"
    )
    assert again[0]["id"] == supplier["id"]
    names = [c["Name"] for c in state(sandbox, linked)["Contacts"]]
    assert names.count("New Supplier Ltd") == 1
    (account,) = books.create(
        "chartOfAccounts",
        [{"name": "Card fees", "nominalCode": "455", "type": "Expense", "currency": "GBP"}],
    )
    assert account["nominalCode"] == "455" and account["type"] == "Expense"
    (bank,) = books.create(
        "bankAccounts",
        [
            {
                "accountName": "Team card",
                "accountType": "Credit",
                "nominalCode": "095",
                "accountNumber": "4000",
                "currency": "GBP",
            }
        ],
    )
    assert bank["accountType"] == "Credit"
    updated = books.update("suppliers", supplier["id"], {"supplierName": "Renamed Ltd"})
    assert updated["supplierName"] == "Renamed Ltd"


# -- postings -----------------------------------------------------------------------------


def test_every_expense_type_posts_as_its_xero_record(
    runtime: Runtime, linked: Linked, sandbox: RunningSandbox
) -> None:
    books = books_of(runtime, linked.connection_id)
    account = ids(books, "chartOfAccounts", "nominalCode")
    supplier = ids(books, "suppliers", "supplierName")
    options = {t["name"]: t["id"] for t in books.read("trackingCategories") if t["parentId"]}
    travel = PostingLine(
        account["493"],
        Decimal("100.00"),
        Decimal("20.00"),
        "INPUT2",
        tracking=(("trackingCategories", options["North"]),),
        description="Train",
    )
    postings = [
        posting("pay-1", "expense", "Payment", [travel], counter_account=account["092"],
                contact=supplier["City Taxis"]),
        posting("refund-1", "expense", "Refund", [travel], counter_account=account["092"],
                payee="Rail Co"),
        posting("eur-1", "expense", "Payment", [PostingLine(account["429"], Decimal("50"))],
                counter_account=account["093"], currency="EUR", currency_rate=Decimal("0.86")),
        posting("claim-1", "reimbursable", "ReimbursableExpense", [travel],
                contact=supplier["Jane Employee"], contact_kind="employee"),
        posting("move-1", "transfer", "Transfer",
                [PostingLine(account["090"], Decimal(-500)),
                 PostingLine(account["092"], Decimal(500))]),
        posting("adj-1", "adjustment", "Adjustment",
                [PostingLine(account["429"], Decimal("12.5")),
                 PostingLine(account["090"], Decimal("-12.5"))]),
    ]  # fmt: skip
    landed = books.post(postings)
    assert [p.key for p in landed] == [p.key for p in postings]
    held = state(sandbox, linked)
    by_reference = {t["Reference"]: t for t in held["BankTransactions"]}
    assert by_reference["pay-1"]["Type"] == "SPEND"
    assert by_reference["refund-1"]["Type"] == "RECEIVE"
    line = by_reference["pay-1"]["LineItems"][0]
    assert line["AccountCode"] == "493" and line["TaxType"] == "INPUT2"
    assert float(line["TaxAmount"]) == 20.0
    assert line["Tracking"][0]["Option"] == "North"
    assert by_reference["eur-1"]["CurrencyCode"] == "EUR"
    assert float(by_reference["eur-1"]["CurrencyRate"]) == pytest.approx(0.86)
    (bill,) = [i for i in held["Invoices"] if i["InvoiceNumber"] == "claim-1"]
    assert bill["Type"] == "ACCPAY" and bill["Contact"]["Name"] == "Jane Employee"
    (transfer,) = held["BankTransfers"]
    assert transfer["Reference"] == "move-1" and float(transfer["Amount"]) == 500.0
    (journal,) = held["ManualJournals"]
    assert journal["Narration"] == "adj-1" and len(journal["JournalLines"]) == 2
    # The same postings again (a retry after a crash) write nothing new.
    again = books_of(runtime, linked.connection_id).post(postings)
    assert [p.reference for p in again] == [p.reference for p in landed]
    after = state(sandbox, linked)
    assert len(after["BankTransactions"]) == 3 and len(after["Invoices"]) == 1
    assert len(after["BankTransfers"]) == 1 and len(after["ManualJournals"]) == 1


def test_one_bad_posting_fails_alone_with_xeros_words(
    runtime: Runtime, linked: Linked, sandbox: RunningSandbox
) -> None:
    books = books_of(runtime, linked.connection_id)
    account = ids(books, "chartOfAccounts", "nominalCode")
    good = posting("good", "expense", "Payment", [PostingLine(account["429"], Decimal(10))],
                   counter_account=account["092"])  # fmt: skip
    bad = posting("bad", "expense", "Payment", [PostingLine(account["499"], Decimal(10))],
                  counter_account=account["092"])  # fmt: skip
    with pytest.raises(ValidationConnectorError):
        books.post([good, bad])
    calls = books.api.client.calls  # type: ignore[attr-defined]
    (found,) = books.post([good])  # as the engine retries: one at a time
    with pytest.raises(ValidationConnectorError) as refused:
        books.post([bad])
    assert "archived" in refused.value.message.lower() or "499" in refused.value.message
    assert books.api.client.calls == calls  # type: ignore[attr-defined]  # answered from memory
    references = [t["Reference"] for t in state(sandbox, linked)["BankTransactions"]]
    assert references == ["good"] and found.key == "good"


def test_too_many_tracking_categories_are_refused_before_sending(
    runtime: Runtime, linked: Linked, sandbox: RunningSandbox
) -> None:
    books = books_of(runtime, linked.connection_id)
    account = ids(books, "chartOfAccounts", "nominalCode")
    options = [t["id"] for t in books.read("trackingCategories") if t["parentId"]]
    line = PostingLine(
        account["429"], Decimal(5), tracking=tuple(("trackingCategories", o) for o in options[:2])
    )
    with pytest.raises(ValidationConnectorError) as refused:
        books.post([posting("t", "expense", "Payment", [line], counter_account=account["092"])])
    assert refused.value.field == "trackingRefs" and "one per category" in refused.value.message
    assert state(sandbox, linked)["BankTransactions"] == []


def test_a_write_whose_answer_was_lost_is_found_not_repeated(
    runtime: Runtime, linked: Linked, sandbox: RunningSandbox
) -> None:
    books = books_of(runtime, linked.connection_id)
    account = ids(books, "chartOfAccounts", "nominalCode")
    payment = posting("lost", "expense", "Payment", [PostingLine(account["429"], Decimal(7))],
                      counter_account=account["092"])  # fmt: skip
    fault = {"path": "/api.xro/2.0/BankTransactions", "kind": "drop", "method": "PUT"}
    assert httpx.post(f"{sandbox.base_url}/__sandbox__/faults", json=fault).status_code == 201
    with pytest.raises(RetriableConnectorError):
        books.post([payment])
    assert [t["Reference"] for t in state(sandbox, linked)["BankTransactions"]] == ["lost"]
    (landed,) = books_of(runtime, linked.connection_id).post([payment])  # the engine's retry
    held = state(sandbox, linked)["BankTransactions"]
    assert len(held) == 1 and landed.reference == held[0]["BankTransactionID"]


# -- tokens and limits --------------------------------------------------------------------


def test_an_expired_token_is_refreshed_and_the_rotation_saved(
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
    assert httpx.post(f"{sandbox.base_url}/__sandbox__/tokens/expire").status_code == 200
    assert books.read("taxRates")  # 401, refresh, the same call again
    with UnitOfWork(runtime.session_factory) as uow:
        row = uow.session.get(Connection, uuid.UUID(linked.connection_id))
        assert row is not None and row.secrets_version == (before or 0) + 1
    assert books_of(runtime, linked.connection_id).read("company")  # the saved tokens work


def test_revoked_access_deauthorizes_the_connection_with_a_webhook(
    runtime: Runtime, linked: Linked, sandbox: RunningSandbox
) -> None:
    books = books_of(runtime, linked.connection_id)
    assert httpx.post(f"{sandbox.base_url}/__sandbox__/tokens/revoke").status_code == 204
    with pytest.raises(FatalConnectorError) as refused:
        books.read("suppliers")
    assert "invalid_grant" in refused.value.message
    connection = linked.connection()
    assert connection["status"] == "Deauthorized"
    assert "invalid_grant" in connection["dataConnectionErrors"][0]["errorMessage"]
    with UnitOfWork(runtime.session_factory) as uow:
        events = list(uow.session.scalars(select(WebhookEvent.event_type)))
    assert events == ["connection.disconnected"]


def test_a_429_becomes_a_retriable_error_shared_by_every_session(
    runtime: Runtime, linked: Linked, sandbox: RunningSandbox
) -> None:
    books = books_of(runtime, linked.connection_id)
    books.check()
    limits = {"per_minute": 1}
    assert httpx.put(f"{sandbox.base_url}/__sandbox__/limits", json=limits).status_code == 200
    with pytest.raises(RetriableConnectorError) as limited:
        books.read("taxRates")
    assert limited.value.retry_after is not None and limited.value.retry_after > 0
    calls = httpx.get(f"{sandbox.base_url}/__sandbox__/calls").json()
    other = books_of(runtime, linked.connection_id)  # another worker, same tenant
    with pytest.raises(RetriableConnectorError) as waiting:
        other.read("company")
    assert waiting.value.retry_after is not None and waiting.value.retry_after > 1
    assert httpx.get(f"{sandbox.base_url}/__sandbox__/calls").json() == calls  # never sent


# -- receipts -----------------------------------------------------------------------------


def test_receipts_attach_once_and_are_checked_first(
    runtime: Runtime, linked: Linked, sandbox: RunningSandbox, tmp_path: Path
) -> None:
    books = books_of(runtime, linked.connection_id)
    account = ids(books, "chartOfAccounts", "nominalCode")
    (paid,) = books.post([posting("receipt-1", "expense", "Payment",
                                  [PostingLine(account["429"], Decimal(9))],
                                  counter_account=account["092"])])  # fmt: skip
    receipt = tmp_path / "receipt.png"
    receipt.write_bytes(PNG)
    document = Document("doc-1", "receipt.png", "image/png", receipt, len(PNG), "x")
    first = books_of(runtime, linked.connection_id).attach("receipt-1", document)
    second = books_of(runtime, linked.connection_id).attach("receipt-1", document)
    assert first == second
    attachments = state(sandbox, linked)["Attachments"]
    (held,) = [a for items in attachments.values() for a in items]
    assert held["FileName"].endswith("receipt.png") and held["ContentLength"] == len(PNG)
    fake = tmp_path / "fake.png"
    fake.write_bytes(b"MZ\x90\x00 not an image")
    with pytest.raises(ValidationConnectorError) as refused:
        books.attach("receipt-1", Document("doc-2", "fake.png", "image/png", fake, 18, "y"))
    assert "accepts" in refused.value.message
    big = Document("doc-3", "big.pdf", "application/pdf", receipt, 11 * 1024 * 1024, "z")
    with pytest.raises(ValidationConnectorError) as too_big:
        books.attach("receipt-1", big)
    assert "at most 10 MB" in too_big.value.message
    assert paid.reference


# -- the conformance suite ----------------------------------------------------------------


@pytest.fixture
def connector() -> XeroConnector:
    return XeroConnector()


@pytest.fixture
def books(runtime: Runtime, linked: Linked) -> LedgerSession:
    return books_of(runtime, linked.connection_id)


class TestXeroConformance(ConnectorConformance):
    @pytest.fixture(autouse=True)
    def bank_accounts_have_numbers(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Xero refuses a bank account without its number (so does the sandbox)."""
        sample = conformance.SAMPLES["bankAccounts"]
        monkeypatch.setitem(
            conformance.SAMPLES,
            "bankAccounts",
            lambda unique: {**sample(unique), "accountNumber": f"4{unique[:5]}"},
        )


def test_contacts_are_read_again_only_as_far_as_they_changed(
    runtime: Runtime, linked: Linked, sandbox: RunningSandbox
) -> None:
    organisation = sandbox.sandbox.tenant(linked.tenant_id)
    assert organisation is not None
    for contact in organisation.contacts:  # seeded a day ago, as a real organisation's
        organisation.contacts._modified[contact["ContactID"]] = datetime(2020, 1, 1, tzinfo=UTC)
    first = {s["supplierName"] for s in books_of(runtime, linked.connection_id).read("suppliers")}
    quiet = organisation.contacts.find(Name="City Taxis")
    assert quiet is not None
    quiet["Name"] = "Changed Without A Stamp"  # without Xero's stamp: only a full read sees it
    books = books_of(runtime, linked.connection_id)
    books.create("suppliers", [{"supplierName": "Stamped Supplier"}], key="s1")
    again = {s["supplierName"] for s in books_of(runtime, linked.connection_id).read("suppliers")}
    assert again == first | {"Stamped Supplier"}  # the change Xero stamped, and only it


def test_an_outage_is_retriable_and_writes_nothing(
    runtime: Runtime, linked: Linked, sandbox: RunningSandbox
) -> None:
    books = books_of(runtime, linked.connection_id)
    account = ids(books, "chartOfAccounts", "nominalCode")
    payment = posting("down", "expense", "Payment", [PostingLine(account["429"], Decimal(3))],
                      counter_account=account["092"])  # fmt: skip
    fault = {"path": "/api.xro/2.0/BankTransactions", "kind": "error", "status": 503,
             "method": "PUT"}  # fmt: skip
    assert httpx.post(f"{sandbox.base_url}/__sandbox__/faults", json=fault).status_code == 201
    with pytest.raises(RetriableConnectorError) as down:
        books.post([payment])
    assert "unavailable (HTTP 503)" in down.value.message
    assert state(sandbox, linked)["BankTransactions"] == []
    (landed,) = books.post([payment])  # Xero is back
    assert [t["Reference"] for t in state(sandbox, linked)["BankTransactions"]] == ["down"]
    assert landed.key == "down"
