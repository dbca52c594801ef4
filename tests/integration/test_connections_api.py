"""Connections and the link flow, on SQLite and PostgreSQL."""

from __future__ import annotations

import html
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from beancount import loader
from fastapi.testclient import TestClient

from expense_sync.api.runtime import Runtime
from tests.conftest import Tenant
from tests.e2e.server import free_port


@pytest.fixture
def company(api: TestClient, tenant: Tenant) -> dict[str, Any]:
    response = api.post("/companies", json={"name": "Linked Co"}, headers=tenant.headers)
    result: dict[str, Any] = response.json()
    return result


def connect(api: TestClient, tenant: Tenant, company_id: str, key: str = "bean") -> Any:
    return api.post(
        f"/companies/{company_id}/connections", json={"platformKey": key}, headers=tenant.headers
    )


def test_create_starts_pending_with_a_link_url(
    api: TestClient, tenant: Tenant, company: dict[str, Any]
) -> None:
    response = connect(api, tenant, company["id"])
    assert response.status_code == 200, response.text
    connection = response.json()
    assert connection["status"] == "PendingAuth"
    assert connection["integrationKey"] == "bean"
    assert connection["platformName"] == "Beancount"
    assert connection["sourceType"] == "Accounting"
    assert f"/link/{company['id']}/{connection['id']}?token=" in connection["linkUrl"]
    listed = api.get(f"/companies/{company['id']}/connections", headers=tenant.headers).json()
    assert [c["id"] for c in listed["results"]] == [connection["id"]]
    shown = api.get(f"/companies/{company['id']}", headers=tenant.headers).json()
    assert shown["dataConnections"] == [connection]


def test_unknown_platform_lists_the_valid_keys(
    api: TestClient, tenant: Tenant, company: dict[str, Any]
) -> None:
    response = connect(api, tenant, company["id"], "zzzz")
    assert response.status_code == 400
    error = response.json()["validation"]["errors"][0]
    assert error["itemId"] == "platformKey"
    for key in ("bean", "tryt", "gbol", "qhyg", "akxx", "trji", "fbrh", "pqsw"):
        assert key in error["message"]


def test_platform_without_connector_cannot_be_linked(
    api: TestClient, tenant: Tenant, company: dict[str, Any]
) -> None:
    response = connect(api, tenant, company["id"], "akxx")
    assert response.status_code == 400
    assert "no working connector" in response.json()["error"]
    listed = api.get(f"/companies/{company['id']}/connections", headers=tenant.headers).json()
    assert listed["totalResults"] == 0


def test_authorize_with_empty_body_links_a_fresh_ledger(
    api: TestClient, tenant: Tenant, company: dict[str, Any]
) -> None:
    connection = connect(api, tenant, company["id"]).json()
    url = f"/companies/{company['id']}/connections/{connection['id']}/authorization"
    response = api.put(url, json={}, headers=tenant.headers)
    assert response.status_code == 200, response.text
    linked = response.json()
    assert linked["status"] == "Linked"
    ledger = Path(linked["connectionInfo"]["ledgerPath"])
    entries, errors, _ = loader.load_file(str(ledger))
    assert errors == []
    assert any(getattr(e, "account", "") == "Liabilities:CreditCard:Corporate" for e in entries)


def test_authorize_an_existing_ledger_confined_to_the_root(
    api: TestClient, tenant: Tenant, company: dict[str, Any], runtime: Runtime
) -> None:
    root = runtime.settings.resolved_ledger_root / tenant.name
    (root / "books").mkdir(parents=True)
    (root / "books" / "main.beancount").write_text("2024-01-01 open Assets:Cash USD\n")
    (root / "broken.beancount").write_text(
        '2024-01-01 open Assets:Cash USD\n2024-01-02 * "x"\n  Assets:Nope 5 USD\n'
    )
    connection = connect(api, tenant, company["id"]).json()
    url = f"/companies/{company['id']}/connections/{connection['id']}/authorization"

    def put(body: dict[str, str]) -> Any:
        return api.put(url, json=body, headers=tenant.headers)

    for escape in ("../outside.beancount", "/etc/passwd", "books/../../x.beancount"):
        refused = put({"ledgerPath": escape})
        assert refused.status_code == 400, escape
        assert refused.json()["validation"]["errors"][0]["itemId"] == "ledgerPath"
    missing = put({"ledgerPath": "nope.beancount"})
    assert missing.status_code == 400 and "no ledger file named" in missing.json()["error"]
    broken = put({"ledgerPath": "broken.beancount"})
    assert broken.status_code == 400 and "Beancount cannot load" in broken.json()["error"]
    assert put({"colour": "red"}).status_code == 400
    still = api.get(url.rsplit("/", 1)[0], headers=tenant.headers).json()
    assert still["status"] == "PendingAuth" and still["connectionInfo"] is None
    assert put({"ledgerPath": "a" * 300}).status_code == 400
    assert put({"ledgerPath": "a/" * 3000}).status_code == 400
    linked = put({"ledgerPath": "books/main.beancount"}).json()
    assert linked["status"] == "Linked"
    assert linked["connectionInfo"]["ledgerPath"] == str(root / "books" / "main.beancount")
    second = connect(api, tenant, company["id"]).json()
    shared = api.put(
        f"/companies/{company['id']}/connections/{second['id']}/authorization",
        json={"ledgerPath": "books/main.beancount"},
        headers=tenant.headers,
    )
    assert shared.status_code == 409 and "already linked" in shared.json()["error"]
    # The same clash on the link page is a form message that names no other company.
    page = api.post(
        "/" + second["linkUrl"].split("://", 1)[1].split("/", 1)[1],
        data={"ledgerPath": "books/main.beancount"},
    )
    assert page.status_code == 409 and "already linked elsewhere" in page.text
    assert "text/html" in page.headers["content-type"] and linked["id"] not in page.text


