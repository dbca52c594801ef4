"""Codat's own SDK (codat-sync-for-expenses 9.x), unchanged, runs the Business Central
flow against ``expense-sync serve`` and the BC sandbox: link through the link page (our
page, Microsoft's consent, our callback), refresh, mapping options, configuration, 50
mixed expenses, a reimbursable, a transfer, an adjustment and a receipt, each read back
once from the sandbox's state."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from codat_sync_for_expenses import CodatSyncExpenses

from expense_sync.connectors.business_central.posting import document_number
from sandboxes.business_central import RunningSandbox, SandboxConfig, run
from tests.connectors.test_business_central import PNG
from tests.e2e import codat_cloud_flow as flow
from tests.e2e.server import RunningServer, running_server
from tests.waiting import wait_for


@pytest.fixture(scope="module")
def sandbox() -> Iterator[RunningSandbox]:
    with run(SandboxConfig(auto_approve=True)) as running:
        yield running
        assert running.violations() == [], "requests or answers broke BC's v2.0 schemas"


@pytest.fixture(scope="module")
def server(
    tmp_path_factory: pytest.TempPathFactory, sandbox: RunningSandbox
) -> Iterator[RunningServer]:
    env = {
        "EXPENSE_SYNC_BUSINESS_CENTRAL_CLIENT_ID": sandbox.config.client_id,
        "EXPENSE_SYNC_BUSINESS_CENTRAL_CLIENT_SECRET": sandbox.config.client_secret,
        "EXPENSE_SYNC_BUSINESS_CENTRAL_LOGIN_URL": f"{sandbox.base_url}/{sandbox.config.tenant}",
        "EXPENSE_SYNC_BUSINESS_CENTRAL_API_URL": sandbox.base_url,
    }
    with running_server(tmp_path_factory.mktemp("bc") / "data", env) as running:
        yield running


@pytest.fixture
def sdk(server: RunningServer) -> Iterator[CodatSyncExpenses]:
    with flow.open_sdk(server) as client:
        yield client


def link_in_a_browser(link_url: str) -> None:
    """What the customer does: open the link, choose Connect, approve on Microsoft's page."""
    flow.link_in_a_browser(link_url, "Business Central connected")


def _calls(sandbox: RunningSandbox) -> int:
    return int(httpx.get(f"{sandbox.base_url}/__sandbox__/calls").json()["admitted"])


def test_the_whole_business_central_flow_through_codats_sdk(
    sdk: CodatSyncExpenses, sandbox: RunningSandbox, tmp_path: Path
) -> None:
    company_id, info = flow.link_company(sdk, "SDK BC Co", "trji", link_in_a_browser)
    bc_company = str(info["companyId"])

    options = flow.refresh(sdk, company_id)
    accounts = {a.nominal_code: str(a.id) for a in options.accounts or []}
    assert {"60100", "60200", "10100", "CARD", "CHECKING"} <= set(accounts)
    tax = next(str(t.id) for t in options.tax_rates or [] if t.code == "SUPPLIES")
    employee = flow.supplier_id(sdk, company_id, "Jane Employee")
    flow.configure(sdk, company_id, accounts["CARD"])

    expenses, sync_id, calls = flow.post_mixed_expenses(
        sdk,
        company_id,
        "USD",
        lambda n: {
            "net_amount": 10 * (n + 1),
            "tax_amount": 2 * (n + 1),
            "tax_rate_ref": {"id": tax},
            "account_ref": {"id": accounts["60100"]},
        },
        lambda: _calls(sandbox),
    )
    # The engine's read of the books (accounts, bank accounts, vendors, customers, tax
    # groups, dimensions and values, company; the journal's id), then one $batch of
    # look-ups and one $batch write for all 50.
    assert calls <= 13

    claim_id = flow.post_reimbursable(sdk, company_id, employee, "USD", accounts["60200"])
    transfer_id = flow.post_transfer(sdk, company_id, accounts["CHECKING"], accounts["CARD"])
    adjustment_id = flow.post_adjustment(
        sdk, company_id, "USD", accounts["60100"], accounts["10100"]
    )

    flow.upload_receipt(sdk, company_id, sync_id, expenses[0]["id"], PNG)
    held = sandbox.state(bc_company)
    numbers = [line["documentNumber"] for line in held["journalLines"]]
    wanted = [document_number(e["id"]) for e in expenses]
    assert sorted(n for n in numbers if n in wanted) == sorted(wanted)  # each exactly once
    assert [i["vendorInvoiceNumber"] for i in held["purchaseInvoices"]] == [
        document_number(claim_id)
    ]
    assert held["purchaseInvoices"][0]["status"] == "Open"
    assert numbers.count(document_number(transfer_id)) == 1
    assert numbers.count(document_number(adjustment_id)) == 2
    first = next(x for x in held["journalLines"] if x["documentNumber"] == wanted[0])
    wait_for(
        lambda: any(
            a["parentId"] == first["id"] and a["byteSize"] == len(PNG)
            for a in sandbox.state(bc_company).get("documentAttachments", [])
        ),
        "the receipt in Business Central",
        timeout=60,
    )
