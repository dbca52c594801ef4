"""The Sync Health dashboard in real Chromium (Debian's ``chromium``, driven by
Playwright) against a real ``expense-sync serve``: a support person signs in, finds a
failed sync by its id and by company name, filters by status 5130 and a date range,
reads why it failed, downloads its configuration, retries the failed items once the
books are fixed, and sees the new sync succeed; another client's sync is not found.

Each page is saved at desktop and phone width, into the test's temporary folder, or into
the folder ``EXPENSE_SYNC_SCREENSHOTS`` names: ``EXPENSE_SYNC_SCREENSHOTS=docs/screenshots``
refreshes the pictures ``docs/dashboard.md`` links, so people can see the pages before
they install (by default a run leaves the work tree as it was).
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.server import RunningServer, running_server
from tests.services import missing_service
from tests.waiting import wait_for

pytestmark = pytest.mark.e2e
DESKTOP = {"width": 1280, "height": 860}
PHONE = {"width": 390, "height": 844}
CARD = "Liabilities:CreditCard:Corporate"
COMPANY = "Acme Travel Ltd"


def chromium_path() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        missing_service(
            "Chromium",
            "no chromium on PATH; install Debian's package: apt-get install -y chromium",
        )
        raise AssertionError("unreachable")
    return found


class Api:
    """The client's platform, talking to the API as any client would."""

    def __init__(self, url: str, key: str) -> None:
        auth = "Basic " + base64.b64encode(key.encode()).decode()
        self.http = httpx.Client(base_url=url, headers={"Authorization": auth}, timeout=30)

    def __enter__(self) -> Api:
        return self

    def __exit__(self, *_: object) -> None:
        self.http.close()

    def call(self, method: str, path: str, body: Any = None, ok: int = 200) -> Any:
        response = self.http.request(method, path, json=body)
        assert response.status_code == ok, response.text
        return response.json() if response.content else None

    def sync_status(self, company: str, sync_id: str) -> dict[str, Any]:
        path = f"/companies/{company}/sync/expenses/syncs/{sync_id}/status"
        return wait_for(
            lambda: (s := self.call("GET", path))["syncStatusCode"] not in (1000, 1010) and s,
            f"sync {sync_id}",
        )


def expense(**overrides: Any) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "type": "Payment",
        "issueDate": "2026-11-02T00:00:00Z",
        "currency": "USD",
        "merchantName": "Acme Air",
        "lines": [{"netAmount": 100, "taxAmount": 20, "taxRateRef": {"id": "VAT20"},
                   "accountRef": {"id": "Expenses:Travel"}}],
    } | overrides  # fmt: skip


