"""The Business Central connector against the BC sandbox over real HTTP (every request
and answer held to the schemas built from Microsoft's v2.0 pages): link by OAuth, read,
push, post every type, partial success, exactly once after a lost answer, postAsDraft,
token refresh and revocation, receipts, the conformance suite."""

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
    ConnectorError,
    Document,
    FatalConnectorError,
    LedgerSession,
    Posting,
    PostingLine,
    RetriableConnectorError,
    ValidationConnectorError,
)
from expense_sync.connectors.business_central import BusinessCentralConnector
from expense_sync.connectors.business_central.posting import document_number
from expense_sync.storage.models import Connection, WebhookEvent
from expense_sync.storage.uow import UnitOfWork
from sandboxes.business_central import RunningSandbox
from tests.conftest import Tenant
from tests.connectors import conformance
from tests.connectors.bc_sandbox import Linked, bc_settings, books_of, link
from tests.connectors.bc_sandbox import sandbox as sandbox  # the fixture
from tests.connectors.cloud import PNG as PNG  # also for the e2e tests and benchmarks
from tests.connectors.conformance import ConnectorConformance


@pytest.fixture
def settings(settings: Settings, sandbox: RunningSandbox) -> Settings:
    return bc_settings(settings, sandbox)


@pytest.fixture
def linked(api: TestClient, tenant: Tenant) -> Linked:
    return link(api, tenant)


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


def lines_of(sandbox: RunningSandbox, linked: Linked, key: str) -> list[dict[str, Any]]:
    held = sandbox.state(linked.bc_company).get("journalLines", [])
    return [line for line in held if line["documentNumber"] == document_number(key)]


class Refs:
    def __init__(self, books: LedgerSession) -> None:
        self.account = ids(books, "chartOfAccounts", "nominalCode")
        self.bank = ids(books, "bankAccounts", "nominalCode")
        self.vendor = ids(books, "suppliers", "supplierName")
        self.tax = ids(books, "taxRates", "code")
        self.values = {
            t["name"]: t["id"] for t in books.read("trackingCategories") if t["parentId"]
        }


# -- linking and reading ---------------------------------------------------------------------


def test_link_by_oauth_picks_the_environment_and_company(
    runtime: Runtime, linked: Linked, sandbox: RunningSandbox
) -> None:
    info = linked.connection()["connectionInfo"]
    assert info["environment"] == "production"
    assert info["companyId"] == sandbox.company_id()
    assert info["companyName"] == "CRONUS USA, Inc."
    with UnitOfWork(runtime.session_factory) as uow:
        row = uow.session.get(Connection, uuid.UUID(linked.connection_id))
        assert row is not None and row.encrypted_secrets
        assert "refresh_token" not in row.encrypted_secrets


def test_reads_come_in_codats_shapes(runtime: Runtime, linked: Linked) -> None:
    books = books_of(runtime, linked.connection_id)
    accounts = {a["nominalCode"]: a for a in books.read("chartOfAccounts")}
    assert accounts["60100"]["type"] == "Expense" and accounts["60100"]["name"] == "Travel"
    assert accounts["20100"]["type"] == "Liability"
    banks = {b["nominalCode"]: b for b in books.read("bankAccounts")}
    assert banks["CARD"]["accountName"] == "Company card" and banks["CARD"]["currency"] == "USD"
    assert "Jane Employee" in {s["supplierName"] for s in books.read("suppliers")}
    tracking = books.read("trackingCategories")
    parents = {t["id"]: t["name"] for t in tracking if t["parentId"] is None}
    assert set(parents.values()) == {"Department", "Project"}
    sales = next(t for t in tracking if t["name"] == "Sales")
    assert parents[sales["parentId"]] == "Department"
    assert {t["code"] for t in books.read("taxRates")} == {"NONTAXABLE", "SUPPLIES"}
    (company,) = books.read("company")
    assert company["companyName"] == "CRONUS USA, Inc." and company["baseCurrency"] == "USD"


