"""Every resource group of the SDK against a real server, sync and async."""

from __future__ import annotations

import asyncio
import uuid

import httpx
import pytest

from expense_sync.client import (
    ErrorMessage,
    ExpenseSync,
    Page,
    Security,
    SyncTimeout,
    models,
)
from tests.e2e.server import RunningServer
from tests.sdk.conftest import CARD, FAIL_FAST, expense, ledger_postings, linked_books, pushed


def test_companies_every_operation_with_typed_and_plain_requests(sdk: ExpenseSync) -> None:
    typed = sdk.companies.create(
        request=models.CompanyRequestBody(name="Typed Ltd", tags={"region": "uk"})
    )
    plain = sdk.companies.create(request={"name": "Plain Ltd", "description": "dict"})
    assert isinstance(typed, models.Company) and typed.tags == {"region": "uk"}
    assert sdk.companies.get(company_id=plain.id).description == "dict"

    updated = sdk.companies.update(company_id=plain.id, request={"description": "patched"})
    assert (updated.name, updated.description) == ("Plain Ltd", "patched")
    replaced = sdk.companies.replace(company_id=plain.id, request={"name": "Replaced"})
    assert (replaced.name, replaced.description) == ("Replaced", None)
    tagged = sdk.companies.list(tags="region=uk")
    assert [c.id for c in tagged] == [typed.id]

    sdk.companies.delete(company_id=plain.id)
    with pytest.raises(ErrorMessage) as gone:
        sdk.companies.get(company_id=plain.id)
    assert gone.value.data.status_code == 404
    assert gone.value.status_code == 404 and gone.value.data.correlation_id
    assert plain.id in str(gone.value) and "404" in str(gone.value)


def test_list_pages_walk_every_page_sync_and_async(sdk: ExpenseSync, server: RunningServer) -> None:
    names = {f"Paged {uuid.uuid4().hex[:8]}" for _ in range(5)}
    for name in names:
        sdk.companies.create(request={"name": name})
    first = sdk.companies.list(page_size=2, query="name~Paged", order_by="-created")
    assert isinstance(first, Page) and len(first.results) == 2 and first.has_more
    assert first.total_results is not None and first.total_results >= 5
    walked = [company.name for company in first]
    assert len(walked) == first.total_results and names <= set(walked)
    assert len(set(walked)) == len(walked), "a company was seen on two pages"

    async def walk() -> list[str]:
        async with ExpenseSync(api_key=server.first_key, server_url=server.url) as client:
            page = await client.companies.list_async(page_size=2, query="name~Paged")
            with pytest.raises(TypeError, match="from an _async call"):
                list(page)
            return [company.name async for company in page]

    assert sorted(asyncio.run(walk())) == sorted(walked)
    with pytest.raises(TypeError, match="from a sync call"):
        asyncio.run(_next_async(first))


async def _next_async(page: Page[models.Company]) -> None:
    await page.next_page_async()


def test_connections_integrations_and_keyword_checks(sdk: ExpenseSync) -> None:
    company = sdk.companies.create(request={"name": "Linkable"})
    connection = sdk.connections.create(
        company_id=company.id, request=models.CreateConnection(platform_key="bean")
    )
    assert connection.status == "PendingAuth" and connection.platform_name == "Beancount"
    assert [c.id for c in sdk.connections.list(company_id=company.id)] == [connection.id]
    assert sdk.connections.get(company_id=company.id, connection_id=connection.id).id == (
        connection.id
    )
    unlinked = sdk.connections.unlink(
        company_id=company.id, connection_id=connection.id, request={"status": "Unlinked"}
    )
    assert unlinked.status == "Unlinked"
    partner = sdk.connections.create_partner_expense_connection(company_id=company.id)
    assert partner.source_type == "Expense"
    sdk.connections.delete(company_id=company.id, connection_id=connection.id)

    integrations = sdk.integrations.list(page_size=3)
    keys = [integration.key for integration in integrations]
    assert "bean" in keys and len(keys) == integrations.total_results and len(keys) > 3
    assert sdk.integrations.get(platform_key="bean").name == "Beancount"

    with pytest.raises(TypeError, match="company_id"):
        sdk.connections.get(company_id=company.id)  # connection_id missing
    with pytest.raises(TypeError, match="unexpected"):
        sdk.integrations.get(platform_key="bean", colour="red")


