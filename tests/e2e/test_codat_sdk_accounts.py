"""Codat's own SDK (codat-sync-for-expenses 9.x), unchanged, against a real server:
an account pushed with Codat's account prototype, the create model listing the ledger's
categories, and a configuration naming a bank account the books do not hold."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from codat_sync_for_expenses import CodatSyncExpenses
from codat_sync_for_expenses.models.errors import ErrorMessage
from codat_sync_for_expenses.models.shared.security import Security
from codat_sync_for_expenses.utils.retries import RetryConfig

from tests.e2e.server import RunningServer, running_server
from tests.waiting import wait_for

CARD = "Liabilities:CreditCard:Corporate"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    with running_server(tmp_path_factory.mktemp("sdk-accounts") / "data") as running:
        yield running


def _basic(key: str) -> str:
    return "Basic " + base64.b64encode(key.encode()).decode()


@pytest.fixture
def sdk(server: RunningServer) -> Iterator[CodatSyncExpenses]:
    assert server.first_key, "serve printed no first-start API key"
    with CodatSyncExpenses(
        server_url=server.url,
        retry_config=RetryConfig("none"),  # a failure here must fail fast
        security=Security(auth_header=_basic(server.first_key)),
    ) as client:
        yield client


def _linked(sdk: CodatSyncExpenses, server: RunningServer, name: str) -> tuple[str, str]:
    """A company on a new Beancount ledger, its books not read yet. Linking is a Platform
    operation (plain HTTP); everything else goes through Codat's SDK."""
    company_id = str(sdk.companies.create(request={"name": name}).id)
    connection = sdk.connections.create(
        request={"company_id": company_id, "request_body": {"platform_key": "bean"}}
    )
    linked = httpx.put(
        f"{server.url}/companies/{company_id}/connections/{connection.id}/authorization",
        json={},
        headers={"Authorization": _basic(server.first_key)},
    )
    assert linked.status_code == 200, linked.text
    return company_id, str(connection.id)


def _refresh(sdk: CodatSyncExpenses, company_id: str) -> None:
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


def test_an_account_pushed_with_codats_prototype(
    sdk: CodatSyncExpenses, server: RunningServer
) -> None:
    company_id, connection_id = _linked(sdk, server, "Prototype")
    _refresh(sdk, company_id)
    ids = {"company_id": company_id, "connection_id": connection_id}
    model = sdk.accounts.get_create_model(request=ids)
    category = (model.properties or {})["fullyQualifiedCategory"]
    assert "Expense.Travel" in [o.value for o in category.options or []]

    created = sdk.accounts.create(
        request=ids
        | {
            "account_prototype": {
                "name": "Flights",
                "nominal_code": "6051",
                "description": "Air fares",
                "type": "Expense",
                "currency": "GBP",
                "status": "Active",
                "fully_qualified_category": "Expense.Travel",
            }
        }
    )
    key = created.push_operation_key

    def finished() -> Any:
        operation = sdk.push_operations.get(
            request={"company_id": company_id, "push_operation_key": key}
        )
        return operation if operation.status != "Pending" else None

    operation = wait_for(finished, "the push")
    assert operation.status == "Success", operation
    assert operation.changes and operation.changes[0].record_ref.id == "Expenses:Travel:Flights"
    mapping = sdk.mapping_options.get_mapping_options(request={"company_id": company_id})
    assert "Expenses:Travel:Flights" in [a.id for a in mapping.accounts or []]


def test_configuring_an_unknown_bank_account_is_a_400_naming_it(
    sdk: CodatSyncExpenses, server: RunningServer
) -> None:
    company_id, _ = _linked(sdk, server, "Configured")
    configuration = {"bank_account": {"id": CARD}, "supplier": {}, "customer": {}}

    def refused(body: dict[str, Any]) -> tuple[str, str]:
        with pytest.raises(ErrorMessage) as caught:
            sdk.configuration.set(request={"company_id": company_id, "company_configuration": body})
        error = caught.value.data
        assert error.status_code == 400
        items = (error.validation.errors or []) if error.validation else []
        assert len(items) == 1, items
        return str(items[0].item_id), str(items[0].message)

    # Before the books are read nothing can vouch for the card: refused, with the way out.
    item, message = refused(configuration)
    assert item == "bankAccount.id" and "/data/all" in message
    _refresh(sdk, company_id)
    sdk.configuration.set(
        request={"company_id": company_id, "company_configuration": configuration}
    )
    item, message = refused(configuration | {"bank_account": {"id": "Liabilities:CreditCard:Nope"}})
    assert item == "bankAccount.id" and "'Liabilities:CreditCard:Nope'" in message
    item, message = refused(configuration | {"supplier": {"id": "SUP-404"}})
    assert item == "supplier.id" and "'SUP-404'" in message
    kept = sdk.configuration.get(request={"company_id": company_id})
    assert (kept.bank_account.id, kept.supplier.id) == (CARD, None)
