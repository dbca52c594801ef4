"""Receipt uploads through the SDK against the real server's attachments route."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from expense_sync.client import ExpenseSync, Upload
from tests.e2e.server import RunningServer
from tests.sdk.conftest import expense, linked_books

ROUTE = (
    "/companies/{companyId}/sync/expenses/syncs/{syncId}/transactions/{transactionId}/attachments"
)


def test_upload_a_receipt_from_a_path_once(
    sdk: ExpenseSync, server: RunningServer, tmp_path: Path
) -> None:
    if ROUTE not in httpx.get(f"{server.url}/openapi.json").json()["paths"]:
        pytest.skip("this server has no attachments upload route yet")
    books = linked_books(sdk, "Receipts")
    payment = expense()
    created = sdk.expenses.create(company_id=books.company_id, request=[payment])
    assert sdk.wait_for_sync(books.company_id, created.sync_id, timeout=60).status.is_successful
    receipt = tmp_path / "receipt.pdf"
    receipt.write_bytes(b"%PDF-1.4\n" + b"0" * 200_000 + b"\n%%EOF\n")
    where = {
        "company_id": books.company_id,
        "sync_id": created.sync_id,
        "transaction_id": payment["id"],
    }
    first = sdk.attachments.upload(
        **where, request=Upload(receipt, content_type="application/pdf"), idempotency_key="r-1"
    )
    assert first.transaction_id == payment["id"] and first.id
    again = sdk.attachments.upload(
        **where, request=Upload(receipt, content_type="application/pdf"), idempotency_key="r-1"
    )
    assert again.id == first.id  # the same call repeated is answered, not stored twice
