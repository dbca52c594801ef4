"""The steps the end-to-end tests of the cloud platforms (Xero, QuickBooks Online, Business
Central, FreeAgent) share: Codat's own SDK drives ``expense-sync serve`` through the link
page, refresh, mapping options, configuration, 50 mixed expenses, a reimbursable, a
transfer, an adjustment and a receipt. Each test keeps its platform's checks."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx
from codat_sync_for_expenses import CodatSyncExpenses
from codat_sync_for_expenses.models.shared.security import Security

from tests.e2e.server import RunningServer
from tests.e2e.test_codat_sdk import NO_RETRIES, basic
from tests.waiting import wait_for


@contextmanager
def open_sdk(server: RunningServer) -> Iterator[CodatSyncExpenses]:
    with CodatSyncExpenses(
        server_url=server.url,
        retry_config=NO_RETRIES,
        security=Security(auth_header=basic(server.first_key)),
    ) as client:
        yield client


def link_in_a_browser(link_url: str, connected: str) -> None:
    """What the customer does: open the link, choose Connect, approve on the platform's
    page; ``connected`` is what our callback's page then says."""
    with httpx.Client(follow_redirects=True, timeout=30) as browser:
        page = browser.get(link_url)
        action = re.search(r'action="([^"]*consent[^"]*)"', page.text)
        assert action is not None, page.text
        done = browser.post(httpx.URL(link_url).join(action.group(1).replace("&amp;", "&")))
        assert done.status_code == 200 and connected in done.text, done.text


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


def link_company(
    sdk: CodatSyncExpenses, name: str, platform_key: str, link: Callable[[str], None]
) -> tuple[str, dict[str, Any]]:
    """A new company linked to the platform through ``link``: its id and connection info."""
    company_id = str(sdk.companies.create(request={"name": name}).id)
    connection = sdk.connections.create(
        request={"company_id": company_id, "request_body": {"platform_key": platform_key}}
    )
    link(str(connection.link_url))
    linked = sdk.connections.get(
        request={"company_id": company_id, "connection_id": str(connection.id)}
    )
    assert linked.status == "Linked"
    return company_id, dict(linked.connection_info or {})


def refresh(sdk: CodatSyncExpenses, company_id: str) -> Any:
    """Refresh every data type, wait for the pulls, and return the mapping options."""
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
    return sdk.mapping_options.get_mapping_options(request={"company_id": company_id})


def supplier_id(sdk: CodatSyncExpenses, company_id: str, name: str) -> str:
    suppliers = sdk.suppliers.list(request={"company_id": company_id, "page_size": 100})
    return next(str(s.id) for s in suppliers.results or [] if s.supplier_name == name)


def configure(sdk: CodatSyncExpenses, company_id: str, bank_account_id: str) -> None:
    sdk.configuration.set(
        request={
            "company_id": company_id,
            "company_configuration": {
                "bank_account": {"id": bank_account_id},
                "supplier": {},
                "customer": {},
            },
        }
    )


def post_mixed_expenses(
    sdk: CodatSyncExpenses,
    company_id: str,
    currency: str,
    line: Callable[[int], dict[str, Any]],
    calls: Callable[[], int],
) -> tuple[list[dict[str, Any]], str, int]:
    """Post 50 expenses of mixed types (``line(n)`` is the n-th one's line), wait for the
    sync and check every one completed: the expenses, the sync's id and the platform calls
    the sync made (as ``calls`` counts them)."""
    kinds = ["Payment", "Refund", "Reward", "Chargeback", "Payment"]
    expenses = [
        {
            "id": str(uuid.uuid4()),
            "type": kinds[n % len(kinds)],
            "issue_date": "2026-11-02T00:00:00Z",
            "currency": currency,
            "merchant_name": f"Merchant {n}",
            "lines": [line(n)],
        }
        for n in range(50)
    ]
    calls_before = calls()
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
    return expenses, sync_id, calls() - calls_before


def post_reimbursable(
    sdk: CodatSyncExpenses, company_id: str, employee: str, currency: str, account_id: str
) -> str:
    """A reimbursable of 250 owed to ``employee``, synced: its id."""
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
                    "currency": currency,
                    "lines": [{"net_amount": 250, "account_ref": {"id": account_id}}],
                }
            ],
        }
    )
    assert finished(sdk, company_id, str(claimed.sync_id)).sync_status_code == 2000
    return claim_id


def post_transfer(sdk: CodatSyncExpenses, company_id: str, from_id: str, to_id: str) -> str:
    """A transfer of 500 between two accounts, synced: its id."""
    transfer_id = str(uuid.uuid4())
    moved = sdk.transfers.create(
        request={
            "company_id": company_id,
            "transaction_id": transfer_id,
            "transfer_transaction_request": {
                "date_": "2026-11-04T00:00:00Z",
                "description": "Card top-up",
                "from_": {"account_ref": {"id": from_id}, "amount": 500},
                "to": {"account_ref": {"id": to_id}, "amount": 500},
            },
        }
    )
    assert finished(sdk, company_id, str(moved.sync_id)).sync_status_code == 2000
    return transfer_id


def post_adjustment(
    sdk: CodatSyncExpenses, company_id: str, currency: str, debit_id: str, credit_id: str
) -> str:
    """An adjustment of 12.5 between two accounts, synced: its id."""
    adjustment_id = str(uuid.uuid4())
    adjusted = sdk.adjustments.create(
        request={
            "company_id": company_id,
            "request_body": [
                {
                    "id": adjustment_id,
                    "date_": "2026-11-05T00:00:00Z",
                    "currency": currency,
                    "lines": [
                        {"amount": 12.5, "account_ref": {"id": debit_id}},
                        {"amount": -12.5, "account_ref": {"id": credit_id}},
                    ],
                }
            ],
        }
    )
    assert finished(sdk, company_id, str(adjusted.sync_id)).sync_status_code == 2000
    return adjustment_id


def upload_receipt(
    sdk: CodatSyncExpenses, company_id: str, sync_id: str, transaction_id: str, png: bytes
) -> None:
    sdk.attachments.upload(
        request={
            "company_id": company_id,
            "sync_id": sync_id,
            "transaction_id": transaction_id,
            "attachment_upload": {"file": {"file_name": "receipt.png", "content": png}},
        }
    )