def test_pushes_and_the_accounts_bc_cannot_create(runtime: Runtime, linked: Linked) -> None:
    books = books_of(runtime, linked.connection_id)
    (supplier,) = books.create("suppliers", [{"supplierName": "New Vendor", "phone": "555"}])
    assert supplier["supplierName"] == "New Vendor" and supplier["phone"] == "555"
    (bank,) = books.create(
        "bankAccounts",
        [{"accountName": "Team card", "accountType": "Credit", "nominalCode": "TEAM",
          "accountNumber": "4000", "currency": "USD"}],
    )  # fmt: skip
    assert bank["nominalCode"] == "TEAM" and bank["accountNumber"] == "4000"
    updated = books.update("suppliers", supplier["id"], {"supplierName": "Renamed Vendor"})
    assert updated["supplierName"] == "Renamed Vendor" and updated["phone"] is None
    with pytest.raises(ValidationConnectorError) as refused:
        books.create("chartOfAccounts", [{"name": "X", "type": "Expense", "currency": "USD"}])
    assert "read-only" in refused.value.message


# -- postings ---------------------------------------------------------------------------------


def test_every_expense_type_posts_as_its_bc_record(
    runtime: Runtime, linked: Linked, sandbox: RunningSandbox
) -> None:
    books = books_of(runtime, linked.connection_id)
    refs = Refs(books)
    travel = PostingLine(
        refs.account["60100"],
        Decimal("100.00"),
        Decimal("8.00"),
        refs.tax["SUPPLIES"],
        tracking=(("trackingCategories", refs.values["Sales"]),
                  ("trackingCategories", refs.values["Project Alpha"])),
        description="Train",
    )  # fmt: skip
    card = refs.bank["CARD"]
    postings = [
        posting("pay-1", "expense", "Payment", [travel], counter_account=card),
        posting("refund-1", "expense", "Refund", [travel], counter_account=card),
        posting("claim-1", "reimbursable", "ReimbursableExpense", [travel],
                contact=refs.vendor["Jane Employee"], contact_kind="employee"),
        posting("move-1", "transfer", "Transfer",
                [PostingLine(refs.bank["CHECKING"], Decimal(-500)),
                 PostingLine(card, Decimal(500))]),
        posting("adj-1", "adjustment", "Adjustment",
                [PostingLine(refs.account["60200"], Decimal("12.5")),
                 PostingLine(refs.account["10100"], Decimal("-12.5"))]),
    ]  # fmt: skip
    landed = books.post(postings)
    assert [p.key for p in landed] == [p.key for p in postings]
    (pay,) = lines_of(sandbox, linked, "pay-1")
    assert pay["amount"] == 108.0 and pay["accountNumber"] == "60100"
    assert pay["balanceAccountType"] == "Bank Account" and pay["balancingAccountNumber"] == "CARD"
    assert pay["taxCode"] == "SUPPLIES" and pay["externalDocumentNumber"] == "pay-1"
    assert lines_of(sandbox, linked, "refund-1")[0]["amount"] == -108.0
    held = sandbox.state(linked.bc_company)
    dimensions = [d for d in held["dimensionSetLines"] if d["parentId"] == pay["id"]]
    assert {(d["code"], d["valueCode"]) for d in dimensions} == {
        ("DEPARTMENT", "SALES"),
        ("PROJECT", "ALPHA"),
    }
    (invoice,) = held["purchaseInvoices"]
    assert invoice["vendorName"] == "Jane Employee" and invoice["status"] == "Open"
    assert invoice["vendorInvoiceNumber"] == document_number("claim-1")
    assert [landed[2].reference] == [invoice["id"]]
    (move,) = lines_of(sandbox, linked, "move-1")
    assert (move["accountNumber"], move["balancingAccountNumber"], move["amount"]) == (
        "CARD",
        "CHECKING",
        500.0,
    )
    assert sorted(line["amount"] for line in lines_of(sandbox, linked, "adj-1")) == [-12.5, 12.5]
    # The same postings again (a retry after a crash) write nothing new.
    count = len(held["journalLines"])
    again = books_of(runtime, linked.connection_id).post(postings)
    assert [p.reference for p in again] == [p.reference for p in landed]
    after = sandbox.state(linked.bc_company)
    assert len(after["journalLines"]) == count and len(after["purchaseInvoices"]) == 1


