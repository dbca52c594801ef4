"""The Sync Health read model, ``GET /syncs`` and retrying failed items, on a real
Beancount ledger (SQLite and PostgreSQL)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient

from expense_sync.api.runtime import Runtime
from expense_sync.domain.errors import Conflict, NotFound, Unprocessable
from expense_sync.services.sync_health import company_health, filter_push_items, sync_details
from expense_sync.services.sync_overview import overview, period
from expense_sync.services.sync_retries import retry_failed_items
from expense_sync.services.sync_search import SyncFilter, search_syncs
from expense_sync.services.sync_totals import rebuild
from expense_sync.storage.query_sql import PageRequest
from expense_sync.storage.uow import UnitOfWork
from tests.conftest import Tenant
from tests.integration.conftest import CARD
from tests.integration.test_expenses import expense, finished, send
from tests.integration.test_ledger_data import Books

EARLY = "1990-01-02T00:00:00Z"  # before the ledger opens its accounts: Beancount refuses it


def client_id(runtime: Runtime, tenant: Tenant) -> uuid.UUID:
    from expense_sync.services.clients import authenticate

    with UnitOfWork(runtime.session_factory) as uow:
        return authenticate(uow.session, tenant.key)


def failed_sync(books: Books) -> tuple[str, dict[str, Any], dict[str, Any]]:
    good, bad = expense(), expense(issueDate=EARLY)
    created = send(books, "POST", "/expense-transactions", [good, bad])
    sync_id = created.json()["syncId"]
    assert finished(books, sync_id)["syncStatusCode"] == 5130
    return sync_id, good, bad


def open_accounts_earlier(books: Books) -> None:
    """Fix the books, not the transaction: open the accounts before 1990."""
    text = books.ledger.read_text()
    books.ledger.write_text(text.replace("2000-01-01 open", "1980-01-01 open"))


def test_search_finds_a_failed_sync_across_companies_and_only_the_clients(
    books: Books, api: TestClient, runtime: Runtime, tenant: Tenant, other_tenant: Tenant
) -> None:
    sync_id, _, _ = failed_sync(books)
    theirs = api.post("/companies", json={"name": "Books Rival"}, headers=other_tenant.headers)
    assert theirs.status_code == 200
    me = client_id(runtime, tenant)
    with UnitOfWork(runtime.session_factory) as uow:
        every = PageRequest(page_size=50)
        for search in (sync_id, sync_id.upper().replace("-", ""), "books", books.company[11:]):
            page = search_syncs(uow.session, me, every, SyncFilter(search=search))
            assert [str(r.id) for r in page.results] == [sync_id], search
        for nothing in ("no-such-id", str(uuid.uuid4()), "Rival", "%", "_"):
            page = search_syncs(uow.session, me, every, SyncFilter(search=nothing))
            assert page.results == [] and page.total == 0, nothing
        now = datetime.now(UTC)
        in_range = SyncFilter(status_codes=(5130,), since=now - timedelta(days=1), until=now)
        assert search_syncs(uow.session, me, every, in_range).total == 1
        before = SyncFilter(status_codes=(5130,), until=now - timedelta(days=1))
        assert search_syncs(uow.session, me, every, before).total == 0
        assert search_syncs(uow.session, me, every, SyncFilter(status_codes=(2000,))).total == 0
        assert search_syncs(uow.session, me, every, SyncFilter(platform="bean")).total == 1
        assert search_syncs(uow.session, me, every, SyncFilter(platform="tryt")).total == 0
        other = client_id(runtime, other_tenant)
        assert search_syncs(uow.session, other, every, SyncFilter(search=sync_id)).total == 0
        assert sync_details(uow.session, other, sync_id) is None


def test_get_syncs_speaks_codats_query_and_paging(
    books: Books, api: TestClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    failed_id, _, _ = failed_sync(books)
    ok = send(books, "POST", "/expense-transactions", [expense()]).json()["syncId"]
    assert finished(books, ok)["syncStatusCode"] == 2000

    def listed(**params: Any) -> dict[str, Any]:
        response = api.get("/syncs", params=params, headers=tenant.headers)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    everything = listed()
    assert [r["syncId"] for r in everything["results"]] == [ok, failed_id]  # newest first
    assert everything["totalResults"] == 2 and everything["pageNumber"] == 1
    assert "_links" in everything and everything["results"][1]["companyName"] == "Books Ltd"
    failed = listed(query="syncStatusCode=5130&&companyName~books")
    assert [r["syncId"] for r in failed["results"]] == [failed_id]
    assert failed["results"][0]["syncStatus"] == "Data write error"
    first = listed(pageSize=1, orderBy="syncStatusCode")
    assert [r["syncId"] for r in first["results"]] == [ok]
    assert first["_links"]["next"]["href"].startswith("/syncs?page=2")
    assert listed(query=f"syncId={failed_id}")["totalResults"] == 1
    for wrong in ("syncStatusCode=abc", "syncStatusCode=99999999999", "syncStatusCode~51"):
        bad = api.get("/syncs", params={"query": wrong}, headers=tenant.headers)
        assert bad.status_code == 400 and "syncStatusCode" in bad.json()["error"], wrong
    unknown = api.get("/syncs", params={"orderBy": "colour"}, headers=tenant.headers)
    assert unknown.status_code == 400
    assert api.get("/syncs", headers=other_tenant.headers).json()["totalResults"] == 0
    assert api.get("/syncs").status_code == 401
    documented = api.get("/openapi.json").json()["paths"]["/syncs"]["get"]
    assert "Extension" in documented["description"]


def test_details_show_outcomes_config_push_items_and_notes(
    books: Books, runtime: Runtime, tenant: Tenant
) -> None:
    sync_id, good, bad = failed_sync(books)
    with UnitOfWork(runtime.session_factory) as uow:
        details = sync_details(uow.session, client_id(runtime, tenant), sync_id)
    assert details is not None
    assert details.sync.status_code == 5130 and "refused" in details.note
    by_id = {t.transaction_id: t for t in details.transactions}
    assert by_id[good["id"]].status == "Completed" and by_id[good["id"]].record
    assert by_id[good["id"]].total == Decimal(120) and by_id[good["id"]].currency == "USD"
    assert by_id[bad["id"]].failed and "inactive" in (by_id[bad["id"]].message or "")
    assert any(bad["id"] in error for error in details.errors)
    assert details.configuration is not None
    assert details.configuration["configuration"]["bankAccount"] == {"id": CARD}
    assert details.configuration["connection"]["platformKey"] == "bean"
    assert details.target.startswith("Beancount") and details.failed_count == 1
    failing = filter_push_items(details.push_items, "", "PushError")
    assert [i.id for i in failing] == [bad["id"]]
    assert filter_push_items(details.push_items, "EXPENSETRANS", "") == details.push_items
    assert filter_push_items(details.push_items, bad["id"][:8], "") == failing


def test_retry_posts_the_failed_items_once_linked_to_the_first(
    books: Books, runtime: Runtime, tenant: Tenant
) -> None:
    sync_id, _, bad = failed_sync(books)
    me = client_id(runtime, tenant)
    queued: list[uuid.UUID] = []
    with UnitOfWork(runtime.session_factory) as uow:
        retry = retry_failed_items(
            uow.session, me, uuid.UUID(sync_id), uow.after_commit, queued.append
        )
        uow.commit()
    assert len(queued) == 1 and queued[0] == retry.id
    with UnitOfWork(runtime.session_factory) as uow, pytest.raises(Conflict, match="still running"):
        retry_failed_items(uow.session, me, uuid.UUID(sync_id), uow.after_commit, queued.append)
    open_accounts_earlier(books)
    runtime.executor.sync(queued[0])
    assert finished(books, str(queued[0]))["syncStatusCode"] == 2000
    with UnitOfWork(runtime.session_factory) as uow:
        first = sync_details(uow.session, me, sync_id)
        second = sync_details(uow.session, me, str(queued[0]))
        with pytest.raises(Unprocessable, match="Nothing to retry"):
            retry_failed_items(uow.session, me, uuid.UUID(sync_id), uow.after_commit, queued.append)
        with pytest.raises(NotFound):
            retry_failed_items(uow.session, me, uuid.uuid4(), uow.after_commit, queued.append)
    assert first is not None and second is not None
    assert [r.id for r in first.retries] == [queued[0]] and first.retry_running is None
    assert second.retry_of is not None and str(second.retry_of.id) == sync_id
    assert [t.transaction_id for t in second.transactions] == [bad["id"]]
    assert second.transactions[0].status == "Completed"


def test_overview_and_company_page(books: Books, runtime: Runtime, tenant: Tenant) -> None:
    failed_sync(books)
    ok = send(books, "POST", "/expense-transactions", [expense(currency="EUR")]).json()
    assert finished(books, ok["syncId"])["syncStatusCode"] == 2000
    me = client_id(runtime, tenant)
    with UnitOfWork(runtime.session_factory) as uow:
        since, until = period(7)
        summed = overview(uow.session, me, since, until)
        company = company_health(uow.session, me, books.company[11:])
        assert company_health(uow.session, uuid.uuid4(), books.company[11:]) is None
        assert company_health(uow.session, me, "not-an-id") is None
    assert (summed.succeeded, summed.failed, summed.in_progress) == (1, 1, 0)
    assert (summed.transactions_synced, summed.transactions_failed) == (2, 1)
    assert summed.value_by_currency == {"EUR": Decimal(120), "USD": Decimal(120)}
    assert len(summed.days) == 7 and summed.days[-1].total == 2
    assert summed.failures_by_code == [("5130 Data write error", 1)]
    assert summed.failures_by_platform == [("Beancount", 1)]
    with runtime.engine.begin() as connection:
        rebuild(connection)  # as migration 0010 fills the day totals: the same figures
    with UnitOfWork(runtime.session_factory) as uow:
        assert overview(uow.session, me, since, until) == summed
    assert company is not None and company.refreshable
    assert [c.status for c in company.connections] == ["Linked"]
    assert company.last_successful is not None
    assert str(company.last_successful.id) == ok["syncId"]
    assert {s.data_type for s in company.data_status} >= {"chartOfAccounts"}
