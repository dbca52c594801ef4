"""Starting the sandbox from a shell: ``python -m sandboxes.quickbooks`` and the product CLI."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from sandboxes.quickbooks import free_port

BIN = Path(sys.executable).parent


def _serve(command: list[str], port: int) -> tuple[str, str]:
    """Start ``command``, wait until the sandbox answers, stop it; its stdout and stderr."""
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, process.communicate()
            try:
                answer = httpx.get(f"http://127.0.0.1:{port}/__sandbox__/companies", timeout=1)
                assert answer.status_code == 200
                assert {c["country"] for c in answer.json()} == {"US", "GB"}
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    pytest.fail("the sandbox did not answer within 60 s")
                time.sleep(0.1)
    finally:
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=30)
    return out, err


def test_python_dash_m_prints_the_urls_and_both_companies() -> None:
    port = free_port()
    out, _ = _serve(
        [sys.executable, "-m", "sandboxes.quickbooks", "--port", str(port), "--limits", "5/2/2/10"],
        port,
    )
    base = f"http://127.0.0.1:{port}"
    assert f"QuickBooks Online sandbox on {base}" in out
    assert f"authorize URL   {base}/connect/oauth2" in out
    assert f"token URL       {base}/oauth2/v1/tokens/bearer" in out
    assert "US  realm 9341" in out
    assert "GB  realm 9341" in out
    assert "To link a company" in out


def test_the_product_command_starts_it_and_says_how_to_link() -> None:
    port = free_port()
    out, err = _serve(
        [str(BIN / "expense-sync"), "sandbox", "quickbooks", "--port", str(port)], port
    )
    base = f"http://127.0.0.1:{port}"
    assert f"EXPENSE_SYNC_QUICKBOOKS_AUTHORIZE_URL={base}/connect/oauth2" in err
    assert f"EXPENSE_SYNC_QUICKBOOKS_TOKEN_URL={base}/oauth2/v1/tokens/bearer" in err
    assert f"EXPENSE_SYNC_QUICKBOOKS_API_URL={base}" in err
    assert "platform qhyg" in err
    assert f"QuickBooks Online sandbox on {base}" in out


def test_the_product_command_explains_a_missing_sandbox(tmp_path: Path) -> None:
    (tmp_path / "sandboxes").mkdir()
    (tmp_path / "sandboxes" / "__init__.py").write_text("")
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-m", "expense_sync", "sandbox", "quickbooks"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert done.returncode == 2
    assert "The QuickBooks sandbox is not installed" in done.stderr
