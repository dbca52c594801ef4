"""Codat's own SDK (codat-sync-for-expenses 9.x), unchanged, runs the FreeAgent flow
against ``expense-sync serve`` and the FreeAgent sandbox: link through the link page (our
page, FreeAgent's approval, our callback), refresh, mapping options, configuration, 50
mixed expenses, a reimbursable, a transfer, an adjustment and a receipt, each read back
once from the sandbox's state."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from codat_sync_for_expenses import CodatSyncExpenses
from codat_sync_for_expenses.models.shared.security import Security

from sandboxes.freeagent import RunningSandbox, SandboxConfig, run
from tests.connectors.test_freeagent import PNG
from tests.e2e.server import RunningServer, running_server
from tests.e2e.test_codat_sdk import NO_RETRIES, basic
from tests.e2e.test_codat_sdk_xero import finished
from tests.waiting import wait_for


@pytest.fixture(scope="module")
def sandbox() -> Iterator[RunningSandbox]:
    with run(SandboxConfig(auto_approve=True)) as running:
        yield running
        assert running.violations() == [], "requests or answers broke FreeAgent's schemas"


@pytest.fixture(scope="module")
def server(
    tmp_path_factory: pytest.TempPathFactory, sandbox: RunningSandbox
) -> Iterator[RunningServer]:
    env = {
        "EXPENSE_SYNC_FREEAGENT_CLIENT_ID": sandbox.config.client_id,
        "EXPENSE_SYNC_FREEAGENT_CLIENT_SECRET": sandbox.config.client_secret,
        "EXPENSE_SYNC_FREEAGENT_API_URL": sandbox.base_url,
    }
    with running_server(tmp_path_factory.mktemp("freeagent") / "data", env) as running:
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
    with httpx.Client(follow_redirects=True, timeout=30) as browser:
        page = browser.get(link_url)
        action = re.search(r'action="([^"]*consent[^"]*)"', page.text)
        assert action is not None, page.text
        done = browser.post(httpx.URL(link_url).join(action.group(1).replace("&amp;", "&")))
        assert done.status_code == 200 and "FreeAgent connected" in done.text, done.text


def _calls(sandbox: RunningSandbox) -> int:
    counted = httpx.get(f"{sandbox.base_url}/__sandbox__/calls").json()["calls"]
    return sum(int(n) for n in counted.values())


def _marks(held: dict[str, Any]) -> list[str]:
    return sorted(
        str(e.get("description")).split("]")[0][1:] for e in held["bank_transaction_explanations"]
    )


def test_the_whole_freeagent_flow_through_codats_sdk(
    sdk: CodatSyncExpenses, sandbox: RunningSandbox
) -> None:
    company_id = str(sdk.companies.create(request={"name": "SDK FreeAgent Co"}).id)
    connection = sdk.connections.create(
        request={"company_id": company_id, "request_body": {"platform_key": "fbrh"}}
    )
    link_in_a_browser(str(connection.link_url))
    linked = sdk.connections.get(
        request={"company_id": company_id, "connection_id": str(connection.id)}
    )
    assert linked.status == "Linked"
    sandbox_company = str((linked.connection_info or {})["subdomain"]).removeprefix("demo")

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
    assert accounts["Travel"] == "365" and accounts["Accommodation and Meals"] == "285"
    card, current = accounts["Company Credit Card"], accounts["Current Account"]
    suppliers = sdk.suppliers.list(request={"company_id": company_id, "page_size": 100})
    employee = next(
        str(s.id) for s in suppliers.results or [] if s.supplier_name == "Jane Employee"
    )
    sdk.configuration.set(
        request={
            "company_id": company_id,
            "company_configuration": {"bank_account": {"id": card}, "supplier": {}, "customer": {}},
        }
    )

    kinds = ["Payment", "Refund", "Reward", "Chargeback", "Payment"]
    expenses = [
        {
            "id": str(uuid.uuid4()),
            "type": kinds[n % len(kinds)],
            "issue_date": "2026-11-02T00:00:00Z",
            "currency": "GBP",
            "merchant_name": f"Merchant {n}",
            "lines": [{"net_amount": 10 * (n + 1), "account_ref": {"id": "365"}}],
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
    # The books are read (company, categories, bank accounts, contacts), then one
    # look-up and one write per expense (FreeAgent has no batch writes).
    assert _calls(sandbox) - calls_before <= 50 + 1 + 6

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
                    "currency": "GBP",
                    "lines": [{"net_amount": 250, "account_ref": {"id": "285"}}],
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
                "from_": {"account_ref": {"id": current}, "amount": 500},
                "to": {"account_ref": {"id": card}, "amount": 500},
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
                    "currency": "GBP",
                    "lines": [
                        {"amount": 12.5, "account_ref": {"id": "285"}},
                        {"amount": -12.5, "account_ref": {"id": "796"}},
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
    held = sandbox.state(sandbox_company)
    expected = sorted([e["id"] for e in expenses] + [transfer_id, transfer_id])
    assert _marks(held) == expected  # each exactly once (a transfer shows on both accounts)
    assert [b["reference"] for b in held["bills"]] == [claim_id]
    assert [j["description"].split("]")[0][1:] for j in held["journal_sets"]] == [adjustment_id]

    def attached() -> bool:
        now = sandbox.state(sandbox_company)["bank_transaction_explanations"]
        first = next(e for e in now if str(e["description"]).startswith(f"[{expenses[0]['id']}]"))
        return bool(first.get("attachment"))

    wait_for(attached, "the receipt in FreeAgent", timeout=60)