def test_ledgers_cannot_reach_outside_their_folder(
    api: TestClient, tenant: Tenant, company: dict[str, Any], runtime: Runtime, tmp_path: Path
) -> None:
    root = runtime.settings.resolved_ledger_root / tenant.name
    root.mkdir(parents=True)
    secret = tmp_path / "secret.txt"
    secret.write_text("password=hunter2\n")
    (root / "includes.beancount").write_text(f'include "{secret}"\n')
    (root / "relative.beancount").write_text('include "../../../secret.txt"\n')
    (root / "plugin.beancount").write_text('plugin "os.system" "touch /tmp/pwned"\n')
    (root / "outside").symlink_to(tmp_path)
    connection = connect(api, tenant, company["id"]).json()
    url = f"/companies/{company['id']}/connections/{connection['id']}/authorization"
    for ledger, expected in [
        ("includes.beancount", "inside the ledger folder"),
        ("relative.beancount", "inside the ledger folder"),
        ("plugin.beancount", "does not run plugins"),
        ("outside/secret.txt", "inside the ledger folder"),
    ]:
        response = api.put(url, json={"ledgerPath": ledger}, headers=tenant.headers)
        assert response.status_code == 400, ledger
        assert expected in response.json()["error"], ledger
        assert "hunter2" not in response.text


def test_a_client_cannot_link_another_clients_ledger(
    api: TestClient, tenant: Tenant, other_tenant: Tenant, company: dict[str, Any]
) -> None:
    theirs = api.post("/companies", json={"name": "B"}, headers=other_tenant.headers).json()
    their_connection = connect(api, other_tenant, theirs["id"]).json()
    linked = api.put(
        f"/companies/{theirs['id']}/connections/{their_connection['id']}/authorization",
        json={},
        headers=other_tenant.headers,
    ).json()
    their_file = Path(linked["connectionInfo"]["ledgerPath"]).name
    mine = connect(api, tenant, company["id"]).json()
    url = f"/companies/{company['id']}/connections/{mine['id']}/authorization"
    for guess in (their_file, f"../{other_tenant.name}/{their_file}"):
        response = api.put(url, json={"ledgerPath": guess}, headers=tenant.headers)
        assert response.status_code == 400, guess


def test_unlink_then_delete(api: TestClient, tenant: Tenant, company: dict[str, Any]) -> None:
    connection = connect(api, tenant, company["id"]).json()
    url = f"/companies/{company['id']}/connections/{connection['id']}"
    refused = api.patch(url, json={"status": "Linked"}, headers=tenant.headers)
    assert refused.status_code == 400
    assert refused.json()["validation"]["errors"][0]["itemId"] == "status"
    bad_enum = api.patch(url, json={"status": "Whatever"}, headers=tenant.headers)
    assert bad_enum.status_code == 400
    unlinked = api.patch(url, json={"status": "Unlinked"}, headers=tenant.headers)
    assert unlinked.status_code == 200 and unlinked.json()["status"] == "Unlinked"
    assert api.delete(url, headers=tenant.headers).status_code == 200
    assert api.get(url, headers=tenant.headers).status_code == 404


def test_partner_expense_connection_is_linked_and_single(
    api: TestClient, tenant: Tenant, company: dict[str, Any]
) -> None:
    url = f"/companies/{company['id']}/sync/expenses/connections/partnerExpense"
    first = api.post(url, headers=tenant.headers)
    assert first.status_code == 200, first.text
    assert first.json()["status"] == "Linked"
    assert first.json()["sourceType"] == "Expense"
    assert api.post(url, headers=tenant.headers).json()["id"] == first.json()["id"]


