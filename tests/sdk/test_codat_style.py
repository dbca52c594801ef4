"""Codat's call style on our SDK: one ``request`` holding path and query parameters and
the body, as Codat's own SDK (``codat-sync-for-expenses``) takes it; as a dict or as one of
Codat's request models, sync and async."""

from __future__ import annotations

import asyncio
import importlib
import inspect
import uuid
from typing import Any

import pytest
from codat_sync_for_expenses.api.attachments import UploadExpenseAttachmentRequest
from codat_sync_for_expenses.api.companies import GetCompanyRequest, ListCompaniesRequest
from codat_sync_for_expenses.api.expenses import CreateExpenseTransactionRequest
from codat_sync_for_expenses.models import shared
from pydantic import BaseModel

from expense_sync.client import ExpenseSync
from expense_sync.client._operations import Endpoint
from tests.e2e.server import RunningServer
from tests.sdk.conftest import FAIL_FAST, expense, linked_books

CODAT_GROUPS = (
    "accounts", "adjustments", "attachments", "bank_accounts", "companies", "company_info",
    "configuration", "connections", "customers", "expenses", "manage_data", "mapping_options",
    "push_operations", "reimbursements", "suppliers", "sync", "transaction_status", "transfers",
)  # fmt: skip


def codat_request_fields() -> dict[tuple[str, str], list[str]]:
    """Each operation of Codat's SDK that takes a request object, and that object's fields."""
    found = {}
    for group in CODAT_GROUPS:
        module = importlib.import_module(f"codat_sync_for_expenses.api.{group}")
        (resource,) = [
            c for c in vars(module).values()
            if inspect.isclass(c) and c.__module__ == module.__name__
            and "api_client" in getattr(c.__init__, "__code__", compile("", "", "exec")).co_varnames
        ]  # fmt: skip
        for name, method in vars(resource).items():
            if name.startswith("_") or name.endswith("_async") or not callable(method):
                continue
            annotation = str(inspect.signature(method).parameters["request"].annotation)
            envelope = [
                c for c in vars(module).values()
                if inspect.isclass(c) and issubclass(c, BaseModel)
                and c.__module__ == module.__name__ and f"'{c.__name__}'" in annotation
            ]  # fmt: skip
            if envelope:
                found[group, name] = list(envelope[0].model_fields)
    return found


def endpoint_of(sdk: ExpenseSync, group: str, name: str) -> Endpoint[Any]:
    endpoint: Endpoint[Any] = type(getattr(sdk, group)).__dict__[name].endpoint
    return endpoint


def test_every_codat_request_object_names_match_ours() -> None:
    operations = codat_request_fields()
    assert len(operations) >= 45, sorted(operations)
    sdk = ExpenseSync(api_key="k")
    for (group, name), fields in operations.items():
        endpoint = endpoint_of(sdk, group, name)
        ours = {*endpoint.path_names, *endpoint.query_names}
        parameters = [f for f in fields if f in ours]
        body = [f for f in fields if f not in ours]
        assert len(body) <= 1, f"{group}.{name}: {body} are not parameters of ours"
        if body:
            assert endpoint.body is not None or endpoint.upload_field, f"{group}.{name}"
            assert endpoint.body_field == body[0], f"{group}.{name}"
        assert set(endpoint.path_names) <= set(parameters), f"{group}.{name}"


def test_codat_style_dicts_on_every_kind_of_call(sdk: ExpenseSync) -> None:
    books = linked_books(sdk, "Codat style")
    company = sdk.companies.get(request={"company_id": books.company_id})
    assert company.id == books.company_id
    renamed = sdk.companies.update(
        request={"company_id": company.id, "company_update_request": {"description": "d"}}
    )
    assert renamed.description == "d"
    listed = sdk.companies.list(request={"page_size": 1, "query": f"id={company.id}"})
    assert [c.id for c in listed] == [company.id]
    connection = sdk.connections.get(
        request={"company_id": company.id, "connection_id": books.connection_id}
    )
    assert connection.status == "Linked"

    transaction_id = str(uuid.uuid4())
    created = sdk.expenses.create(
        request={"company_id": company.id, "request_body": [expense(transaction_id)]}
    )
    outcome = sdk.wait_for_sync(company.id, created.sync_id, timeout=60)
    assert outcome.status.is_successful
    status = sdk.sync.get(request={"company_id": company.id, "sync_id": created.sync_id})
    assert status.sync_status_code == 2000
    (done,) = sdk.transaction_status.get(
        request={"company_id": company.id, "sync_id": created.sync_id,
                 "transaction_id": transaction_id}
    )  # fmt: skip
    assert done.status == "Completed"
    receipt = b"%PDF-1.4\n%%EOF\n"
    attached = sdk.attachments.upload(
        request={
            "company_id": company.id, "sync_id": created.sync_id,
            "transaction_id": transaction_id,
            "attachment_upload": {"file": {"file_name": "receipt.pdf", "content": receipt}},
        }
    )  # fmt: skip
    assert attached.id
    configuration = sdk.configuration.get(request={"company_id": company.id})
    assert configuration.bank_account and configuration.bank_account.id


def test_codat_request_models_are_accepted(sdk: ExpenseSync) -> None:
    books = linked_books(sdk, "Codat models")
    fetched = sdk.companies.get(request=GetCompanyRequest(company_id=books.company_id))
    assert fetched.id == books.company_id
    page = sdk.companies.list(request=ListCompaniesRequest(page_size=1, order_by="-created"))
    assert len(page.results) == 1
    transaction_id = str(uuid.uuid4())
    codat_expense = shared.ExpenseTransaction.model_validate(
        {**expense(transaction_id), "issueDate": "2026-11-02T00:00:00Z"}
    )
    created = sdk.expenses.create(
        request=CreateExpenseTransactionRequest(
            company_id=books.company_id, request_body=[codat_expense]
        )
    )
    assert sdk.wait_for_sync(books.company_id, created.sync_id, timeout=60).status.is_successful
    attached = sdk.attachments.upload(
        request=UploadExpenseAttachmentRequest(
            company_id=books.company_id,
            sync_id=created.sync_id,
            transaction_id=transaction_id,
            attachment_upload=shared.AttachmentUpload(
                file=shared.CodatFile(
                    file_name="r.pdf", content=b"%PDF-1.4\n%%EOF\n", content_type="application/pdf"
                )
            ),
        )
    )
    assert attached.id


def test_codat_style_async_and_its_pages(server: RunningServer) -> None:
    async def run() -> tuple[str, list[str]]:
        async with ExpenseSync(
            api_key=server.first_key, server_url=server.url, retry_config=FAIL_FAST
        ) as client:
            company = await client.companies.create_async(request={"name": "Async Codat"})
            fetched = await client.companies.get_async(request={"company_id": company.id})
            for _ in range(2):
                await client.companies.create_async(request={"name": "Async Codat"})
            page = await client.companies.list_async(
                request={"page_size": 1, "query": "name=Async Codat"}
            )
            return fetched.id, [c.id async for c in page]

    fetched, walked = asyncio.run(run())
    assert fetched in walked and len(walked) == 3 == len(set(walked))


def test_a_mistaken_request_names_what_the_call_takes(sdk: ExpenseSync) -> None:
    with pytest.raises(TypeError, match=r"unexpected field\(s\) \['companyid'\].*company_id"):
        sdk.companies.get(request={"companyid": "x"})
    with pytest.raises(TypeError, match=r"missing \['company_id'\].*inside request="):
        sdk.connections.create(request={"request_body": {"platform_key": "bean"}})
    with pytest.raises(TypeError, match="request must be a dict or a model"):
        sdk.companies.get(request="x")
