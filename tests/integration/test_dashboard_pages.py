"""The Sync Health dashboard's pages over HTTP: signing in, CSRF, expiry, tampering,
tenant isolation, and each page with a real failed sync on a Beancount ledger."""

from __future__ import annotations

import hashlib
import hmac
import re
import time
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient
from itsdangerous import TimestampSigner, URLSafeTimedSerializer

from expense_sync.api.runtime import Runtime
from expense_sync.web.dashboard.session import COOKIE
from tests.conftest import Tenant
from tests.integration.test_expenses import expense, finished, send
from tests.integration.test_ledger_data import Books
from tests.integration.test_sync_health import failed_sync

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def sign_in(api: TestClient, tenant: Tenant, next_url: str = "/health") -> str:
    """Sign in through the form; the session's CSRF token (from the next page)."""
    form = api.get("/health/sign-in", params={"next": next_url})
    assert form.status_code == 200
    token = TOKEN.search(form.text)
    assert token is not None
    signed = api.post(
        "/health/sign-in",
        data={"api_key": tenant.key, "next": next_url, "csrf_token": token.group(1)},
        follow_redirects=False,
    )
    assert signed.status_code == 303, signed.text
    assert signed.headers["location"] == next_url
    cookie = signed.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/health" in cookie
    page = api.get("/health")
    assert page.status_code == 200
    found = TOKEN.search(page.text)
    assert found is not None
    return found.group(1)


def test_pages_need_a_session_and_sign_in_needs_its_token(api: TestClient, tenant: Tenant) -> None:
    asked = api.get("/health/syncs?q=acme", follow_redirects=False)
    assert asked.status_code == 303
    location = urlsplit(asked.headers["location"])
    assert location.path == "/health/sign-in"
    assert parse_qs(location.query)["next"] == ["/health/syncs?q=acme"]
    no_token = api.post("/health/sign-in", data={"api_key": tenant.key}, follow_redirects=False)
    assert no_token.status_code == 403 and "refused" in no_token.text
    form = api.get("/health/sign-in")
    token = TOKEN.search(form.text)
    assert token is not None
    wrong = api.post("/health/sign-in", data={"api_key": "nope", "csrf_token": token.group(1)})
    assert wrong.status_code == 401 and "not valid" in wrong.text
    elsewhere = api.post(
        "/health/sign-in",
        data={"api_key": tenant.key, "csrf_token": token.group(1), "next": "//evil.example"},
        follow_redirects=False,
    )
    assert elsewhere.headers["location"] == "/health"


def test_tampered_expired_and_signed_out_sessions_go_back_to_sign_in(
    api: TestClient, runtime: Runtime, tenant: Tenant
) -> None:
    csrf = sign_in(api, tenant)
    good = api.cookies.get(COOKIE)
    assert good is not None
    api.cookies.set(COOKIE, good[:-3] + ("AAA" if not good.endswith("AAA") else "BBB"))
    tampered = api.get("/health/syncs", follow_redirects=False)
    assert tampered.status_code == 303 and "reason=invalid" in tampered.headers["location"]

    class LongAgo(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time()) - runtime.settings.dashboard_session_seconds - 60

    key = hmac.new(runtime.settings.secret_key_bytes, b"dashboard", hashlib.sha256).digest()
    old = URLSafeTimedSerializer(key, salt="session", signer=LongAgo)
    payload = URLSafeTimedSerializer(key, salt="session").loads(good)
    api.cookies.clear()
    api.cookies.set(COOKIE, old.dumps(payload), path="/health")
    expired = api.get("/health/syncs?q=books", follow_redirects=False)
    assert expired.status_code == 303
    location = urlsplit(expired.headers["location"])
    assert parse_qs(location.query) == {"next": ["/health/syncs?q=books"], "reason": ["expired"]}
    api.cookies.clear()
    sign_in(api, tenant, "/health/syncs?q=books")  # ...and back to the page asked for

    csrf = TOKEN.search(api.get("/health").text).group(1)  # type: ignore[union-attr]
    assert api.post("/health/sign-out", data={}).status_code == 403
    out = api.post("/health/sign-out", data={"csrf_token": csrf}, follow_redirects=False)
    assert out.status_code == 303 and "signed-out" in out.headers["location"]
    api.cookies.clear()
    assert api.get("/health", follow_redirects=False).status_code == 303


