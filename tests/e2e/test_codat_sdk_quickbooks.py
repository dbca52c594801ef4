"""Codat's own SDK (codat-sync-for-expenses 9.x), unchanged, runs the QuickBooks Online
flow against ``expense-sync serve`` and the QuickBooks sandbox's US company: link through
the link page (our page, Intuit's consent, our callback with ``realmId``), refresh,
mapping options, configuration, 50 mixed expenses, a reimbursable, a transfer, an
adjustment and a receipt, each read back once from the sandbox's state."""

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

from sandboxes.quickbooks import RunningSandbox, SandboxConfig, run
from tests.connectors.test_quickbooks import PNG
from tests.e2e.server import RunningServer, running_server
from tests.e2e.test_codat_sdk import NO_RETRIES, basic
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
    with CodatSyncExpenses(
        server_url=server.url,
        retry_config=NO_RETRIES,
        security=Security(auth_header=basic(server.first_key)),
    ) as client:
        yield client


def link_in_a_browser(link_url: str) -> None:
    """What the customer does: open the link, choose Connect, approve on Intuit's page
    (the sandbox approves at once for its US company)."""
    with httpx.Client(follow_redirects=True, timeout=30) as browser:
        page = browser.get(link_url)
        action = re.search(r'action="([^"]*consent[^"]*)"', page.text)
        assert action is not None, page.text
        done = browser.post(httpx.URL(link_url).join(action.group(1).replace("&amp;", "&")))
        assert done.status_code == 200 and "QuickBooks Online connected" in done.text, done.text


def _calls(sandbox: RunningSandbox) -> int:
    return sum(sandbox.control("GET", "calls").json()["calls"].values())


def keys(sandbox: RunningSandbox, realm_id: str, entity: str) -> list[str]:
    """The transaction ids held in ``entity``, read from each one's ``PrivateNote``."""
    found = sandbox.state(realm_id).get(entity) or []
    return sorted(str(r["PrivateNote"]).split()[2] for r in found)


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


def test_the_whole_quickbooks_flow_through_codats_sdk(
    sdk: CodatSyncExpenses, sandbox: RunningSandbox, tmp_path: Path
) -> None:
    company_id = str(sdk.companies.create(request={"name": "SDK QuickBooks Co"}).id)
    connection = sdk.connections.create(
        request={"company_id": company_id, "request_body": {"platform_key": "qhyg"}}
    )
    link_in_a_browser(str(connection.link_url))
    linked = sdk.connections.get(
        request={"company_id": company_id, "connection_id": str(connection.id)}
    )
    assert linked.status == "Linked"
    realm_id = str((linked.connection_info or {})["realmId"])
    assert realm_id == sandbox.realm("US")

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
    accounts = {a.name: str(a.id) for a in options.accounts or []}
    assert {"Travel", "Company Credit Card", "Checking", "Savings"} <= set(accounts)
    suppliers = sdk.suppliers.list(request={"company_id": company_id, "page_size": 100})
    employee = next(
        str(s.id) for s in suppliers.results or [] if s.supplier_name == "Jane Employee (vendor)"
    )
    sdk.configuration.set(
        request={
            "company_id": company_id,
            "company_configuration": {
                "bank_account": {"id": accounts["Company Credit Card"]},
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
            "lines": [{"net_amount": 10 * (n + 1), "account_ref": {"id": accounts["Travel"]}}],
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
    # Two batches of 30 (the manifest's size), each: the company's facts and accounts read,
    # one look-up and one /batch call (13 measured).
    assert _calls(sandbox) - calls_before <= 14

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
                    "lines": [{"net_amount": 250, "account_ref": {"id": accounts["Travel"]}}],
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
                "from_": {"account_ref": {"id": accounts["Checking"]}, "amount": 500},
                "to": {"account_ref": {"id": accounts["Savings"]}, "amount": 500},
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
                        {"amount": 12.5, "account_ref": {"id": accounts["Travel"]}},
                        {"amount": -12.5, "account_ref": {"id": accounts["Checking"]}},
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