def test_post_as_draft_leaves_the_purchase_invoice_unposted(
    runtime: Runtime, linked: Linked, sandbox: RunningSandbox
) -> None:
    books = books_of(runtime, linked.connection_id)
    refs = Refs(books)
    claim = posting("draft-1", "reimbursable", "ReimbursableExpense",
                    [PostingLine(refs.account["60300"], Decimal(20))],
                    contact=refs.vendor["Jane Employee"], draft=True)  # fmt: skip
    books.post([claim])
    (invoice,) = sandbox.state(linked.bc_company)["purchaseInvoices"]
    assert invoice["status"] == "Draft"


def test_one_bad_posting_fails_alone_with_bcs_words(
    runtime: Runtime, linked: Linked, sandbox: RunningSandbox
) -> None:
    books = books_of(runtime, linked.connection_id)
    refs = Refs(books)
    line = PostingLine(refs.account["60100"], Decimal(10))
    good = posting("good-1", "expense", "Payment", [line], counter_account=refs.bank["CARD"])
    # A vendor deleted in BC since it was read: only BC can tell.
    bad = posting("bad-1", "reimbursable", "ReimbursableExpense", [line],
                  contact=str(uuid.uuid4()))  # fmt: skip
    with pytest.raises(ValidationConnectorError) as refused:
        books.post([good, bad])
    assert "bad-1" in refused.value.message and "Vendor does not exist" in refused.value.message
    assert "good-1" not in refused.value.message
    assert len(lines_of(sandbox, linked, "good-1")) == 1
    (landed,) = books.post([good])  # the engine retries one by one: no call for what landed
    assert landed.reference == lines_of(sandbox, linked, "good-1")[0]["id"]
    with pytest.raises(ValidationConnectorError):
        books.post([bad])


def test_what_bc_cannot_take_is_refused_before_any_write(
    runtime: Runtime, linked: Linked, sandbox: RunningSandbox
) -> None:
    books = books_of(runtime, linked.connection_id)
    refs = Refs(books)
    line = PostingLine(refs.account["60100"], Decimal(10))
    euro = posting("eur-1", "expense", "Payment", [line], counter_account=refs.bank["CARD"],
                   currency="EUR")  # fmt: skip
    with pytest.raises(ValidationConnectorError) as refused:
        books.post([euro])
    assert refused.value.field == "currency"
    category = next(t["id"] for t in books.read("trackingCategories") if t["parentId"] is None)
    tracked = PostingLine(refs.account["60100"], Decimal(1),
                          tracking=(("trackingCategories", category),))  # fmt: skip
    with pytest.raises(ValidationConnectorError) as wrong:
        books.post([posting("t-1", "expense", "Payment", [tracked],
                            counter_account=refs.bank["CARD"])])  # fmt: skip
    assert wrong.value.field == "trackingRefs"
    assert sandbox.state(linked.bc_company).get("journalLines", []) == []


def test_a_lost_answer_is_found_not_repeated(
    runtime: Runtime, linked: Linked, sandbox: RunningSandbox
) -> None:
    books = books_of(runtime, linked.connection_id)
    refs = Refs(books)
    payment = posting("lost", "expense", "Payment",
                      [PostingLine(refs.account["60100"], Decimal(5))],
                      counter_account=refs.bank["CARD"])  # fmt: skip
    fault = {"path": "/v2.0/production/api/v2.0/$batch", "kind": "drop"}
    assert httpx.post(f"{sandbox.base_url}/__sandbox__/faults", json=fault).status_code == 201
    with pytest.raises(RetriableConnectorError):
        books.post([payment])
    assert len(lines_of(sandbox, linked, "lost")) == 1  # it landed; the answer did not
    (landed,) = books_of(runtime, linked.connection_id).post([payment])  # the engine's retry
    (held,) = lines_of(sandbox, linked, "lost")
    assert landed.reference == held["id"]


# -- tokens ---------------------------------------------------------------------------------


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
    assert books_of(runtime, linked.connection_id).read("company")


def test_revoked_access_deauthorizes_the_connection_with_a_webhook(
    runtime: Runtime, linked: Linked, sandbox: RunningSandbox
) -> None:
    books = books_of(runtime, linked.connection_id)
    assert httpx.post(f"{sandbox.base_url}/__sandbox__/tokens/revoke").status_code == 204
    with pytest.raises(FatalConnectorError) as refused:
        books.read("suppliers")
    assert "AADSTS50173" in refused.value.message
    connection = linked.connection()
    assert connection["status"] == "Deauthorized"
    with UnitOfWork(runtime.session_factory) as uow:
        events = list(uow.session.scalars(select(WebhookEvent.event_type)))
    assert events == ["connection.disconnected"]