def test_bad_requests_raise_error_messages_with_validation(
    sdk: ExpenseSync, server: RunningServer
) -> None:
    books = linked_books(sdk, "Refusals")
    with pytest.raises(ErrorMessage) as refused:
        sdk.expenses.create(
            company_id=books.company_id,
            request=[{**expense(), "lines": [{"net_amount": 5, "account_ref": {"id": "Nope"}}]}],
        )
    data = refused.value.data
    assert data.status_code == 400 and data.validation and data.validation.errors
    assert data.validation.errors[0].item_id == "[0].lines[0].accountRef.id"
    assert "[0].lines[0].accountRef.id" in str(refused.value)

    with ExpenseSync(
        security=Security("Basic d3Jvbmc="), server_url=server.url, retry_config=FAIL_FAST
    ) as stranger, pytest.raises(ErrorMessage) as unauthorized:  # fmt: skip
        stranger.companies.list()
    assert unauthorized.value.data.status_code == 401

    # Unknown routes answer with the contract's body too.
    with pytest.raises(ErrorMessage) as missing:
        sdk.push_operations.get(company_id=books.company_id, push_operation_key="nope")
    assert missing.value.data.status_code in (400, 404)


def test_sync_expenses_and_every_transaction_tag(sdk: ExpenseSync, server: RunningServer) -> None:
    books = linked_books(sdk, "Spender")
    company = books.company_id
    assert sdk.configuration.get(company_id=company).bank_account.id == CARD
    payment = expense(amount=100)
    created = sdk.expenses.create(company_id=company, request=[payment])
    outcome = sdk.wait_for_sync(company, created.sync_id, timeout=60)
    assert outcome.status.sync_status_code == 2000 and outcome.status.data_pushed
    assert [(t.transaction_id, t.status) for t in outcome.transactions] == [
        (payment["id"], "Completed")
    ]
    assert ledger_postings(server.data_dir, payment["id"]) == 1
    assert sdk.sync.get_latest_sync(company_id=company).sync_id == created.sync_id
    assert sdk.sync.get_last_successful_sync(company_id=company).sync_id == created.sync_id
    assert [s.sync_id for s in sdk.sync.list(company_id=company)] == [created.sync_id]
    one = sdk.transaction_status.get(
        company_id=company, sync_id=created.sync_id, transaction_id=payment["id"]
    )
    assert [t.status for t in one] == ["Completed"]

    updated = sdk.expenses.update(
        company_id=company,
        transaction_id=payment["id"],
        request=models.UpdateExpenseRequest(
            type="Payment",
            issue_date="2026-11-03",
            currency="GBP",
            lines=[models.ExpenseTransactionLine(net_amount="90.10", account_ref={"id": CARD})],
        ),
    )
    assert sdk.wait_for_sync(company, updated.sync_id, timeout=60).status.is_finished

    transfer = sdk.transfers.create(
        company_id=company,
        transaction_id=str(uuid.uuid4()),
        request={
            "date": "2026-11-04",
            "from": {"account_ref": {"id": "Assets:Bank:Checking"}, "amount": 50},
            "to": {"account_ref": {"id": CARD}, "amount": 50},
        },
    )
    adjustment = sdk.adjustments.create(
        company_id=company,
        request=[
            {
                "id": str(uuid.uuid4()),
                "date": "2026-11-05",
                "currency": "GBP",
                "lines": [
                    {"amount": 10, "account_ref": {"id": "Expenses:OfficeSupplies"}},
                    {"amount": -10, "account_ref": {"id": CARD}},
                ],
            }
        ],
    )
    for sync_id in (transfer.sync_id, adjustment.sync_id):
        finished = sdk.wait_for_sync(company, sync_id, timeout=60)
        assert finished.status.sync_status_code == 2000, finished

    supplier = pushed(sdk, company, sdk.suppliers.create(
        company_id=company,
        connection_id=books.connection_id,
        request={"supplierName": "Jo Employee", "status": "Active"},
    ))  # fmt: skip
    assert supplier.status == "Success" and supplier.data
    employee = supplier.data["id"]
    sdk.manage_data.refresh_data_type(company_id=company, data_type="suppliers")
    claim = sdk.reimbursements.create(
        company_id=company,
        request=[
            {
                "id": str(uuid.uuid4()),
                "contact_ref": {"id": employee},
                "issue_date": "2026-11-03",
                "due_date": "2026-11-30",
                "currency": "GBP",
                "lines": [{"net_amount": 12, "account_ref": {"id": "Expenses:OfficeSupplies"}}],
            }
        ],
    )
    claimed = sdk.wait_for_sync(company, claim.sync_id, timeout=60)
    assert [t.status for t in claimed.transactions] == ["Completed"], claimed