def test_history_details_and_retry_pages(
    books: Books, api: TestClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    sync_id, _, bad = failed_sync(books)
    csrf = sign_in(api, tenant)
    overview = api.get("/health?days=7")
    assert overview.status_code == 200 and "<svg" in overview.text
    assert "5130 Data write error" in overview.text and "Beancount" in overview.text

    found = api.get("/health/syncs", params={"q": "books", "status": "5130"})
    assert found.status_code == 200 and sync_id in found.text
    for nothing in ("not-a-sync-id", "3fa85f64-5717-4562-b3fc-2c963f66afa6", "<script>"):
        empty = api.get("/health/syncs", params={"q": nothing})
        assert empty.status_code == 200 and "No sync found" in empty.text, nothing
        assert "<script>" not in empty.text
    odd = api.get("/health/syncs", params={"status": "9999", "since": "yesterday", "page": "x"})
    assert odd.status_code == 200 and "is not a date" in odd.text and sync_id in odd.text
    for missing in ("nope", "3fa85f64-5717-4562-b3fc-2c963f66afa6"):
        page = api.get(f"/health/syncs/{missing}")
        assert page.status_code == 404 and "No sync found" in page.text

    details = api.get(f"/health/syncs/{sync_id}")
    assert details.status_code == 200 and "inactive" in details.text and bad["id"] in details.text
    assert details.headers["cache-control"] == "no-store"
    assert "frame-ancestors 'none'" in details.headers["content-security-policy"]
    assert "Retry failed items (1)" in details.text
    config = api.get(f"/health/syncs/{sync_id}/config.json")
    assert config.headers["content-disposition"].startswith("attachment")
    assert config.json()["configuration"]["bankAccount"]["id"].startswith("Liabilities")
    items = api.get(f"/health/syncs/{sync_id}", params={"tab": "push-items", "status": "PushError"})
    assert bad["id"] in items.text and items.text.count("expenseTransaction") == 1

    assert api.post(f"/health/syncs/{sync_id}/retry", data={}).status_code == 403
    retried = api.post(
        f"/health/syncs/{sync_id}/retry", data={"csrf_token": csrf}, follow_redirects=False
    )
    assert retried.status_code == 303
    retry_id = retried.headers["location"].split("/")[-1].split("?")[0]
    assert finished(books, retry_id)["syncStatusCode"] == 5130  # the books are not fixed
    assert sync_id in api.get(f"/health/syncs/{retry_id}").text  # linked to the first

    ok = send(books, "POST", "/expense-transactions", [expense()]).json()["syncId"]
    assert finished(books, ok)["syncStatusCode"] == 2000
    refused = api.post(f"/health/syncs/{ok}/retry", data={"csrf_token": csrf})
    assert refused.status_code == 409 and "Nothing to retry" in refused.text

    company = api.get(f"/health/companies/{books.company[11:]}")
    assert company.status_code == 200 and "Linked" in company.text and ok in company.text
    refreshed = api.post(
        f"/health/companies/{books.company[11:]}/refresh",
        data={"csrf_token": csrf},
        follow_redirects=False,
    )
    assert refreshed.status_code == 303 and "refresh-started" in refreshed.headers["location"]

    api.cookies.clear()
    sign_in(api, other_tenant)
    assert "No sync found" in api.get(f"/health/syncs/{sync_id}").text
    assert "No sync found" in api.get("/health/syncs", params={"q": sync_id}).text
    assert api.get(f"/health/companies/{books.company[11:]}").status_code == 404
    theirs = api.get(f"/health/syncs/{sync_id}/config.json")
    assert theirs.status_code == 404


def test_a_dashboard_user_signs_in_with_email_and_password(
    api: TestClient, runtime: Runtime, tenant: Tenant
) -> None:
    from expense_sync.domain.errors import Conflict, InvalidRequest
    from expense_sync.services.clients import authenticate
    from expense_sync.services.dashboard_users import create_user, password_matches
    from expense_sync.storage.models import DashboardUser
    from expense_sync.storage.uow import UnitOfWork

    with UnitOfWork(runtime.session_factory) as uow:
        client_id = authenticate(uow.session, tenant.key)
        user = create_user(uow.session, client_id, " Ana@Example.com", "correct horse battery")
        for email, password in (("ana", "correct horse battery"), ("bo@example.com", "short")):
            with pytest.raises(InvalidRequest):
                create_user(uow.session, client_id, email, password)
        with pytest.raises(Conflict):
            create_user(uow.session, client_id, "ana@example.com", "another long password")
        uow.commit()
        user_id = user.id
    assert user.email == "ana@example.com" and "correct" not in user.password_hash
    assert password_matches("correct horse battery", user.password_hash)
    assert not password_matches("correct horse battery!", user.password_hash)

    form = api.get("/health/sign-in")
    token = TOKEN.search(form.text).group(1)  # type: ignore[union-attr]
    wrong = {"email": "ana@example.com", "password": "wrong", "csrf_token": token}
    assert api.post("/health/sign-in", data=wrong).status_code == 401
    right = wrong | {"password": "correct horse battery"}
    signed = api.post("/health/sign-in", data=right, follow_redirects=False)
    assert signed.status_code == 303
    page = api.get("/health")
    assert page.status_code == 200 and tenant.name in page.text
    with UnitOfWork(runtime.session_factory) as uow:  # deleting the user ends the session
        uow.session.delete(uow.session.get(DashboardUser, user_id))
        uow.commit()
    gone = api.get("/health", follow_redirects=False)
    assert gone.status_code == 303 and "reason=revoked" in gone.headers["location"]


def test_dashboard_address_leads_to_sync_health(api: TestClient) -> None:
    """The pages are at /health; /dashboard, where people guess, redirects there."""
    moved = api.get("/dashboard", follow_redirects=False)
    assert (moved.status_code, moved.headers["location"]) == (308, "/health")
    assert "Sign in to Sync Health" in api.get("/dashboard").text
