"""Receipts: checked as they arrive, kept under the data directory, and attached to the
ledger record once the transaction has landed (read back with Beancount's loader)."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest
from beancount import loader
from beancount.core import data
from fastapi.testclient import TestClient

from expense_sync.api.uploads import receive_file
from expense_sync.connectors.base import AttachmentLimits
from expense_sync.domain.errors import InvalidRequest
from tests.integration.test_expenses import (
    expense,
    finished,
    send,
)
from tests.integration.test_ledger_data import Books
from tests.waiting import wait_for

PDF = b"%PDF-1.4\n" + b"receipt line\n" * 5000 + b"%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def upload(books: Books, sync_id: str, transaction_id: str, files: Any, **headers: str) -> Any:
    path = (
        f"{books.company}/sync/expenses/syncs/{sync_id}/transactions/{transaction_id}/attachments"
    )
    return books.api.post(path, files=files, headers=books.headers | headers)


def documents(books: Books) -> list[data.Document]:
    entries, errors, _ = loader.load_file(str(books.ledger))
    assert errors == []
    return [e for e in entries if isinstance(e, data.Document)]


def incoming(books: Books) -> list[Path]:
    data_dir: Path = books.api.app.state.runtime.settings.data_dir  # type: ignore[attr-defined]
    folder = data_dir / "attachments" / "incoming"
    return list(folder.glob("*")) if folder.exists() else []


def synced(books: Books, *bodies: dict[str, Any]) -> str:
    created = send(books, "POST", "/expense-transactions", list(bodies))
    assert created.status_code == 200, created.text
    sync_id: str = created.json()["syncId"]
    finished(books, sync_id)
    return sync_id


def test_a_receipt_lands_beside_its_posting_once(books: Books) -> None:
    payment = expense()
    sync_id = synced(books, payment)
    sent = upload(
        books, sync_id, payment["id"], {"file": ("../../etc/rcpt.pdf", PDF, "application/pdf")}
    )
    assert sent.status_code == 200, sent.text
    body = sent.json()
    assert body["transactionId"] == payment["id"]
    assert books.company == f"/companies/{body['companyId']}"
    found = wait_for(lambda: documents(books), "the document directive")
    assert len(found) == 1
    document = found[0]
    assert document.meta["expense-sync-id"] == payment["id"]
    assert document.meta["expense-sync-attachment"] == body["id"]
    stored = Path(document.filename)
    assert stored.read_bytes() == PDF and "etc" not in stored.parts  # no path from the client
    assert hashlib.sha256(stored.read_bytes()).hexdigest() == hashlib.sha256(PDF).hexdigest()

    # the same upload under the same Idempotency-Key is answered once, attached once
    key = {"Idempotency-Key": "receipt-1"}
    first = upload(
        books, sync_id, payment["id"], {"file": ("b.pdf", PDF, "application/pdf")}, **key
    )
    again = upload(
        books, sync_id, payment["id"], {"file": ("b.pdf", PDF, "application/pdf")}, **key
    )
    assert again.headers.get("idempotent-replayed") == "true"
    assert first.json() == again.json()
    other = upload(
        books, sync_id, payment["id"], {"file": ("b.pdf", PDF + b"x", "application/pdf")}, **key
    )
    assert other.status_code == 422  # a different file under the same key
    wait_for(lambda: len(documents(books)) == 2, "the second document")
    assert incoming(books) == []


def test_a_receipt_waits_for_a_failed_transaction_to_be_fixed(books: Books) -> None:
    # before the ledger opened its accounts: Beancount refuses it when it is posted
    bad = expense(issueDate="1990-01-02T00:00:00Z")
    sync_id = synced(books, bad)
    sent = upload(books, sync_id, bad["id"], {"file": ("r.png", PNG, "image/png")})
    assert sent.status_code == 200, sent.text
    fixed = send(
        books, "PUT", f"/expense-transactions/{bad['id']}", {**bad, "issueDate": "2026-11-02"}
    )
    assert fixed.status_code == 202, fixed.text
    assert finished(books, fixed.json()["syncId"])["syncStatusCode"] == 2000
    found = wait_for(lambda: documents(books), "the document after the fix")
    assert [d.meta["expense-sync-id"] for d in found] == [bad["id"]]


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        ({"file": ("notes.txt", b"hello", "text/plain")}, "not accepted"),
        ({"file": ("fake.pdf", PNG, "application/pdf")}, "does not look like application/pdf"),
        ({"file": ("empty.pdf", b"", "application/pdf")}, "empty"),
        ({"receipt": ("r.pdf", PDF, "application/pdf")}, "field 'file'"),
    ],
)
def test_bad_receipts_are_400_naming_the_file_and_keep_nothing(
    books: Books,
    files: Any,
    expected: str,
) -> None:
    payment = expense()
    sync_id = synced(books, payment)
    refused = upload(books, sync_id, payment["id"], files)
    assert refused.status_code == 400, refused.text
    error = refused.json()["validation"]["errors"][0]
    assert error["itemId"] == "file" and expected in error["message"]
    assert incoming(books) == []
    assert documents(books) == []


def test_receipts_for_transfers_and_unknown_transactions_are_refused(
    books: Books,
    api: TestClient,
) -> None:
    transfer_id = "5c0f0a8e-6b7c-4c68-9d0e-0d1f7f2b9a11"
    transfer = send(
        books,
        "PUT",
        f"/transfer-transactions/{transfer_id}",
        {
            "date": "2026-11-03",
            "from": {"accountRef": {"id": "Assets:Bank:Checking"}, "amount": 10},
            "to": {"accountRef": {"id": "Liabilities:CreditCard:Corporate"}, "amount": 10},
        },
    )
    assert transfer.status_code == 200, transfer.text
    sync_id = transfer.json()["syncId"]
    pdf = {"file": ("r.pdf", PDF, "application/pdf")}
    refused = upload(books, sync_id, transfer_id, pdf)
    assert refused.status_code == 400
    assert "not supported for transfer" in refused.json()["validation"]["errors"][0]["message"]
    unknown = upload(books, sync_id, "0b3e3a0c-0000-4000-8000-000000000000", pdf)
    assert unknown.status_code == 404


async def chunks_of(body: bytes, size: int = 1000) -> Any:
    for start in range(0, len(body), size):
        yield body[start : start + size]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.mark.anyio
async def test_an_upload_over_the_limit_is_cut_off_while_it_streams(tmp_path: Path) -> None:
    limits = AttachmentLimits(max_bytes=10_000, content_types=("application/pdf",))
    boundary = "b0undary"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.pdf"\r\n'
        "Content-Type: application/pdf\r\n\r\n"
    ).encode()
    body = head + PDF + f"\r\n--{boundary}--\r\n".encode()
    streamed = 0

    async def counted() -> Any:
        nonlocal streamed
        async for chunk in chunks_of(body):
            streamed += len(chunk)
            yield chunk

    with pytest.raises(InvalidRequest) as refused:
        await receive_file(counted(), f"multipart/form-data; boundary={boundary}", limits, tmp_path)
    assert "larger than the accounting platform accepts" in str(refused.value)
    assert streamed < 12_000 < len(body)  # cut off at the limit, not read to the end
    assert list(tmp_path.iterdir()) == []

    small = head + PDF[:5000] + f"\r\n--{boundary}--\r\n".encode()
    kept = await receive_file(
        chunks_of(small), f"multipart/form-data; boundary={boundary}", limits, tmp_path
    )
    assert kept.path.read_bytes() == PDF[:5000] and kept.size == 5000