def test_connection_query(api: TestClient, tenant: Tenant, company: dict[str, Any]) -> None:
    first = connect(api, tenant, company["id"]).json()
    connect(api, tenant, company["id"])
    api.patch(
        f"/companies/{company['id']}/connections/{first['id']}",
        json={"status": "Unlinked"},
        headers=tenant.headers,
    )
    url = f"/companies/{company['id']}/connections"
    found = api.get(url, params={"query": "status=Unlinked"}, headers=tenant.headers).json()
    assert [c["id"] for c in found["results"]] == [first["id"]]
    bad = api.get(url, params={"query": "status=Sleeping"}, headers=tenant.headers)
    assert bad.status_code == 400 and "PendingAuth" in bad.json()["error"]


def test_link_pages_complete_the_flow_in_a_browser(
    api: TestClient, tenant: Tenant, company: dict[str, Any]
) -> None:
    redirect = company["redirect"].split("://", 1)[1].split("/", 1)[1]
    page = api.get("/" + redirect)
    assert page.status_code == 200 and "Beancount" in page.text and "Xero" in page.text
    assert "QuickBooks Online" in page.text
    assert "Oracle NetSuite" not in page.text  # listed, but no connector yet
    start = re.search(r'action="([^"]+)"', page.text)
    assert start is not None
    started = api.post(
        start.group(1).replace("&amp;", "&"), data={"platformKey": "bean"}, follow_redirects=False
    )
    assert started.status_code == 303
    form = api.get(started.headers["location"])
    assert 'name="ledgerPath"' in form.text
    assert form.headers["cache-control"] == "no-store"
    assert form.headers["referrer-policy"] == "no-referrer"
    refused = api.post(started.headers["location"], data={"ledgerPath": "../escape"})
    assert refused.status_code == 400 and "inside the ledger folder" in refused.text
    assert "ledgerPath" not in refused.text.split("<form", 1)[0], "API field name shown"
    done = api.post(started.headers["location"], data={"ledgerPath": ""})
    assert done.status_code == 200 and "Beancount connected" in done.text
    listed = api.get(f"/companies/{company['id']}/connections", headers=tenant.headers).json()
    assert [c["status"] for c in listed["results"]] == ["Linked"]
    ledger = listed["results"][0]["connectionInfo"]["ledgerPath"]
    assert ledger not in done.text and Path(ledger).name in done.text, "server path shown"
    again = api.get("/" + redirect)
    assert "Connected" in again.text and 'name="platformKey" value="bean"' not in again.text
    resubmitted = api.post(started.headers["location"], data={"ledgerPath": "../escape"})
    assert resubmitted.status_code == 200 and 'role="alert"' not in resubmitted.text


@pytest.mark.parametrize("query", ["?token=forged", ""])
def test_link_pages_need_the_token(api: TestClient, company: dict[str, Any], query: str) -> None:
    page = api.get(f"/link/{company['id']}{query}")
    assert page.status_code == 404 and "This link is not valid" in page.text


class _NotTryton(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.end_headers()
        self.wfile.write(b"<html>a web page</html>")

    def log_message(self, *_: object) -> None:
        pass


@contextmanager
def _web_page_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _NotTryton)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_link_form_says_what_to_check_when_tryton_cannot_be_used(
    api: TestClient, tenant: Tenant, company: dict[str, Any]
) -> None:
    connection = connect(api, tenant, company["id"], "tryt").json()
    form = "/" + connection["linkUrl"].split("://", 1)[1].split("/", 1)[1]
    fields = {"database": "books", "username": "admin", "password": "admin"}

    dead = api.post(form, data={**fields, "url": f"http://127.0.0.1:{free_port()}"})
    assert dead.status_code == 400
    alert = html.unescape(dead.text.split('role="alert"', 1)[1].split("</", 1)[0])
    for what in ("Server URL", "port", "running", "reached from the expense-sync server",
                 "Database name"):  # fmt: skip
        assert what in alert, (what, alert)
    with _web_page_server() as web_page:
        other = api.post(form, data={**fields, "url": web_page})
    assert other.status_code == 400
    other_alert = html.unescape(other.text.split('role="alert"', 1)[1].split("</", 1)[0])
    assert "not as Tryton" in other_alert and "Database name" in other_alert
    for shown in (alert, other_alert):
        assert "/rpc" not in shown and "127.0.0.1" not in shown, "an internal URL shown"
        assert not re.search(r"[A-Z][a-z]+(Error|Exception)\b", shown), "a class name shown"