def test_data_groups_push_and_read_back(sdk: ExpenseSync) -> None:
    books = linked_books(sdk, "Records")
    company, connection = books.company_id, books.connection_id
    assert sdk.company_info.get(company_id=company).company_name
    options = sdk.mapping_options.get_mapping_options(company_id=company)
    assert CARD in {account["id"] for account in options.accounts}
    statuses = sdk.manage_data.get(company_id=company)
    assert statuses["chartOfAccounts"].current_status == "Complete"
    pulls = sdk.manage_data.list_pull_operations(company_id=company, page_size=1)
    first_pull = pulls.results[0]
    assert sdk.manage_data.get_pull_operation(company_id=company, dataset_id=first_pull.id).id == (
        first_pull.id
    )
    assert len(list(pulls)) == pulls.total_results and pulls.total_results > 1

    schema = sdk.accounts.get_create_model(company_id=company, connection_id=connection)
    assert "fullyQualifiedName" in schema["properties"]
    assert "properties" in sdk.bank_accounts.get_create_model(
        company_id=company, connection_id=connection
    )
    account = pushed(sdk, company, sdk.accounts.create(
        company_id=company,
        connection_id=connection,
        request={
            "fullyQualifiedName": "Expenses:Travel:Trains",
            "name": "Trains",
            "type": "Expense",
            "currency": "USD",
        },
        timeout_in_minutes=5,
    ))  # fmt: skip
    assert account.status == "Success", account
    customer = pushed(sdk, company, sdk.customers.create(
        company_id=company, connection_id=connection, request={"customerName": "Later Ltd"}
    ))  # fmt: skip
    assert customer.status == "Success", customer
    renamed = pushed(sdk, company, sdk.customers.update(
        company_id=company,
        connection_id=connection,
        customer_id=customer.data["id"] if customer.data else "",
        request={"customerName": "Later Limited"},
        force_update=True,
    ))  # fmt: skip
    assert renamed.status == "Success", renamed
    sdk.manage_data.refresh_data_type(company_id=company, data_type="customers")
    customers = list(sdk.customers.list(company_id=company))
    assert "Later Limited" in {
        c.model_extra.get("customerName") for c in customers if c.model_extra
    }
    fetched = sdk.customers.get(company_id=company, customer_id=customers[0].id)
    assert fetched.id == customers[0].id
    pushed(sdk, company, sdk.suppliers.create(
        company_id=company, connection_id=connection, request={"supplierName": "Paper Co"}
    ))  # fmt: skip
    sdk.manage_data.refresh_data_type(company_id=company, data_type="suppliers")
    suppliers = list(sdk.suppliers.list(company_id=company))
    assert sdk.suppliers.get(company_id=company, supplier_id=suppliers[0].id).id
    operations = list(sdk.push_operations.list(company_id=company, page_size=2))
    assert len(operations) >= 4
    key = operations[0].push_operation_key
    assert sdk.push_operations.get(company_id=company, push_operation_key=key).status


