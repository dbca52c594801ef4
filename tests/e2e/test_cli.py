"""The command line, run as a person would run it."""

from __future__ import annotations

import base64
import subprocess
import sys
from pathlib import Path

import httpx
from beancount import loader
from beancount.core import data

from tests.e2e.server import running_server


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "expense_sync", *args],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip


def test_api_keys_create_prints_a_working_key_last(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    assert cli("migrate", "--data-dir", str(data_dir)).returncode == 0
    made = cli("api-keys", "create", "--client", "acme", "--name", "ops", "--data-dir",
               str(data_dir))  # fmt: skip
    assert made.returncode == 0, made.stderr
    key = made.stdout.strip().splitlines()[-1]
    with running_server(data_dir) as server:
        assert server.first_key == "", "clients exist, so serve must not mint a first key"
        auth = {"Authorization": "Basic " + base64.b64encode(key.encode()).decode()}
        keys = httpx.get(f"{server.url}/apiKeys", headers=auth).json()["results"]
        assert [k["name"] for k in keys] == ["ops"]


def test_serve_first_start_prints_a_key_and_urls(tmp_path: Path) -> None:
    with running_server(tmp_path / "data") as server:
        output = server.log.read_text()
        assert server.first_key
        assert f"{server.url}/docs" in output and f"{server.url}/healthz" in output
        auth = {"Authorization": "Basic " + base64.b64encode(server.first_key.encode()).decode()}
        assert httpx.get(f"{server.url}/companies", headers=auth).status_code == 200
        assert httpx.get(f"{server.url}/openapi.json").json()["info"]["title"] == "expense-sync"


def test_demo_syncs_a_month_to_a_ledger_beancount_accepts(tmp_path: Path) -> None:
    ran = cli("demo", "--payments", "20", "--data-dir", str(tmp_path / "data"))
    assert ran.returncode == 0, ran.stdout + ran.stderr
    # 20 payments, 4 refunds, a chargeback, a reward, 4 claims, a transfer, an adjustment
    assert "32 transactions posted and 12 receipts attached" in " ".join(ran.stdout.split())
    assert "fava" in ran.stdout
    (ledger,) = (tmp_path / "data" / "ledgers").rglob("*.beancount")
    entries, errors, _ = loader.load_file(str(ledger))
    assert errors == []
    posted = [e for e in entries if isinstance(e, data.Transaction) and "expense-sync-id" in e.meta]
    assert len(posted) == 32 and len({e.meta["expense-sync-id"] for e in posted}) == 32
    receipts = [e for e in entries if isinstance(e, data.Document)]
    assert len(receipts) == 12 and all(
        Path(r.filename).read_bytes()[:5] == b"%PDF-" for r in receipts
    )
