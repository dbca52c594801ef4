"""Codat's own SDK (codat-sync-for-expenses 9.x), unchanged, runs the Business Central
flow against ``expense-sync serve`` and the BC sandbox: link through the link page (our
page, Microsoft's consent, our callback), refresh, mapping options, configuration, 50
mixed expenses, a reimbursable, a transfer, an adjustment and a receipt, each read back
once from the sandbox's state."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from codat_sync_for_expenses import CodatSyncExpenses
from codat_sync_for_expenses.models.shared.security import Security

from expense_sync.connectors.business_central.posting import document_number
from sandboxes.business_central import RunningSandbox, SandboxConfig, run
from tests.connectors.test_business_central import PNG
from tests.e2e.server import RunningServer, running_server
from tests.e2e.test_codat_sdk import NO_RETRIES, basic
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
    with CodatSyncExpenses(
        server_url=server.url,
        retry_config=NO_RETRIES,
        security=Security(auth_header=basic(server.first_key)),
    ) as client:
        yield client


def link_in_a_browser(link_url: str) -> None:
    """What the customer does: open the link, choose Connect, approve on Microsoft's page."""
    with httpx.Client(follow_redirects=True, timeout=30) as browser:
        page = browser.get(link_url)
        action = re.search(r'action="([^"]*consent[^"]*)"', page.text)
        assert action is not None, page.text
        done = browser.post(httpx.URL(link_url).join(action.group(1).replace("&amp;", "&")))
        assert done.status_code == 200 and "Business Central connected" in done.text, done.text


def _calls(sandbox: RunningSandbox) -> int:
    return int(httpx.get(f"{sandbox.base_url}/__sandbox__/calls").json()["admitted"])


def finished(sdk: CodatSyncExpenses, company_id: str, sync_id: str) -> Any:
    return wait_for(
        lambda: (
            (
                s := sdk.sync.get(request={"company_id": company_id, "sync_id": sync_id})
            ).sync_status_code
            not in (1000, 1010)
            and s
        ),
        f"sync {sync_id}",
        timeout=120,
    )


def test_the_whole_business_central_flow_through_codats_sdk(
    sdk: CodatSyncExpenses, sandbox: RunningSandbox, tmp_path: Path
) -> None:
    company_id = str(sdk.companies.create(request={"name": "SDK BC Co"}).id)
    connection = sdk.connections.create(
        request={"company_id": company_id, "request_body": {"platform_key": "trji"}}
    )
    link_in_a_browser(str(connection.link_url))
    linked = sdk.connections.get(
        request={"company_id": company_id, "connection_id": str(connection.id)}
    )
    assert linked.status == "Linked"
    bc_company = str((linked.connection_info or {})["companyId"])

    sdk.manage_data.refresh_all_data_types(request={"company_id": company_id})
    wait_for(
        lambda: all(
            p.is_completed
            for p in sdk.manage_data.list_pull_operations(
                request={"company_id": company_id}
            ).results
            or []
        ),
        "refresh",
    )
    options = sdk.mapping_options.get_mapping_options(request={"company_id": company_id})
    accounts = {a.nominal_code: str(a.id) for a in options.accounts or []}
    assert {"60100", "60200", "10100", "CARD", "CHECKING"} <= set(accounts)
    tax = next(str(t.id) for t in options.tax_rates or [] if t.code == "SUPPLIES")
    suppliers = sdk.suppliers.list(request={"company_id": company_id, "page_size": 100})
    employee = next(
        str(s.id) for s in suppliers.results or [] if s.supplier_name == "Jane Employee"
    )
    sdk.configuration.set(
        request={
            "company_id": company_id,
            "company_configuration": {
                "bank_account": {"id": accounts["CARD"]},
                "supplier": {},
                "customer": {},
            },
        }
    )

    kinds = ["Payment", "Refund", "Reward", "Chargeback", "Payment"]
    expenses = [
        {
            "id": str(uuid.uuid4()),
            "type": kinds[n % len(kinds)],
            "issue_date": "2026-11-02T00:00:00Z",
            "currency": "USD",
            "merchant_name": f"Merchant {n}",
            "lines": [
                {
                    "net_amount": 10 * (n + 1),
                    "tax_amount": 2 * (n + 1),
                    "tax_rate_ref": {"id": tax},
                    "account_ref": {"id": accounts["60100"]},
                }
            ],
        }
        for n in range(50)
    ]
    calls_before = _calls(sandbox)
    created = sdk.expenses.create(request={"company_id": company_id, "request_body": expenses})
    sync_id = str(created.sync_id)
    status = finished(sdk, company_id, sync_id)
    outcomes = sdk.transaction_status.list(
        request={"company_id": company_id, "sync_id": sync_id, "page_size": 100}
    )
    failed = [
        (t.transaction_id, t.message) for t in outcomes.results or [] if t.status != "Completed"
    ]
    assert status.sync_status_code == 2000 and failed == [], failed
    # The engine's read of the books (accounts, bank accounts, vendors, customers, tax
    # groups, dimensions and values, company; the journal's id), then one $batch of
    # look-ups and one $batch write for all 50.
    assert _calls(sandbox) - calls_before <= 13

    claim_id = str(uuid.uuid4())
    claimed = sdk.reimbursements.create(
        request={
            "company_id": company_id,
            "request_body": [
                {
                    "id": claim_id,
                    "contact_ref": {"id": employee},
                    "issue_date": "2026-11-03",
                    "due_date": "2026-11-30",
                    "currency": "USD",
                    "lines": [{"net_amount": 250, "account_ref": {"id": accounts["60200"]}}],
                }
            ],
        }
    )
    assert finished(sdk, company_id, str(claimed.sync_id)).sync_status_code == 2000
    transfer_id = str(uuid.uuid4())
    moved = sdk.transfers.create(
        request={
            "company_id": company_id,
            "transaction_id": transfer_id,
            "transfer_transaction_request": {
                "date_": "2026-11-04T00:00:00Z",
                "description": "Card top-up",
                "from_": {"account_ref": {"id": accounts["CHECKING"]}, "amount": 500},
                "to": {"account_ref": {"id": accounts["CARD"]}, "amount": 500},
            },
        }
    )
    assert finished(sdk, company_id, str(moved.sync_id)).sync_status_code == 2000
    adjustment_id = str(uuid.uuid4())
    adjusted = sdk.adjustments.create(
        request={
            "company_id": company_id,
            "request_body": [
                {
                    "id": adjustment_id,
                    "date_": "2026-11-05T00:00:00Z",
                    "currency": "USD",
                    "lines": [
                        {"amount": 12.5, "account_ref": {"id": accounts["60100"]}},
                        {"amount": -12.5, "account_ref": {"id": accounts["10100"]}},
                    ],
                }
            ],
        }
    )
    assert finished(sdk, company_id, str(adjusted.sync_id)).sync_status_code == 2000

    sdk.attachments.upload(
        request={
            "company_id": company_id,
            "sync_id": sync_id,
            "transaction_id": expenses[0]["id"],
            "attachment_upload": {"file": {"file_name": "receipt.png", "content": PNG}},
        }
    )
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
