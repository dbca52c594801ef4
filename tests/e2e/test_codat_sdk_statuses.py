"""Codat's own SDK (codat-sync-for-expenses 9.x) sees only the status codes Codat declares:
a malformed id is the 404 its ``ErrorMessage`` models, and a malformed query the 400."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from codat_sync_for_expenses import CodatSyncExpenses
from codat_sync_for_expenses.models.errors import ErrorMessage
from codat_sync_for_expenses.models.shared.security import Security

from tests.e2e.server import RunningServer, running_server
from tests.e2e.test_codat_sdk import NO_RETRIES, basic

MALFORMED = "not-a-uuid"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    with running_server(tmp_path_factory.mktemp("sdk-statuses") / "data") as running:
        yield running


@pytest.fixture
def sdk(server: RunningServer) -> Iterator[CodatSyncExpenses]:
    with CodatSyncExpenses(
        server_url=server.url,
        retry_config=NO_RETRIES,
        security=Security(auth_header=basic(server.first_key)),
    ) as client:
        yield client


def _error(call: Any) -> ErrorMessage:
    with pytest.raises(ErrorMessage) as raised:
        call()
    return raised.value


def test_a_malformed_id_is_the_sdks_404(sdk: CodatSyncExpenses) -> None:
    company = sdk.companies.create(request={"name": "Kept Ltd"})
    company_id = str(company.id)
    calls = {
        "get-company": lambda: sdk.companies.get(request={"company_id": MALFORMED}),
        "replace-company": lambda: sdk.companies.replace(
            request={"company_id": MALFORMED, "company_request_body": {"name": "Changed"}}
        ),
        "update-company": lambda: sdk.companies.update(
            request={"company_id": MALFORMED, "company_update_request": {"name": "Changed"}}
        ),
        "delete-company": lambda: sdk.companies.delete(request={"company_id": MALFORMED}),
        "get-connection": lambda: sdk.connections.get(
            request={"company_id": company_id, "connection_id": MALFORMED}
        ),
        "unlink-connection": lambda: sdk.connections.unlink(
            request={
                "company_id": company_id,
                "connection_id": MALFORMED,
                "request_body": {"status": "Unlinked"},
            }
        ),
    }
    for operation, call in calls.items():
        error = _error(call)
        assert error.data.status_code == 404, operation
        assert error.data.error is not None and f"'{MALFORMED}' names nothing" in error.data.error
        assert error.data.validation is not None and error.data.validation.errors
        assert error.data.validation.errors[0].item_id in ("companyId", "connectionId")
    assert sdk.companies.get(request={"company_id": company_id}).name == "Kept Ltd"


def test_a_malformed_query_is_the_sdks_400(sdk: CodatSyncExpenses) -> None:
    company_id = str(sdk.companies.create(request={"name": "Query Ltd"}).id)
    for call in (
        lambda: sdk.companies.list(request={"query": "name=="}),
        lambda: sdk.connections.list(request={"company_id": company_id, "query": "status==x"}),
    ):
        error = _error(call)
        assert error.data.status_code == 400
        assert error.data.validation is not None and error.data.validation.errors
        (problem,) = error.data.validation.errors
        assert problem.item_id == "query"
        assert problem.message is not None and "found another operator" in problem.message
    found = sdk.companies.list(request={"query": 'name="Query Ltd"'})
    assert [c.name for c in found.results or []] == ["Query Ltd"]
