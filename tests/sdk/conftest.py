"""The SDK against a real ``expense-sync serve`` process (tests/e2e/server.py)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from expense_sync.client import ExpenseSync, RetryConfig
from expense_sync.client.models import PushOperation
from tests.e2e.server import RunningServer, running_server
from tests.waiting import wait_for

CARD = "Liabilities:CreditCard:Corporate"
# A failure must fail fast here; the retry tests choose their own policy.
FAIL_FAST = RetryConfig("none")


@pytest.fixture(scope="package")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    with running_server(tmp_path_factory.mktemp("sdk") / "data") as running:
        assert running.first_key, "serve printed no first-start API key"
        yield running


@pytest.fixture
def sdk(server: RunningServer) -> Iterator[ExpenseSync]:
    with ExpenseSync(api_key=server.first_key, server_url=server.url, retry_config=FAIL_FAST) as s:
        yield s


@dataclass(frozen=True)
class Books:
    """A company linked to a Beancount ledger, its data pulled and its card configured."""

    company_id: str
    connection_id: str


def linked_books(sdk: ExpenseSync, name: str = "Books") -> Books:
    company = sdk.companies.create(request={"name": f"{name} {uuid.uuid4().hex[:6]}"})
    connection = sdk.connections.create(company_id=company.id, request={"platform_key": "bean"})
    linked = sdk.connections.update_authorization(
        company_id=company.id, connection_id=connection.id, request={}
    )
    assert linked.status == "Linked"
    sdk.manage_data.refresh_all_data_types(company_id=company.id)
    wait_for(
        lambda: all(p.is_completed for p in sdk.manage_data.list_pull_operations(
            company_id=company.id
        )),
        "the first pull",
    )  # fmt: skip
    sdk.configuration.set(
        company_id=company.id,
        request={"bank_account": {"id": CARD}, "supplier": {}, "customer": {}},
    )
    return Books(company.id, connection.id)


def expense(transaction_id: str | None = None, amount: int = 100) -> dict[str, Any]:
    return {
        "id": transaction_id or str(uuid.uuid4()),
        "type": "Payment",
        "issue_date": "2026-11-02T00:00:00Z",
        "currency": "GBP",
        "merchant_name": "Amazon UK",
        "lines": [
            {
                "net_amount": amount,
                "tax_amount": amount // 5,
                "tax_rate_ref": {"id": "VAT20"},
                "account_ref": {"id": "Expenses:OfficeSupplies"},
            }
        ],
    }


def ledger_postings(data_dir: Path, transaction_id: str) -> int:
    """How many ledger transactions carry this id, across every ledger the server wrote."""
    pattern = re.compile(rf'expense-sync-id:\s*"{re.escape(transaction_id)}"')
    return sum(
        len(pattern.findall(path.read_text()))
        for path in (data_dir / "ledgers").rglob("*")
        if path.is_file()
    )


def pushed(sdk: ExpenseSync, company_id: str, operation: PushOperation) -> PushOperation:
    """The push operation once it has finished (writes run in the background)."""
    return wait_for(
        lambda: (
            (done := sdk.push_operations.get(
                company_id=company_id, push_operation_key=operation.push_operation_key
            )).status != "Pending" and done
        ),
        f"push {operation.push_operation_key}",
    )  # fmt: skip
