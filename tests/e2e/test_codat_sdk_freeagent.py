"""Codat's own SDK (codat-sync-for-expenses 9.x), unchanged, runs the FreeAgent flow
against ``expense-sync serve`` and the FreeAgent sandbox: link through the link page (our
page, FreeAgent's approval, our callback), refresh, mapping options, configuration, 50
mixed expenses, a reimbursable, a transfer, an adjustment and a receipt, each read back
once from the sandbox's state."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from codat_sync_for_expenses import CodatSyncExpenses

from sandboxes.freeagent import RunningSandbox, SandboxConfig, run
from tests.connectors.test_freeagent import PNG
from tests.e2e import codat_cloud_flow as flow
from tests.e2e.server import RunningServer, running_server
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
    with flow.open_sdk(server) as client:
        yield client


def link_in_a_browser(link_url: str) -> None:
    flow.link_in_a_browser(link_url, "FreeAgent connected")


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
    company_id, info = flow.link_company(sdk, "SDK FreeAgent Co", "fbrh", link_in_a_browser)
    sandbox_company = str(info["subdomain"]).removeprefix("demo")

    options = flow.refresh(sdk, company_id)
    accounts = {a.name: str(a.id) for a in options.accounts or []}
    assert accounts["Travel"] == "365" and accounts["Accommodation and Meals"] == "285"
    card, current = accounts["Company Credit Card"], accounts["Current Account"]
    employee = flow.supplier_id(sdk, company_id, "Jane Employee")
    flow.configure(sdk, company_id, card)

    expenses, sync_id, calls = flow.post_mixed_expenses(
        sdk,
        company_id,
        "GBP",
        lambda n: {"net_amount": 10 * (n + 1), "account_ref": {"id": "365"}},
        lambda: _calls(sandbox),
    )
    # The books are read (company, categories, bank accounts, contacts), then one
    # look-up and one write per expense (FreeAgent has no batch writes).
    assert calls <= 50 + 1 + 6

    claim_id = flow.post_reimbursable(sdk, company_id, employee, "GBP", "285")
    transfer_id = flow.post_transfer(sdk, company_id, current, card)
    adjustment_id = flow.post_adjustment(sdk, company_id, "GBP", "285", "796")

    flow.upload_receipt(sdk, company_id, sync_id, expenses[0]["id"], PNG)
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
