"""The command line, run as a person would run it."""

from __future__ import annotations

import base64
import re
import subprocess
import sys
import time
from pathlib import Path

import httpx
from beancount import loader
from beancount.core import data

from expense_sync import __version__
from tests.e2e.server import free_port, running_server

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def basic(key: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(key.encode()).decode()}


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
    # Piped to a file, nothing is wrapped: the ledger's path and each sync id stay whole.
    assert f"Ledger: {ledger}" in ran.stdout.splitlines()
    sync_rows = [line for line in ran.stdout.splitlines() if UUID.search(line) and "│" in line]
    assert len(sync_rows) >= 4, ran.stdout
    entries, errors, _ = loader.load_file(str(ledger))
    assert errors == []
    posted = [e for e in entries if isinstance(e, data.Transaction) and "expense-sync-id" in e.meta]
    assert len(posted) == 32 and len({e.meta["expense-sync-id"] for e in posted}) == 32
    receipts = [e for e in entries if isinstance(e, data.Document)]
    assert len(receipts) == 12 and all(
        Path(r.filename).read_bytes()[:5] == b"%PDF-" for r in receipts
    )


def test_version() -> None:
    ran = cli("--version")
    assert (ran.returncode, ran.stdout) == (0, f"expense-sync {__version__}\n")


def test_api_keys_list_shows_no_key_and_revoke_takes_effect_at_once(tmp_path: Path) -> None:
    data_dir = str(tmp_path / "data")
    keys = {
        name: cli("api-keys", "create", "--client", client, "--name", name, "--data-dir", data_dir)
        .stdout.strip().splitlines()[-1]
        for name, client in (("ops", "acme"), ("ci", "globex"))
    }  # fmt: skip
    listed = cli("api-keys", "list", "--data-dir", data_dir)
    assert listed.returncode == 0, listed.stderr
    header, *rows = listed.stdout.splitlines()
    assert header.split() == ["ID", "NAME", "CLIENT", "CREATED", "ENDS", "WITH"]
    assert len(rows) == 2 and all(UUID.match(row) for row in rows)
    by_name = {row.split()[1]: row for row in rows}
    assert by_name["ops"].split()[2] == "acme" and by_name["ci"].split()[2] == "globex"
    for name, key in keys.items():
        assert by_name[name].endswith(f"...{key[-4:]}")
        assert key not in listed.stdout + listed.stderr and key[:8] not in listed.stdout
    only = cli("api-keys", "list", "--client", "globex", "--data-dir", data_dir)
    assert [row.split()[1] for row in only.stdout.splitlines()[1:]] == ["ci"]

    with running_server(tmp_path / "data") as server:
        companies = f"{server.url}/companies"
        assert httpx.get(companies, headers=basic(keys["ops"])).status_code == 200
        revoked = cli("api-keys", "revoke", by_name["ops"].split()[0], "--data-dir", data_dir)
        assert revoked.returncode == 0 and "Revoked" in revoked.stdout, revoked.stderr
        assert httpx.get(companies, headers=basic(keys["ops"])).status_code == 401
        assert httpx.get(companies, headers=basic(keys["ci"])).status_code == 200
    unknown = cli("api-keys", "revoke", by_name["ops"].split()[0], "--data-dir", data_dir)
    assert unknown.returncode == 1 and unknown.stderr.strip().count("\n") == 0
    assert "No API key has the id" in unknown.stderr and "Traceback" not in unknown.stderr


def test_demo_against_a_dead_url_fails_fast_in_one_line() -> None:
    started = time.monotonic()
    ran = cli("demo", "--url", f"http://127.0.0.1:{free_port()}", "--api-key", "k")
    assert time.monotonic() - started < 10
    assert ran.returncode == 1
    (line,) = ran.stderr.strip().splitlines()
    assert "no expense-sync server answers at http://127.0.0.1:" in line


def test_demo_with_a_wrong_key_says_so_in_one_line(tmp_path: Path) -> None:
    with running_server(tmp_path / "data") as server:
        ran = cli("demo", "--url", server.url, "--api-key", "not-a-key")
    assert ran.returncode == 1
    (line,) = ran.stderr.strip().splitlines()
    assert "refused the API key (401)" in line and "--api-key" in line
