"""Codat's own SDK (codat-sync-for-expenses 9.x), unchanged, through issue 14's items 2
and 8: a transfer between two GBP bank accounts of a USD ledger syncs (2000), and an
amount finer than its currency is a 400 naming the field."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from decimal import Decimal

import httpx
import pytest
from codat_sync_for_expenses import CodatSyncExpenses
from codat_sync_for_expenses.models.errors import ErrorMessage
from codat_sync_for_expenses.models.shared.security import Security

from tests.e2e.server import RunningServer, running_server
from tests.e2e.test_codat_sdk import NO_RETRIES, basic
from tests.waiting import wait_for


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    with running_server(tmp_path_factory.mktemp("sdk-money") / "data") as running:
        yield running


@pytest.fixture
def sdk(server: RunningServer) -> Iterator[CodatSyncExpenses]:
    assert server.first_key, "serve printed no first-start API key"
    with CodatSyncExpenses(
        server_url=server.url,
        retry_config=NO_RETRIES,
        security=Security(auth_header=basic(server.first_key)),
    ) as client:
        yield client


def test_a_gbp_transfer_on_a_usd_ledger_syncs_and_5_123_usd_is_refused(
    sdk: CodatSyncExpenses, server: RunningServer
) -> None:
    company_id = str(sdk.companies.create(request={"name": "Sterling Ltd"}).id)
    connection = sdk.connections.create(
        request={"company_id": company_id, "request_body": {"platform_key": "bean"}}
    )
    base = f"{server.url}/companies/{company_id}"
    linked = httpx.put(
        f"{base}/connections/{connection.id}/authorization",
        json={},
        headers={"Authorization": basic(server.first_key)},
    )
    assert linked.status_code == 200, linked.text

    def bank_account(name: str) -> None:
        pushed = sdk.bank_accounts.create(
            request={
                "company_id": company_id,
                "connection_id": str(connection.id),
                "bank_account": {"account_name": name, "account_type": "Debit", "currency": "GBP"},
            }
        )
        key = str(pushed.push_operation_key)
        done = wait_for(
            lambda: (
                (
                    op := sdk.push_operations.get(
                        request={"company_id": company_id, "push_operation_key": key}
                    )
                ).status
                != "Pending"
                and op
            ),
            "bank account push",
        )
        assert done.status == "Success", done

    bank_account("London Current")
    bank_account("London Reserve")
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
    sterling = {a.name: a.id for a in options.accounts or [] if a.currency == "GBP"}
    london, reserve = sterling["London Current"], sterling["London Reserve"]

    transfer_id = str(uuid.uuid4())
    created = sdk.transfers.create(
        request={
            "company_id": company_id,
            "transaction_id": transfer_id,
            "transfer_transaction_request": {
                "date_": "2026-11-04T00:00:00Z",
                "description": "Sweep to reserve",
                "from_": {"account_ref": {"id": london}, "amount": Decimal("250.00")},
                "to": {"account_ref": {"id": reserve}, "amount": Decimal("250.00")},
            },
        }
    )
    sync_id = str(created.sync_id)
    status = wait_for(
        lambda: (
            (
                s := sdk.sync.get(request={"company_id": company_id, "sync_id": sync_id})
            ).sync_status_code
            != 1000
            and s
        ),
        "transfer sync",
    )
    assert status.sync_status_code == 2000, status.error_message  # was 5130
    listed = sdk.transaction_status.list(request={"company_id": company_id, "sync_id": sync_id})
    assert [(t.transaction_id, t.status) for t in listed.results or []] == [
        (transfer_id, "Completed")
    ]

    with pytest.raises(ErrorMessage) as refused:
        sdk.expenses.create(
            request={
                "company_id": company_id,
                "request_body": [
                    {
                        "id": str(uuid.uuid4()),
                        "type": "Payment",
                        "issue_date": "2026-11-02",
                        "currency": "USD",
                        "bank_account_ref": {"id": "Liabilities:CreditCard:Corporate"},
                        "lines": [
                            {"net_amount": 10, "account_ref": {"id": "Expenses:Travel"}},
                            {"net_amount": Decimal("5.123"),
                             "account_ref": {"id": "Expenses:Travel"}},
                        ],
                    }
                ],
            }
        )  # fmt: skip
    error = refused.value.data
    assert error.status_code == 400
    assert error.validation.errors[0].item_id == "[0].lines[1].netAmount"
    assert "USD amounts have 2 decimal place(s)" in str(error.validation.errors[0].message)
    syncs = sdk.sync.list(request={"company_id": company_id})
    assert [str(s.sync_id) for s in syncs] == [sync_id]  # the refused request stored nothing