# -- receipts ---------------------------------------------------------------------------------


def test_receipts_attach_once_to_the_posted_record(
    runtime: Runtime, linked: Linked, sandbox: RunningSandbox, tmp_path: Path
) -> None:
    books = books_of(runtime, linked.connection_id)
    refs = Refs(books)
    line = PostingLine(refs.account["60100"], Decimal(9))
    books.post([
        posting("receipt-1", "expense", "Payment", [line], counter_account=refs.bank["CARD"]),
        posting("claim-r", "reimbursable", "ReimbursableExpense", [line],
                contact=refs.vendor["Jane Employee"]),
    ])  # fmt: skip
    receipt = tmp_path / "receipt.png"
    receipt.write_bytes(PNG)
    document = Document("doc-1", "receipt.png", "image/png", receipt, len(PNG), "x")
    first = books_of(runtime, linked.connection_id).attach("receipt-1", document)
    assert books_of(runtime, linked.connection_id).attach("receipt-1", document) == first
    books.attach("claim-r", Document("doc-2", "r.png", "image/png", receipt, len(PNG), "y"))
    held = sandbox.state(linked.bc_company)["documentAttachments"]
    by_type = {a["parentType"]: a for a in held}
    assert len(held) == 2 and by_type["Journal"]["byteSize"] == len(PNG)
    assert by_type["Journal"]["parentId"] == lines_of(sandbox, linked, "receipt-1")[0]["id"]
    invoice = sandbox.state(linked.bc_company)["purchaseInvoices"][0]
    assert by_type["Purchase Invoice"]["parentId"] == invoice["id"]
    assert sandbox.memory.company(linked.bc_company).contents[first] == PNG  # type: ignore[union-attr]
    fake = tmp_path / "fake.png"
    fake.write_bytes(b"MZ\x90\x00 not an image")
    with pytest.raises(ValidationConnectorError):
        books.attach("receipt-1", Document("doc-3", "fake.png", "image/png", fake, 18, "z"))
    with pytest.raises(ValidationConnectorError):
        books.attach("never-posted", document)


# -- the conformance suite --------------------------------------------------------------------


@pytest.fixture
def connector() -> BusinessCentralConnector:
    return BusinessCentralConnector()


@pytest.fixture
def books(runtime: Runtime, linked: Linked) -> LedgerSession:
    return books_of(runtime, linked.connection_id)


class TestBusinessCentralConformance(ConnectorConformance):
    """BC's API v2.0 cannot create G/L accounts, so the checks the suite runs on
    ``chartOfAccounts`` run on bank accounts (numbered by ``nominalCode``) here, and
    ``chartOfAccounts`` must be refused."""

    @pytest.mark.parametrize("data_type", list(conformance.SAMPLES))
    def test_writes_with_the_same_key_land_once(
        self, connector: Any, books: LedgerSession, data_type: str
    ) -> None:
        if data_type in connector.manifest.writes:
            super().test_writes_with_the_same_key_land_once(connector, books, data_type)
            return
        with pytest.raises(ValidationConnectorError):
            books.create(data_type, [conformance.SAMPLES[data_type](conformance.unique())])

    def test_a_batch_is_all_or_nothing(self, connector: Any, books: LedgerSession) -> None:
        good = {**conformance.SAMPLES["bankAccounts"](conformance.unique()), "nominalCode": "DUP"}
        before = [r["id"] for r in books.read("bankAccounts")]
        with pytest.raises(ValidationConnectorError):
            books.create("bankAccounts", [good, dict(good)])
        assert [r["id"] for r in books.read("bankAccounts")] == before

    def test_refused_input_is_classified_with_its_field(
        self, connector: Any, books: LedgerSession
    ) -> None:
        taken = {**conformance.SAMPLES["bankAccounts"](conformance.unique()), "nominalCode": "T1"}
        books.create("bankAccounts", [taken])
        with pytest.raises(ConnectorError) as caught:
            books.create("bankAccounts", [taken])
        assert isinstance(caught.value, ValidationConnectorError)
        assert caught.value.field and caught.value.message


