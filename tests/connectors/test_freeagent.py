"""The FreeAgent connector against the FreeAgent sandbox over real HTTP (every request
and answer held to the schemas built from FreeAgent's Postman collection): link by
OAuth, read, push, post every type, partial success, exactly once after a lost answer,
token refresh and revocation, rate limits, receipts, the conformance suite."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import replace
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
from expense_sync.connectors.freeagent import FreeAgentConnector
from expense_sync.storage.models import Connection, WebhookEvent
from expense_sync.storage.uow import UnitOfWork
from sandboxes.freeagent import RunningSandbox
from tests.conftest import Tenant
from tests.connectors import conformance
from tests.connectors.cloud import PNG as PNG  # also for the e2e tests and benchmarks
from tests.connectors.conformance import ConnectorConformance, Refs, posting_of
from tests.connectors.conformance.posting import Written
from tests.connectors.freeagent_sandbox import Linked, freeagent_settings, link, start_consent
from tests.connectors.freeagent_sandbox import sandbox as sandbox  # the fixture
from tests.connectors.xero_sandbox import books_of


@pytest.fixture
def settings(settings: Settings, sandbox: RunningSandbox) -> Settings:
    return freeagent_settings(settings, sandbox)


@pytest.fixture
def linked(api: TestClient, tenant: Tenant, sandbox: RunningSandbox) -> Linked:
    return link(api, tenant, sandbox)


def state(sandbox: RunningSandbox, linked: Linked) -> dict[str, Any]:
    return sandbox.state(linked.sandbox_company)


def ids(books: Any, data_type: str, field: str) -> dict[str, str]:
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


def explanations(held: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {str(e.get("description")): e for e in held["bank_transaction_explanations"]}


# -- linking ------------------------------------------------------------------------------


def test_link_by_oauth_keeps_tokens_encrypted(runtime: Runtime, linked: Linked) -> None:
    connection = linked.connection()
    assert connection["status"] == "Linked"
    assert connection["connectionInfo"]["companyName"] == "Demo Company Ltd"
    with UnitOfWork(runtime.session_factory) as uow:
        row = uow.session.get(Connection, uuid.UUID(linked.connection_id))
        assert row is not None and row.encrypted_secrets
        assert "access_token" not in row.encrypted_secrets


def test_a_code_freeagent_refuses_shows_freeagents_words(
    api: TestClient, tenant: Tenant, sandbox: RunningSandbox
) -> None:
    company_id, connection_id, consent = start_consent(api, tenant, "Bad Code Co")
    granted = httpx.get(consent, follow_redirects=False)
    state_value = httpx.URL(granted.headers["location"]).params["state"]
    wrong = api.get("/link/oauth/callback", params={"state": state_value, "code": "not-a-code"})
    assert wrong.status_code == 400
    assert "refused the sign-in" in wrong.text and "invalid_grant" in wrong.text
    listed = api.get(f"/companies/{company_id}/connections/{connection_id}", headers=tenant.headers)
    assert listed.json()["status"] == "PendingAuth"


# -- reads and pushes ---------------------------------------------------------------------


def test_reads_every_type_in_codats_shape(runtime: Runtime, linked: Linked) -> None:
    books = books_of(runtime, linked.connection_id)
    books.check()
    accounts = {a["nominalCode"]: a for a in books.read("chartOfAccounts")}
    assert accounts["285"]["name"] == "Accommodation and Meals"
    assert accounts["365"]["type"] == "Expense" and accounts["001"]["type"] == "Income"
    assert accounts["901"]["type"] == "Equity" and accounts["814"]["type"] == "Liability"
    card = next(a for a in accounts.values() if a["name"] == "Company Credit Card")
    assert card["isBankAccount"] is True and card["currency"] == "GBP"
    banks = {b["accountName"]: b for b in books.read("bankAccounts")}
    assert banks["Company Credit Card"]["accountType"] == "Credit"
    assert banks["Current Account"]["accountType"] == "Debit"
    assert banks["Company Credit Card"]["id"] == card["id"]
    suppliers = {s["supplierName"] for s in books.read("suppliers")}
    assert {"City Taxis", "Jane Employee", "Big Customer Ltd"} <= suppliers
    assert books.read("taxRates") == [] and books.read("trackingCategories") == []
    (company,) = books.read("company")
    assert company["companyName"] == "Demo Company Ltd" and company["baseCurrency"] == "GBP"


def test_pushes_land_once_in_freeagent(
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
    names = [c.get("organisation_name") for c in state(sandbox, linked)["contacts"]]
    assert names.count("New Supplier Ltd") == 1
    (account,) = books.create(
        "chartOfAccounts", [{"name": "Card fees", "nominalCode": "455", "type": "Expense"}]
    )
    assert account["id"] == "455" and account["type"] == "Expense"
    with pytest.raises(ValidationConnectorError) as taken:
        books.create(
            "chartOfAccounts", [{"name": "Other", "nominalCode": "285", "type": "Expense"}]
        )
    assert taken.value.field == "nominalCode" and "already has category 285" in taken.value.message
    (bank,) = books.create(
        "bankAccounts", [{"accountName": "Team card", "accountType": "Credit", "currency": "GBP"}]
    )
    assert bank["accountType"] == "Credit"
    updated = books.update("suppliers", supplier["id"], {"supplierName": "Renamed Ltd"})
    assert updated["supplierName"] == "Renamed Ltd" and updated["emailAddress"] is None


# -- postings -----------------------------------------------------------------------------


def test_every_expense_type_posts_as_its_freeagent_record(
    runtime: Runtime, linked: Linked, sandbox: RunningSandbox
) -> None:
    books = books_of(runtime, linked.connection_id)
    bank = ids(books, "bankAccounts", "accountName")
    card, current = bank["Company Credit Card"], bank["Current Account"]
    supplier = ids(books, "suppliers", "supplierName")
    travel = PostingLine("365", Decimal("100.00"), Decimal("20.00"), description="Train")
    meals = PostingLine("285", Decimal("30.00"), description="Lunch")
    postings = [
        posting("pay-1", "expense", "Payment", [travel, meals], counter_account=card),
        posting("refund-1", "expense", "Refund", [travel], counter_account=card),
        posting(
            "reward-1", "expense", "Reward", [PostingLine("055", Decimal(5))], counter_account=card
        ),
        posting(
            "claim-1",
            "reimbursable",
            "ReimbursableExpense",
            [travel, meals],
            contact=supplier["Jane Employee"],
            contact_kind="employee",
        ),
        posting(
            "move-1",
            "transfer",
            "Transfer",
            [PostingLine(current, Decimal(-500)), PostingLine(card, Decimal(500))],
        ),
        posting(
            "adj-1",
            "adjustment",
            "Adjustment",
            [PostingLine("285", Decimal("12.5")), PostingLine("796", Decimal("-12.5"))],
        ),
    ]
    landed = books.post(postings)
    assert [p.key for p in landed] == [p.key for p in postings]
    held = state(sandbox, linked)
    by_description = explanations(held)
    first, second = by_description["[pay-1] Train"], by_description["[pay-1#2] Lunch"]
    assert first["gross_value"] == "-120.00" and first["sales_tax_value"] == "-20.00"
    assert first["category"].endswith("/v2/categories/365")
    assert second["gross_value"] == "-30.00" and second["category"].endswith("/categories/285")
    assert first["bank_account"].endswith(f"/bank_accounts/{card}")
    assert by_description["[refund-1] Train"]["gross_value"] == "120.00"
    assert by_description["[reward-1] Reward"]["gross_value"] == "5.00"
    (bill,) = held["bills"]
    assert bill["reference"] == "claim-1" and bill["contact"].endswith(
        f"/contacts/{supplier['Jane Employee']}"
    )
    assert [i["total_value"] for i in bill["bill_items"]] == ["120.00", "30.00"]
    transfer = by_description["[move-1] Transfer"]
    assert transfer["gross_value"] == "-500.00"
    assert transfer["transfer_bank_account"].endswith(f"/bank_accounts/{card}")
    other_side = [
        e
        for e in held["bank_transaction_explanations"]
        if e.get("linked_transfer_explanation") == transfer["url"]
    ]
    assert other_side and other_side[0]["gross_value"] == "500.00"
    (journal,) = held["journal_sets"]
    assert journal["description"].startswith("[adj-1]") and journal["tag"] == "EXPENSESYNC"
    # The same postings again (a retry after a crash) write nothing new.
    again = books_of(runtime, linked.connection_id).post(postings)
    assert [p.reference for p in again] == [p.reference for p in landed]
    after = state(sandbox, linked)
    assert len(after["bank_transaction_explanations"]) == len(held["bank_transaction_explanations"])
    assert len(after["bills"]) == 1 and len(after["journal_sets"]) == 1


def test_a_later_revision_updates_in_place_and_drops_lines_it_no_longer_has(
    runtime: Runtime, linked: Linked, sandbox: RunningSandbox
) -> None:
    books = books_of(runtime, linked.connection_id)
    card = ids(books, "bankAccounts", "accountName")["Company Credit Card"]
    lines = [PostingLine("365", Decimal(10)), PostingLine("285", Decimal(4))]
    books.post([posting("rev", "expense", "Payment", lines, counter_account=card)])
    changed = posting(
        "rev",
        "expense",
        "Payment",
        [PostingLine("290", Decimal(11))],
        counter_account=card,
        revision=2,
    )
    books_of(runtime, linked.connection_id).post([changed])
    held = state(sandbox, linked)["bank_transaction_explanations"]
    assert [(e["gross_value"], e["category"][-3:]) for e in held] == [("-11.00", "290")]


def test_one_bad_posting_fails_alone_with_freeagents_words(
    runtime: Runtime, linked: Linked, sandbox: RunningSandbox
) -> None:
    books = books_of(runtime, linked.connection_id)
    card = ids(books, "bankAccounts", "accountName")["Company Credit Card"]
    good = posting(
        "good", "expense", "Payment", [PostingLine("365", Decimal(10))], counter_account=card
    )
    bad = posting(
        "bad", "expense", "Payment", [PostingLine("365", Decimal(10))], counter_account=card
    )
    # FreeAgent refuses it (the category was deleted in FreeAgent after we read it).
    session = books
    session.read("chartOfAccounts")
    del sandbox.sandbox.companies[linked.sandbox_company].categories["365"]
    with pytest.raises(ValidationConnectorError) as refused:
        session.post([bad])
    assert "Category" in refused.value.message and "does not exist" in refused.value.message
    calls = session.api.client.calls  # type: ignore[attr-defined]
    with pytest.raises(ValidationConnectorError):
        session.post([bad])  # answered from memory
    assert session.api.client.calls == calls  # type: ignore[attr-defined]
    assert state(sandbox, linked)["bank_transaction_explanations"] == []
    assert good.key == "good"


def test_what_freeagent_would_refuse_is_refused_before_sending(
    runtime: Runtime, linked: Linked, sandbox: RunningSandbox
) -> None:
    books = books_of(runtime, linked.connection_id)
    card = ids(books, "bankAccounts", "accountName")["Company Credit Card"]
    cases = [
        (
            posting(
                "t1", "expense", "Payment", [PostingLine(card, Decimal(5))], counter_account=card
            ),
            "lines[0].accountRef.id",
        ),
        (
            posting(
                "t2", "expense", "Payment", [PostingLine("365", Decimal(5))], counter_account="365"
            ),
            "bankAccountRef.id",
        ),
        (
            posting(
                "t3",
                "expense",
                "Payment",
                [PostingLine("365", Decimal(5))],
                counter_account=card,
                currency="EUR",
            ),
            "currency",
        ),
        (
            posting(
                "t4",
                "expense",
                "Payment",
                [PostingLine("365", Decimal(5), tracking=(("trackingCategories", "x"),))],
                counter_account=card,
            ),
            "trackingRefs",
        ),
        (
            posting("t5", "reimbursable", "ReimbursableExpense", [PostingLine("365", Decimal(5))]),
            "contactRef",
        ),
    ]
    for bad, field in cases:
        with pytest.raises(ValidationConnectorError) as refused:
            books.post([bad])
        assert refused.value.field == field, (bad.key, refused.value.message)
    held = state(sandbox, linked)
    assert held["bank_transaction_explanations"] == [] and held["bills"] == []


def test_a_write_whose_answer_was_lost_is_found_not_repeated(
    runtime: Runtime, linked: Linked, sandbox: RunningSandbox
) -> None:
    books = books_of(runtime, linked.connection_id)
    card = ids(books, "bankAccounts", "accountName")["Company Credit Card"]
    payment = posting(
        "lost", "expense", "Payment", [PostingLine("365", Decimal(7))], counter_account=card
    )
    claim = posting(
        "lost-bill",
        "reimbursable",
        "ReimbursableExpense",
        [PostingLine("285", Decimal(9))],
        contact=ids(books, "suppliers", "supplierName")["Jane Employee"],
    )
    for path in ("/v2/bank_transaction_explanations", "/v2/bills"):
        fault = {"path": path, "kind": "drop", "method": "POST"}
        assert httpx.post(f"{sandbox.base_url}/__sandbox__/faults", json=fault).status_code == 201
        with pytest.raises(RetriableConnectorError):
            books_of(runtime, linked.connection_id).post([payment if "bank" in path else claim])
    held = state(sandbox, linked)
    assert len(held["bank_transaction_explanations"]) == 1 and len(held["bills"]) == 1
    landed = books_of(runtime, linked.connection_id).post([payment, claim])  # the retry
    after = state(sandbox, linked)
    assert len(after["bank_transaction_explanations"]) == 1 and len(after["bills"]) == 1
    assert landed[0].reference == after["bank_transaction_explanations"][0]["url"].split("/")[-1]


def test_a_day_listed_in_a_session_is_not_listed_again_unless_a_write_went_unanswered(
    runtime: Runtime, linked: Linked, sandbox: RunningSandbox
) -> None:
    books = books_of(runtime, linked.connection_id)
    card = ids(books, "bankAccounts", "accountName")["Company Credit Card"]

    def payment(key: str) -> Posting:
        return posting(
            key, "expense", "Payment", [PostingLine("365", Decimal(3))], counter_account=card
        )

    books.post([payment("a1"), payment("a2")])
    calls = books.api.client.calls  # type: ignore[attr-defined]
    books.post([payment("b1"), payment("b2")])  # the same day: two writes, no listing
    assert books.api.client.calls == calls + 2  # type: ignore[attr-defined]
    fault = {"path": "/v2/bank_transaction_explanations", "kind": "drop", "method": "POST"}
    assert httpx.post(f"{sandbox.base_url}/__sandbox__/faults", json=fault).status_code == 201
    with pytest.raises(RetriableConnectorError):
        books.post([payment("c1")])
    books.post([payment("c1")])  # the same session lists the day again and finds it
    descriptions = [
        e["description"] for e in state(sandbox, linked)["bank_transaction_explanations"]
    ]
    assert sorted(d.split(" ")[0] for d in descriptions) == ["[a1]", "[a2]", "[b1]", "[b2]", "[c1]"]


# -- tokens and limits --------------------------------------------------------------------


def test_an_expired_token_is_refreshed(
    runtime: Runtime, linked: Linked, sandbox: RunningSandbox
) -> None:
    books = books_of(runtime, linked.connection_id)
    books.check()
    assert httpx.post(f"{sandbox.base_url}/__sandbox__/tokens/expire").status_code == 200
    assert books.read("suppliers")  # 401, refresh, the same call again
    with UnitOfWork(runtime.session_factory) as uow:
        row = uow.session.get(Connection, uuid.UUID(linked.connection_id))
        assert row is not None and (row.secrets_version or 0) >= 1
    assert books_of(runtime, linked.connection_id).read("company")


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
    with UnitOfWork(runtime.session_factory) as uow:
        events = list(uow.session.scalars(select(WebhookEvent.event_type)))
    assert events == ["connection.disconnected"]


def test_a_429_becomes_a_retriable_error_with_freeagents_retry_after(
    runtime: Runtime, linked: Linked, sandbox: RunningSandbox
) -> None:
    books = books_of(runtime, linked.connection_id)
    books.check()
    assert (
        httpx.put(f"{sandbox.base_url}/__sandbox__/limits", json={"per_minute": 1}).status_code
        == 200
    )
    with pytest.raises(RetriableConnectorError) as limited:
        books.read("suppliers")
    assert limited.value.retry_after is not None and limited.value.retry_after > 0
    calls = httpx.get(f"{sandbox.base_url}/__sandbox__/calls").json()
    with pytest.raises(RetriableConnectorError):
        books_of(runtime, linked.connection_id).read("bankAccounts")  # another worker waits
    assert httpx.get(f"{sandbox.base_url}/__sandbox__/calls").json() == calls  # never sent


# -- receipts -----------------------------------------------------------------------------


def test_receipts_attach_once_inline_and_are_checked_first(
    runtime: Runtime, linked: Linked, sandbox: RunningSandbox, tmp_path: Path
) -> None:
    books = books_of(runtime, linked.connection_id)
    card = ids(books, "bankAccounts", "accountName")["Company Credit Card"]
    jane = ids(books, "suppliers", "supplierName")["Jane Employee"]
    books.post(
        [
            posting(
                "receipt-1",
                "expense",
                "Payment",
                [PostingLine("365", Decimal(9))],
                counter_account=card,
            ),
            posting(
                "receipt-2",
                "reimbursable",
                "ReimbursableExpense",
                [PostingLine("285", Decimal(9))],
                contact=jane,
            ),
        ]
    )
    receipt = tmp_path / "receipt.png"
    receipt.write_bytes(PNG)
    document = Document("doc-1", "receipt.png", "image/png", receipt, len(PNG), "x")
    first = books_of(runtime, linked.connection_id).attach("receipt-1", document)
    second = books_of(runtime, linked.connection_id).attach("receipt-1", document)
    assert first == second
    pdf = tmp_path / "claim.pdf"
    pdf.write_bytes(b"%PDF-1.4\n%receipt\n")
    on_bill = books_of(runtime, linked.connection_id).attach(
        "receipt-2", Document("doc-2", "claim.pdf", "application/pdf", pdf, 18, "y")
    )
    held = state(sandbox, linked)
    (attachment,) = [e["attachment"] for e in held["bank_transaction_explanations"]]
    assert attachment["file_name"] == "doc-1-receipt.png" and attachment["file_size"] == len(PNG)
    assert held["bills"][0]["attachment"]["content_type"] == "application/x-pdf"
    assert on_bill == held["bills"][0]["attachment"]["url"].split("/")[-1]
    fake = tmp_path / "fake.png"
    fake.write_bytes(b"MZ\x90\x00 not an image")
    with pytest.raises(ValidationConnectorError) as refused:
        books.attach("receipt-1", Document("doc-3", "fake.png", "image/png", fake, 18, "z"))
    assert "accepts" in refused.value.message
    big = Document("doc-4", "big.pdf", "application/pdf", pdf, 6 * 1024 * 1024, "w")
    with pytest.raises(ValidationConnectorError) as too_big:
        books.attach("receipt-1", big)
    assert "at most 5 MB" in too_big.value.message
    with pytest.raises(ValidationConnectorError) as nothing:
        books.attach("never-posted", document)
    assert "sync it first" in nothing.value.message


# -- the conformance suite ----------------------------------------------------------------


@pytest.fixture
def connector() -> FreeAgentConnector:
    return FreeAgentConnector()


@pytest.fixture
def books(runtime: Runtime, linked: Linked) -> LedgerSession:
    return books_of(runtime, linked.connection_id)


class TestFreeAgentConformance(ConnectorConformance):
    @pytest.fixture(autouse=True)
    def categories_have_freeagent_codes(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """FreeAgent names a category by three digits, an admin expense's in 200-499
        (the seed leaves 4xx free)."""
        sample = conformance.SAMPLES["chartOfAccounts"]
        monkeypatch.setitem(
            conformance.SAMPLES,
            "chartOfAccounts",
            lambda unique: {**sample(unique), "nominalCode": f"4{int(unique[:4], 16) % 100:02d}"},
        )

    def test_every_expense_type_posts_once(
        self, connector: Any, books: LedgerSession, refs: Refs, written: Written
    ) -> None:
        """FreeAgent's journal entries take categories only (docs/posting.md: a bank
        account on a line is refused naming the line), so the suite's adjustment, an
        expense account against a bank account, must be refused with its field; the
        check then runs as the suite's with the adjustment's other side on a category."""
        on_bank = posting_of("Adjustment", refs)
        with pytest.raises(ValidationConnectorError) as refused:
            books.post([on_bank])
        assert refused.value.field == "lines[1].accountRef.id"
        for transaction_type in connector.manifest.transaction_types:
            posting = posting_of(transaction_type, refs)
            if transaction_type == "Adjustment":
                other = replace(posting.lines[1], account=refs.income_account)
                posting = replace(posting, lines=(posting.lines[0], other))
            before = written() if written else 0
            (landed,) = books.post([posting])
            assert (landed.key, landed.revision) == (posting.key, 1), transaction_type
            assert landed.reference, transaction_type
            if written:
                assert written() == before + 1, f"{transaction_type} wrote {written() - before}"
