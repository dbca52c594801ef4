"""Codat's own SDK (codat-sync-for-expenses 9.x), unchanged, runs the Xero flow against
``expense-sync serve`` and the Xero sandbox: link through the link page (our page,
Xero's consent, our callback), refresh, mapping options, configuration, 50 mixed
expenses, a reimbursable, a transfer, an adjustment and a receipt, each read back once
from the sandbox's state."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from codat_sync_for_expenses import CodatSyncExpenses

from sandboxes.xero import RunningSandbox, SandboxConfig, run
from tests.connectors.test_xero import PNG
from tests.e2e import codat_cloud_flow as flow
from tests.e2e.server import RunningServer, running_server
from tests.waiting import wait_for


@pytest.fixture(scope="module")
def sandbox() -> Iterator[RunningSandbox]:
    with run(SandboxConfig(auto_approve=True)) as running:
        yield running
        assert running.violations() == [], "requests or answers broke Xero's OpenAPI"


@pytest.fixture(scope="module")
def server(
    tmp_path_factory: pytest.TempPathFactory, sandbox: RunningSandbox
) -> Iterator[RunningServer]:
    env = {
        "EXPENSE_SYNC_XERO_CLIENT_ID": sandbox.config.client_id,
        "EXPENSE_SYNC_XERO_CLIENT_SECRET": sandbox.config.client_secret,
        "EXPENSE_SYNC_XERO_AUTHORIZE_URL": sandbox.authorize_url,
        "EXPENSE_SYNC_XERO_IDENTITY_URL": sandbox.base_url,
        "EXPENSE_SYNC_XERO_API_URL": sandbox.base_url,
    }
    with running_server(tmp_path_factory.mktemp("xero") / "data", env) as running:
        yield running


@pytest.fixture
def sdk(server: RunningServer) -> Iterator[CodatSyncExpenses]:
    with flow.open_sdk(server) as client:
        yield client


def link_in_a_browser(link_url: str) -> None:
    """What the customer does: open the link, choose Connect, approve on Xero's page."""
    flow.link_in_a_browser(link_url, "Xero connected")


def _calls(sandbox: RunningSandbox, tenant_id: str) -> int:
    counted = httpx.get(f"{sandbox.base_url}/__sandbox__/calls").json()["calls"]
    return int(counted.get(tenant_id, 0))


def finished(sdk: CodatSyncExpenses, company_id: str, sync_id: str) -> Any:
    return flow.finished(sdk, company_id, sync_id)


def test_the_whole_xero_flow_through_codats_sdk(
    sdk: CodatSyncExpenses, sandbox: RunningSandbox, tmp_path: Path
) -> None:
    company_id, info = flow.link_company(sdk, "SDK Xero Co", "gbol", link_in_a_browser)
    tenant_id = str(info["tenantId"])

    options = flow.refresh(sdk, company_id)
    accounts = {a.nominal_code: str(a.id) for a in options.accounts or []}
    assert {"090", "092", "429", "493"} <= set(accounts)
    assert any(t.id == "INPUT2" for t in options.tax_rates or [])
    employee = flow.supplier_id(sdk, company_id, "Jane Employee")
    flow.configure(sdk, company_id, accounts["092"])

    expenses, sync_id, calls = flow.post_mixed_expenses(
        sdk,
        company_id,
        "GBP",
        lambda n: {
            "net_amount": 10 * (n + 1),
            "tax_amount": 2 * (n + 1),
            "tax_rate_ref": {"id": "INPUT2"},
            "account_ref": {"id": accounts["429"]},
        },
        lambda: _calls(sandbox, tenant_id),
    )
    # The books are read once (6 collections), then one look-up and one write for all 50.
    assert calls <= 8

    claim_id = flow.post_reimbursable(sdk, company_id, employee, "GBP", accounts["493"])
    transfer_id = flow.post_transfer(sdk, company_id, accounts["090"], accounts["092"])
    adjustment_id = flow.post_adjustment(sdk, company_id, "GBP", accounts["429"], accounts["090"])

    flow.upload_receipt(sdk, company_id, sync_id, expenses[0]["id"], PNG)
    held = sandbox.state(tenant_id)
    references = [t["Reference"] for t in held["BankTransactions"]]
    assert sorted(references) == sorted(e["id"] for e in expenses)  # each exactly once
    assert [i["InvoiceNumber"] for i in held["Invoices"]] == [claim_id]
    assert [t["Reference"] for t in held["BankTransfers"]] == [transfer_id]
    assert [j["Narration"] for j in held["ManualJournals"]] == [adjustment_id]
    first = next(t for t in held["BankTransactions"] if t["Reference"] == expenses[0]["id"])
    wait_for(
        lambda: any(
            first["BankTransactionID"] in owner for owner in sandbox.state(tenant_id)["Attachments"]
        ),
        "the receipt in Xero",
        timeout=60,
    )