def test_many_keys_are_looked_up_in_one_batch_and_land_once(
    runtime: Runtime, linked: Linked, sandbox: RunningSandbox
) -> None:
    books = books_of(runtime, linked.connection_id)
    refs = Refs(books)
    line = PostingLine(refs.account["60100"], Decimal(1))
    many = [
        posting(f"many-{n}", "expense", "Payment", [line], counter_account=refs.bank["CARD"])
        for n in range(40)
    ]
    books.post(many)
    before = httpx.get(f"{sandbox.base_url}/__sandbox__/calls").json()["admitted"]
    again = books_of(runtime, linked.connection_id)  # a new session: nothing remembered
    again._chart()  # type: ignore[attr-defined]  # its reads, counted apart
    reads = httpx.get(f"{sandbox.base_url}/__sandbox__/calls").json()["admitted"]
    landed = again.post(many)
    after = httpx.get(f"{sandbox.base_url}/__sandbox__/calls").json()["admitted"]
    assert after - reads == 1  # 40 keys, 3 filters, one $batch of GETs; nothing written
    assert reads > before
    assert len(sandbox.state(linked.bc_company)["journalLines"]) == 40
    assert {p.reference for p in landed} == {
        x["id"] for x in sandbox.state(linked.bc_company)["journalLines"]
    }


def test_a_later_revision_replaces_journal_lines_and_drafts_not_posted_invoices(
    runtime: Runtime, linked: Linked, sandbox: RunningSandbox
) -> None:
    books = books_of(runtime, linked.connection_id)
    refs = Refs(books)
    tracked = PostingLine(refs.account["60100"], Decimal(10),
                          tracking=(("trackingCategories", refs.values["Sales"]),))  # fmt: skip
    first = posting("rev", "expense", "Payment", [tracked, tracked],
                    counter_account=refs.bank["CARD"])  # fmt: skip
    books.post([first])
    second = Posting(**{**first.__dict__, "revision": 2,
                        "lines": (PostingLine(refs.account["60200"], Decimal(7)),)})  # fmt: skip
    (landed,) = books_of(runtime, linked.connection_id).post([second])  # found, then replaced
    (line,) = lines_of(sandbox, linked, "rev")
    assert (line["accountNumber"], line["amount"], landed.reference) == ("60200", 7.0, line["id"])
    assert sandbox.state(linked.bc_company)["dimensionSetLines"] == []  # went with the lines
    draft = posting("rev-claim", "reimbursable", "ReimbursableExpense", [tracked],
                    contact=refs.vendor["Jane Employee"], draft=True)  # fmt: skip
    posted = posting("rev-posted", "reimbursable", "ReimbursableExpense", [tracked],
                     contact=refs.vendor["Jane Employee"])  # fmt: skip
    books.post([draft, posted])
    later = [Posting(**{**p.__dict__, "revision": 2, "lines": (tracked, tracked)})
             for p in (draft, posted)]  # fmt: skip
    with pytest.raises(ValidationConnectorError) as refused:
        books_of(runtime, linked.connection_id).post(later)
    assert "rev-posted" in refused.value.message and "rev-claim" not in refused.value.message
    invoices = sandbox.state(linked.bc_company)["purchaseInvoices"]
    assert len(invoices) == 2
    redrafted = next(i for i in invoices if i["status"] == "Draft")
    assert redrafted["totalAmountExcludingTax"] == 20


def test_bcs_429_is_retriable_with_its_retry_after(
    runtime: Runtime, linked: Linked, sandbox: RunningSandbox
) -> None:
    books = books_of(runtime, linked.connection_id)
    books.check()
    used = httpx.get(f"{sandbox.base_url}/__sandbox__/calls").json()["admitted"]
    limits = {"per_window": used, "window_seconds": 300}
    assert httpx.put(f"{sandbox.base_url}/__sandbox__/limits", json=limits).status_code == 200
    with pytest.raises(RetriableConnectorError) as limited:
        books.read("taxRates")
    assert limited.value.retry_after is not None and limited.value.retry_after > 1
    assert "rate limit" in limited.value.message
