"""Uploading a big receipt: how much the server's memory grows while it takes it.

Target (issue 4): uploading a 200 MB receipt raises the server's RSS by < 50 MB.

    .venv/bin/python -m benchmarks.upload_rss [--megabytes 200]

Starts a real ``expense-sync serve`` on a scratch data directory, syncs one expense to
a fresh Beancount ledger, then streams a generated PDF of the given size as multipart
(the client never holds it whole either), with an ``Idempotency-Key`` as the SDK sends
it, and waits until the receipt is attached in the ledger. The server's resident set is
read from ``/proc/<pid>/status`` before the upload (``VmRSS``) and as its peak during
it: ``VmHWM`` after resetting the peak through ``/proc/<pid>/clear_refs`` (Linux).
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
from tests.e2e.server import running_server

MB = 1024 * 1024
CHUNK = 1024 * 1024


def status_kib(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    raise RuntimeError(f"no {field} in /proc/{pid}/status")


def receipt_chunks(size: int) -> Iterator[bytes]:
    yield b"%PDF-1.4\n"
    left, line = size - 9, b"0123456789 receipt line of a very long expense report\n"
    block = line * (CHUNK // len(line))
    while left > 0:
        piece = block[:left]
        left -= len(piece)
        yield piece


def multipart(size: int, boundary: str) -> tuple[Iterator[bytes], int]:
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.pdf"\r\n'
        "Content-Type: application/pdf\r\n\r\n"
    ).encode()
    tail = f"\r\n--{boundary}--\r\n".encode()

    def body() -> Iterator[bytes]:
        yield head
        yield from receipt_chunks(size)
        yield tail

    return body(), len(head) + size + len(tail)


def setup(client: httpx.Client) -> tuple[str, str, str, Path]:
    company = client.post("/companies", json={"name": "Receipts Ltd"}).json()["id"]
    connection = client.post(f"/companies/{company}/connections", json={"platformKey": "bean"})
    linked = client.put(
        f"/companies/{company}/connections/{connection.json()['id']}/authorization", json={}
    )
    ledger = Path(linked.json()["connectionInfo"]["ledgerPath"])
    assert client.post(f"/companies/{company}/data/all").status_code == 204
    wait(lambda: all(p["isCompleted"] for p in get(client, f"/companies/{company}/data/history")))
    base = f"/companies/{company}/sync/expenses"
    client.post(
        f"{base}/config",
        json={
            "bankAccount": {"id": "Liabilities:CreditCard:Corporate"},
            "supplier": {},
            "customer": {},
        },
    ).raise_for_status()
    transaction = str(uuid.uuid4())
    created = client.post(
        f"{base}/expense-transactions",
        json=[
            {
                "id": transaction,
                "type": "Payment",
                "issueDate": "2026-11-02",
                "currency": "USD",
                "lines": [{"netAmount": 42, "accountRef": {"id": "Expenses:Travel"}}],
            }
        ],
    )
    sync = created.json()["syncId"]
    wait(lambda: client.get(f"{base}/syncs/{sync}/status").json()["syncStatusCode"] == 2000)
    return company, sync, transaction, ledger


def get(client: httpx.Client, path: str) -> list[Any]:
    results: list[Any] = client.get(path).json()["results"]
    return results


def wait(done: Any, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not done():
        if time.monotonic() > deadline:
            raise TimeoutError("the server did not finish in time")
        time.sleep(0.2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megabytes", type=int, default=200)
    size = parser.parse_args().megabytes * MB
    with tempfile.TemporaryDirectory() as scratch, running_server(Path(scratch, "data")) as server:
        key = base64.b64encode(server.first_key.encode()).decode()
        with httpx.Client(
            base_url=server.url, headers={"Authorization": f"Basic {key}"}, timeout=300
        ) as client:
            company, sync, transaction, ledger = setup(client)
            pid = server.process.pid
            Path(f"/proc/{pid}/clear_refs").write_text("5")  # reset VmHWM to the current RSS
            before = status_kib(pid, "VmRSS")
            boundary = uuid.uuid4().hex
            body, length = multipart(size, boundary)
            started = time.perf_counter()
            answer = client.post(
                f"/companies/{company}/sync/expenses/syncs/{sync}/transactions/{transaction}"
                "/attachments",
                content=body,
                headers={
                    "Content-Type": f"multipart/form-data; boundary={boundary}",
                    "Content-Length": str(length),
                    "Idempotency-Key": str(uuid.uuid4()),
                },
            )
            answer.raise_for_status()
            uploaded = time.perf_counter() - started
            wait(lambda: "expense-sync-attachment" in ledger.read_text())
            attached = time.perf_counter() - started
            peak = status_kib(pid, "VmHWM")
        stored = next(Path(server.data_dir).rglob("*/big.pdf"), None)
        digest = hashlib.sha256()
        for chunk in receipt_chunks(size):
            digest.update(chunk)
        same = stored is not None and _sha256(stored) == digest.hexdigest()
    print(f"receipt: {size / MB:.0f} MB, stored intact: {same}")
    print(f"upload answered in {uploaded:.1f} s, attached in the ledger after {attached:.1f} s")
    print(f"server RSS before: {before / 1024:.1f} MB, peak during: {peak / 1024:.1f} MB")
    print(f"RSS growth: {(peak - before) / 1024:.1f} MB (target < 50 MB)")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for chunk in iter(lambda: file.read(CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


if __name__ == "__main__":
    main()
