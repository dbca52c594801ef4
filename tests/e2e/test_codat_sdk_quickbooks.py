"""Codat's own SDK (codat-sync-for-expenses 9.x), unchanged, runs the QuickBooks Online
flow against ``expense-sync serve`` and the QuickBooks sandbox's US company: link through
the link page (our page, Intuit's consent, our callback with ``realmId``), refresh,
mapping options, configuration, 50 mixed expenses, a reimbursable, a transfer, an
adjustment and a receipt, each read back once from the sandbox's state."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from codat_sync_for_expenses import CodatSyncExpenses

from sandboxes.quickbooks import RunningSandbox, SandboxConfig, run
from tests.connectors.test_quickbooks import PNG
from tests.e2e import codat_cloud_flow as flow
from tests.e2e.server import RunningServer, running_server
from tests.waiting import wait_for


@pytest.fixture(scope="module")
def sandbox() -> Iterator[RunningSandbox]:
    with run(SandboxConfig(auto_approve=True)) as running:
        yield running
        assert running.violations() == [], "requests or answers broke Intuit's XSDs"


@pytest.fixture(scope="module")
def server(
    tmp_path_factory: pytest.TempPathFactory, sandbox: RunningSandbox
) -> Iterator[RunningServer]:
    env = {
        "EXPENSE_SYNC_QUICKBOOKS_CLIENT_ID": sandbox.config.client_id,
        "EXPENSE_SYNC_QUICKBOOKS_CLIENT_SECRET": sandbox.config.client_secret,
        "EXPENSE_SYNC_QUICKBOOKS_AUTHORIZE_URL": sandbox.authorize_url,
        "EXPENSE_SYNC_QUICKBOOKS_TOKEN_URL": sandbox.token_url,
        "EXPENSE_SYNC_QUICKBOOKS_API_URL": sandbox.api_url,
    }
    with running_server(tmp_path_factory.mktemp("qbo") / "data", env) as running:
        yield running


@pytest.fixture
def sdk(server: RunningServer) -> Iterator[CodatSyncExpenses]:
    with flow.open_sdk(server) as client:
        yield client


def link_in_a_browser(link_url: str) -> None:
    """What the customer does: open the link, choose Connect, approve on Intuit's page
    (the sandbox approves at once for its US company)."""
    flow.link_in_a_browser(link_url, "QuickBooks Online connected")


def _calls(sandbox: RunningSandbox) -> int:
    return sum(sandbox.control("GET", "calls").json()["calls"].values())


def keys(sandbox: RunningSandbox, realm_id: str, entity: str) -> list[str]:
    """The transaction ids held in ``entity``, read from each one's ``PrivateNote``."""
    found = sandbox.state(realm_id).get(entity) or []
    return sorted(str(r["PrivateNote"]).split()[2] for r in found)


def test_the_whole_quickbooks_flow_through_codats_sdk(
    sdk: CodatSyncExpenses, sandbox: RunningSandbox, tmp_path: Path
) -> None:
    company_id, info = flow.link_company(sdk, "SDK QuickBooks Co", "qhyg", link_in_a_browser)
    realm_id = str(info["realmId"])
    assert realm_id == sandbox.realm("US")

    options = flow.refresh(sdk, company_id)
    accounts = {a.name: str(a.id) for a in options.accounts or []}
    assert {"Travel", "Company Credit Card", "Checking", "Savings"} <= set(accounts)
    employee = flow.supplier_id(sdk, company_id, "Jane Employee (vendor)")
    flow.configure(sdk, company_id, accounts["Company Credit Card"])

    expenses, sync_id, calls = flow.post_mixed_expenses(
        sdk,
        company_id,
        "USD",
        lambda n: {"net_amount": 10 * (n + 1), "account_ref": {"id": accounts["Travel"]}},
        lambda: _calls(sandbox),
    )
    # Two batches of 30 (the manifest's size), each: the company's facts and accounts read,
    # one look-up and one /batch call (13 measured).
    assert calls <= 14

    claim_id = flow.post_reimbursable(sdk, company_id, employee, "USD", accounts["Travel"])
    transfer_id = flow.post_transfer(sdk, company_id, accounts["Checking"], accounts["Savings"])
    adjustment_id = flow.post_adjustment(
        sdk, company_id, "USD", accounts["Travel"], accounts["Checking"]
    )

    flow.upload_receipt(sdk, company_id, sync_id, expenses[0]["id"], PNG)
    held = sandbox.state(realm_id)
    money = keys(sandbox, realm_id, "Purchase") + keys(sandbox, realm_id, "Deposit")
    assert sorted(money) == sorted(e["id"] for e in expenses)  # each exactly once
    assert keys(sandbox, realm_id, "Bill") == [claim_id]
    assert keys(sandbox, realm_id, "Transfer") == [transfer_id]
    assert keys(sandbox, realm_id, "JournalEntry") == [adjustment_id]
    first = next(p for p in held["Purchase"] if expenses[0]["id"] in p["PrivateNote"])
    attached = wait_for(
        lambda: sandbox.state(realm_id).get("Attachable"), "the receipt in QuickBooks", timeout=60
    )
    assert attached[0]["AttachableRef"][0]["EntityRef"]["value"] == first["Id"]