def cli_key(data_dir: Path, client: str) -> str:
    made = subprocess.run(
        [sys.executable, "-m", "expense_sync", "api-keys", "create", "--client", client,
         "--data-dir", str(data_dir)],
        capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    return made.stdout.strip().splitlines()[-1]


@pytest.fixture
def server(tmp_path: Path) -> Iterator[RunningServer]:
    chromium_path()  # skip (or, under CI, fail) before starting anything
    with running_server(tmp_path / "data") as running:
        yield running


def prepare(server: RunningServer) -> dict[str, str]:
    """A company on a Beancount ledger with one good and one refused transaction (a sync
    ending 5130), and another client's sync."""
    with Api(server.url, server.first_key) as api:
        made = _failed_sync(api)
    with Api(server.url, cli_key(server.data_dir, "other-platform")) as other:
        theirs = other.call("POST", "/companies", {"name": "Rival Ltd"})["id"]
        card = {"bankAccountRef": {"id": CARD}}
        their_sync = other.call(
            "POST", f"/companies/{theirs}/sync/expenses/expense-transactions", [expense(**card)]
        )["syncId"]
        other.sync_status(theirs, their_sync)  # 4040: Rival Ltd has no books
    return made | {"their_sync": their_sync}


def _failed_sync(api: Api) -> dict[str, str]:
    company = api.call("POST", "/companies", {"name": COMPANY})["id"]
    connection = api.call("POST", f"/companies/{company}/connections", {"platformKey": "bean"})
    linked = api.call(
        "PUT", f"/companies/{company}/connections/{connection['id']}/authorization", {}
    )
    api.call("POST", f"/companies/{company}/data/all", ok=204)
    wait_for(
        lambda: all(
            p["isCompleted"]
            for p in api.call("GET", f"/companies/{company}/data/history")["results"]
        ),
        "pulls",
    )
    config = {"bankAccount": {"id": CARD}, "supplier": {}, "customer": {}}
    api.call("POST", f"/companies/{company}/sync/expenses/config", config)
    good, bad = expense(), expense(issueDate="1990-01-02T00:00:00Z", merchantName="Old Air")
    base = f"/companies/{company}/sync/expenses/expense-transactions"
    sync_id = api.call("POST", base, [good, bad])["syncId"]
    assert api.sync_status(company, sync_id)["syncStatusCode"] == 5130
    ledger = linked["connectionInfo"]["ledgerPath"]
    return {"company": company, "sync": sync_id, "bad": bad["id"], "ledger": ledger}


def shoot(page: Any, name: str, folder: Path) -> None:
    """The page as it is, at desktop and at phone width."""
    folder.mkdir(parents=True, exist_ok=True)
    for width, size in (("desktop", DESKTOP), ("phone", PHONE)):
        page.set_viewport_size(size)
        page.screenshot(path=str(folder / f"{name}-{width}.png"))
    page.set_viewport_size(DESKTOP)


def test_support_person_finds_reads_and_retries_a_failed_sync(
    server: RunningServer, tmp_path: Path
) -> None:
    from playwright.sync_api import expect, sync_playwright

    made = prepare(server)
    folder = Path(os.environ.get("EXPENSE_SYNC_SCREENSHOTS") or tmp_path / "screenshots")
    today = datetime.now(UTC).date()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path())
        context = browser.new_context(viewport=DESKTOP, accept_downloads=True)
        page = context.new_page()
        page.goto(f"{server.url}/health")
        expect(page.get_by_role("heading", name="Sign in to Sync Health")).to_be_visible()
        shoot(page, "sign-in", folder)
        page.get_by_label("API key").fill(server.first_key)
        page.get_by_role("button", name="Sign in", exact=True).click()
        expect(page.get_by_role("heading", name="Overview")).to_be_visible()
        expect(page.locator(".tile.failed").first).to_contain_text("1")
        shoot(page, "overview", folder)

        # Find it by its id, then by the company's name.
        page.get_by_role("link", name="Sync history").click()
        search = page.get_by_label("Sync id, company id or company name")
        search.fill(made["sync"])
        page.get_by_role("button", name="Search").click()
        expect(page.locator("table.syncs tbody tr")).to_have_count(1)
        expect(page.locator("table.syncs")).to_contain_text(made["sync"])
        page.get_by_label("Sync id, company id or company name").fill("acme travel")
        page.get_by_label("Status").select_option("5130")
        page.get_by_label("From").fill(str(today - timedelta(days=1)))
        page.get_by_label("To").fill(str(today))
        page.get_by_role("button", name="Search").click()
        expect(page.locator("table.syncs tbody tr")).to_have_count(1)
        expect(page.locator("table.syncs")).to_contain_text("5130 Data write error")
        shoot(page, "history", folder)

        # A date range without it, and another client's sync: nothing.
        page.get_by_label("From").fill(str(today - timedelta(days=30)))
        page.get_by_label("To").fill(str(today - timedelta(days=2)))
        page.get_by_role("button", name="Search").click()
        expect(page.locator("#no-results")).to_contain_text("No sync found")
        page.goto(f"{server.url}/health/syncs?q={made['their_sync']}")
        expect(page.locator("#no-results")).to_contain_text("No sync found")
        page.goto(f"{server.url}/health/syncs/{made['their_sync']}")
        expect(page.get_by_role("heading", name="No sync found")).to_be_visible()

        # Open it and read why the transaction failed.
        page.goto(f"{server.url}/health/syncs?q={made['sync']}")
        page.get_by_role("link", name=made["sync"]).click()
        failing = page.locator("tr.failed-row")
        expect(failing).to_contain_text(made["bad"])
        expect(failing).to_contain_text("inactive")
        expect(page.locator(".note")).to_contain_text("The books refused some transactions")
        shoot(page, "sync-transactions", folder)

        page.get_by_role("link", name="Config").click()
        expect(page.locator("pre.json")).to_contain_text(CARD)
        with page.expect_download() as download:
            page.get_by_role("link", name="Download JSON").click()
        saved = tmp_path / "config.json"
        download.value.save_as(saved)
        config = json.loads(saved.read_text())
        assert config["syncId"] == made["sync"]
        assert config["configuration"]["bankAccount"] == {"id": CARD}
        shoot(page, "sync-config", folder)

        page.get_by_role("link", name="Push items").click()
        page.get_by_label("Status").select_option("PushError")
        page.get_by_role("button", name="Filter").click()
        expect(page.locator("tbody tr")).to_have_count(1)
        shoot(page, "sync-push-items", folder)

        # Fix the books (open the accounts before 1990), then retry the failed item.
        ledger = Path(made["ledger"])
        ledger.write_text(ledger.read_text().replace("2000-01-01 open", "1980-01-01 open"))
        page.get_by_role("link", name="Transactions").click()
        page.get_by_role("button", name="Retry failed items (1)").click()
        expect(page.locator("#message")).to_contain_text("Retry started")
        retry_url = page.url.split("?")[0]
        assert made["sync"] not in retry_url
        for _ in range(60):
            if "2000 Success" in page.locator(".summary").inner_text():
                break
            page.wait_for_timeout(500)
            page.reload()
        expect(page.locator(".summary .big")).to_contain_text("2000 Success (Data written)")
        expect(page.locator(".summary")).to_contain_text(made["sync"])  # "Retry of"
        expect(page.get_by_role("button", name="Retry failed items (0)")).to_be_disabled()
        shoot(page, "sync-retried", folder)

        page.get_by_role("link", name=COMPANY).first.click()
        expect(page.get_by_role("heading", name=COMPANY)).to_be_visible()
        expect(page.locator("body")).to_contain_text("Linked")
        page.get_by_role("button", name="Refresh data").click()
        expect(page.locator("#message")).to_contain_text("Data refresh queued")
        shoot(page, "company", folder)

        # An expired session (here: gone) signs in again and comes back to the page.
        context.clear_cookies()
        page.goto(retry_url)
        expect(page.get_by_role("heading", name="Sign in to Sync Health")).to_be_visible()
        page.get_by_label("API key").fill(server.first_key)
        page.get_by_role("button", name="Sign in", exact=True).click()
        expect(page.locator(".summary .big")).to_contain_text("2000")
        assert page.url == retry_url
        browser.close()