def test_webhooks_and_api_keys(sdk: ExpenseSync) -> None:
    consumer = sdk.webhooks.create(
        request={"url": "https://example.test/hooks", "event_types": ["expenses.sync.successful"]}
    )
    assert consumer.signing_secret.startswith("whsec_")
    assert consumer.id in {c.id for c in sdk.webhooks.list()}
    sdk.webhooks.delete(webhook_id=consumer.id)
    assert consumer.id not in {c.id for c in sdk.webhooks.list()}

    key = sdk.api_keys.create(request={"name": "ci"})
    assert key.api_key and key.name == "ci"
    assert key.id in {k.id for k in sdk.api_keys.list()}
    sdk.api_keys.delete(api_key_id=key.id)
    assert key.id not in {k.id for k in sdk.api_keys.list()}


def test_async_twins_drive_a_whole_sync(server: RunningServer) -> None:
    async def run() -> None:
        async with ExpenseSync(
            api_key=server.first_key, server_url=server.url, retry_config=FAIL_FAST
        ) as sdk:
            company = await sdk.companies.create_async(request={"name": "Async Co"})
            connection = await sdk.connections.create_async(
                company_id=company.id, request={"platform_key": "bean"}
            )
            await sdk.connections.update_authorization_async(
                company_id=company.id, connection_id=connection.id, request={}
            )
            await sdk.manage_data.refresh_all_data_types_async(company_id=company.id)
            for _ in range(200):
                pulls = await sdk.manage_data.list_pull_operations_async(company_id=company.id)
                if pulls.results and all(p.is_completed for p in pulls.results):
                    break
                await asyncio.sleep(0.05)
            await sdk.configuration.set_async(
                company_id=company.id,
                request=models.CompanyConfiguration(
                    bank_account=models.Ref(id=CARD), supplier=models.Ref(), customer=models.Ref()
                ),
            )
            payments = [expense(), expense()]
            created = await sdk.expenses.create_async(company_id=company.id, request=payments)
            outcome = await sdk.wait_for_sync_async(company.id, created.sync_id, timeout=60)
            assert outcome.status.is_successful
            assert {t.transaction_id for t in outcome.completed} == {p["id"] for p in payments}
            for payment in payments:
                assert ledger_postings(server.data_dir, payment["id"]) == 1
            await sdk.companies.delete_async(company_id=company.id)
            with pytest.raises(ErrorMessage):
                await sdk.companies.get_async(company_id=company.id)

    asyncio.run(run())


def test_v1_datasets_then_initiate(sdk: ExpenseSync, server: RunningServer) -> None:
    books = linked_books(sdk, "Datasets")
    payment = expense()
    dataset = sdk.expenses.create_dataset(company_id=books.company_id, request={"items": [payment]})
    started = sdk.sync.initiate(
        company_id=books.company_id, request={"dataset_ids": [dataset.dataset_id]}
    )
    outcome = sdk.wait_for_sync(books.company_id, started.sync_id, timeout=60)
    assert outcome.status.sync_status_code == 2000
    assert ledger_postings(server.data_dir, payment["id"]) == 1


def test_wait_for_sync_times_out_with_the_last_status(sdk: ExpenseSync) -> None:
    company = sdk.companies.create(request={"name": "Never linked"})
    # No books to check a configured default against: the card goes on the transaction.
    payment = expense() | {"bank_account_ref": {"id": CARD}}
    created = sdk.expenses.create(company_id=company.id, request=[payment])
    try:
        outcome = sdk.wait_for_sync(company.id, created.sync_id, timeout=0)
    except SyncTimeout as timeout:
        assert timeout.last.sync_id == created.sync_id and not timeout.last.is_finished
    else:  # the server may have failed it for want of a connection before the first poll
        assert outcome.status.is_finished and not outcome.status.is_successful


def test_the_client_closes_only_what_it_created(server: RunningServer) -> None:
    mine = httpx.Client()
    with ExpenseSync(api_key=server.first_key, server_url=server.url, client=mine) as sdk:
        sdk.companies.list(page_size=1)
    assert not mine.is_closed
    mine.close()
    with pytest.raises(TypeError, match="exactly one"):
        ExpenseSync(server_url=server.url)
