"""Codat's own Python SDK (codat-sync-for-expenses 9.x), unchanged, against a real server.

Only ``server_url`` and the key differ from talking to Codat.
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from codat_sync_for_expenses import CodatSyncExpenses
from codat_sync_for_expenses.models.errors import ErrorMessage, SDKError
from codat_sync_for_expenses.models.shared.security import Security
from codat_sync_for_expenses.utils.retries import RetryConfig

from tests.e2e.server import RunningServer, running_server
from tests.waiting import wait_for

# The SDK retries 408/429/5xx for up to an hour by default; a failure here must fail fast.
NO_RETRIES = RetryConfig("none")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    with running_server(tmp_path_factory.mktemp("sdk") / "data") as running:
        yield running


def basic(key: str) -> str:
    return "Basic " + base64.b64encode(key.encode()).decode()


@pytest.fixture
def sdk(server: RunningServer) -> Iterator[CodatSyncExpenses]:
    assert server.first_key, "serve printed no first-start API key"
    with CodatSyncExpenses(
        server_url=server.url,
        retry_config=NO_RETRIES,
        security=Security(auth_header=basic(server.first_key)),
    ) as client:
        yield client


def test_companies_every_operation(sdk: CodatSyncExpenses) -> None:
    created = sdk.companies.create(
        request={"name": "Technicalium (UK)", "description": "Tech", "tags": {"region": "uk"}}
    )
    assert created.name == "Technicalium UK"
    assert created.tags == {"region": "uk"}
    company_id = str(created.id)

    fetched = sdk.companies.get(request={"company_id": company_id})
    assert fetched.name == created.name and fetched.description == "Tech"

    listed = sdk.companies.list(
        request={"page": 1, "page_size": 10, "query": "name~technical", "order_by": "-created"}
    )
    assert [str(c.id) for c in listed.results or []] == [company_id]
    assert listed.total_results == 1 and listed.page_size == 10
    by_tag = sdk.companies.list(request={"tags": "region=uk"})
    assert [str(c.id) for c in by_tag.results or []] == [company_id]

    updated = sdk.companies.update(
        request={"company_id": company_id, "company_update_request": {"description": "New"}}
    )
    assert (updated.name, updated.description) == ("Technicalium UK", "New")
    replaced = sdk.companies.replace(
        request={"company_id": company_id, "company_request_body": {"name": "Replaced"}}
    )
    assert (replaced.name, replaced.description) == ("Replaced", None)

    sdk.companies.delete(request={"company_id": company_id})
    with pytest.raises(ErrorMessage) as gone:
        sdk.companies.get(request={"company_id": company_id})
    assert gone.value.data.status_code == 404


def test_connections_every_operation(sdk: CodatSyncExpenses) -> None:
    company_id = str(sdk.companies.create(request={"name": "Linkable"}).id)
    connection = sdk.connections.create(
        request={"company_id": company_id, "request_body": {"platform_key": "bean"}}
    )
    assert connection.status == "PendingAuth"
    assert connection.platform_name == "Beancount"
    assert f"/link/{company_id}/{connection.id}" in connection.link_url
    connection_id = str(connection.id)

    fetched = sdk.connections.get(
        request={"company_id": company_id, "connection_id": connection_id}
    )
    assert fetched.id == connection.id

    listed = sdk.connections.list(request={"company_id": company_id, "query": "status=PendingAuth"})
    assert [str(c.id) for c in listed.results or []] == [connection_id]

    unlinked = sdk.connections.unlink(
        request={
            "company_id": company_id,
            "connection_id": connection_id,
            "request_body": {"status": "Unlinked"},
        }
    )
    assert unlinked.status == "Unlinked"

    partner = sdk.connections.create_partner_expense_connection(request={"company_id": company_id})
    assert partner.status == "Linked" and partner.source_type == "Expense"

    sdk.connections.delete(request={"company_id": company_id, "connection_id": connection_id})
    with pytest.raises(ErrorMessage) as gone:
        sdk.connections.get(request={"company_id": company_id, "connection_id": connection_id})
    assert gone.value.data.status_code == 404


def test_errors_reach_the_sdk_as_error_messages(
    sdk: CodatSyncExpenses, server: RunningServer
) -> None:
    with (
        CodatSyncExpenses(
            server_url=server.url,
            retry_config=NO_RETRIES,
            security=Security(auth_header=basic("wrong-key")),
        ) as stranger,
        pytest.raises(ErrorMessage) as unauthorized,
    ):
        stranger.companies.list()
    assert unauthorized.value.data.status_code == 401

    company_id = str(sdk.companies.create(request={"name": "Errors"}).id)
    with pytest.raises(ErrorMessage) as bad_query:
        sdk.companies.list(request={"query": "name~&&created"})
    assert bad_query.value.data.status_code == 400
    # Codat's spec lists no 400 for create-connection, so its SDK raises SDKError (not
    # ErrorMessage) for it; the body is still our ErrorMessage naming the field.
    with pytest.raises(SDKError) as unknown_platform:
        sdk.connections.create(
            request={"company_id": company_id, "request_body": {"platform_key": "zzzz"}}
        )
    assert unknown_platform.value.status_code == 400
    body = json.loads(unknown_platform.value.body)
    assert body["validation"]["errors"][0]["itemId"] == "platformKey"
    assert "bean" in body["validation"]["errors"][0]["message"]


def test_serve_logs_one_json_line_per_request(server: RunningServer) -> None:
    lines = [line for line in server.log.read_text().splitlines() if '"event": "request"' in line]
    assert lines, "no request log lines"
    entry = json.loads(lines[-1])
    assert {"method", "path", "status", "durationMs", "correlationId"} <= entry.keys()


def test_first_start_created_a_working_key(server: RunningServer, tmp_path: Path) -> None:
    assert server.first_key and (server.data_dir / "expense-sync.db").exists()


def test_expenses_sync_and_statuses(sdk: CodatSyncExpenses, server: RunningServer) -> None:
    """Configuration, expense create and update, sync and transaction status: all through
    Codat's SDK. Linking uses plain HTTP (the PUT authorization is a Platform operation)."""
    company_id = str(sdk.companies.create(request={"name": "Spender"}).id)
    connection = sdk.connections.create(
        request={"company_id": company_id, "request_body": {"platform_key": "bean"}}
    )
    auth = {"Authorization": basic(server.first_key)}
    base = f"{server.url}/companies/{company_id}"
    linked = httpx.put(f"{base}/connections/{connection.id}/authorization", json={}, headers=auth)
    assert linked.status_code == 200
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

    config = sdk.configuration.set(
        request={
            "company_id": company_id,
            "company_configuration": {
                "bank_account": {"id": "Liabilities:CreditCard:Corporate"},
                "supplier": {},
                "customer": {},
            },
        }
    )
    assert config.bank_account.id == "Liabilities:CreditCard:Corporate"
    assert sdk.configuration.get(request={"company_id": company_id}).supplier.id is None

    transaction_id = str(uuid.uuid4())
    created = sdk.expenses.create(
        request={
            "company_id": company_id,
            "request_body": [
                {
                    "id": transaction_id,
                    "type": "Payment",
                    "issue_date": "2026-11-02T00:00:00Z",
                    "currency": "GBP",
                    "merchant_name": "Amazon UK",
                    "lines": [
                        {
                            "net_amount": 100,
                            "tax_amount": 20,
                            "tax_rate_ref": {"id": "VAT20"},
                            "account_ref": {"id": "Expenses:OfficeSupplies"},
                        }
                    ],
                }
            ],
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
        "sync",
    )
    assert status.sync_status_code == 2000 and status.data_pushed is True
    assert sdk.sync.get_latest_sync(request={"company_id": company_id}).sync_id == sync_id
    listed = sdk.transaction_status.list(request={"company_id": company_id, "sync_id": sync_id})
    assert [(t.transaction_id, t.status) for t in listed.results or []] == [
        (transaction_id, "Completed")
    ]
    one = sdk.transaction_status.get(
        request={"company_id": company_id, "sync_id": sync_id, "transaction_id": transaction_id}
    )
    assert one[0].status == "Completed"

    updated = sdk.expenses.update(
        request={
            "company_id": company_id,
            "transaction_id": transaction_id,
            "update_expense_request": {
                "type": "Payment",
                "issue_date": "2026-11-03T00:00:00Z",
                "currency": "GBP",
                "lines": [{"net_amount": 90, "account_ref": {"id": "Expenses:Software"}}],
            },
        }
    )
    again = wait_for(
        lambda: (
            (
                s := sdk.sync.get(
                    request={"company_id": company_id, "sync_id": str(updated.sync_id)}
                )
            ).sync_status_code
            != 1000
            and s
        ),
        "update",
    )
    assert again.sync_status_code == 2000
    syncs = sdk.sync.list(request={"company_id": company_id})
    assert len(syncs) == 2

    with pytest.raises(ErrorMessage) as refused:
        sdk.expenses.create(
            request={
                "company_id": company_id,
                "request_body": [
                    {
                        "id": str(uuid.uuid4()),
                        "type": "Payment",
                        "issue_date": "2026-11-02",
                        "currency": "GBP",
                        "lines": [{"net_amount": 5, "account_ref": {"id": "Nope"}}],
                    }
                ],
            }
        )
    assert refused.value.data.status_code == 400
    assert refused.value.data.validation.errors[0].item_id == "[0].lines[0].accountRef.id"
