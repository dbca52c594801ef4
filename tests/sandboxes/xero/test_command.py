"""Starting the sandbox from a shell: `python -m sandboxes.xero` and `expense-sync sandbox xero`."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from sandboxes.xero import free_port

BIN = Path(sys.executable).parent


def _serve(command: list[str], port: int) -> tuple[str, str]:
    """Start ``command``, wait until the sandbox answers, stop it; its stdout and stderr."""
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, process.communicate()
            try:
                answer = httpx.get(f"http://127.0.0.1:{port}/__sandbox__/tenants", timeout=1)
                assert answer.status_code == 200
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    pytest.fail("the sandbox did not answer within 60 s")
                time.sleep(0.1)
    finally:
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=30)
    return out, err


def test_python_dash_m_prints_the_base_url_and_the_credentials() -> None:
    port = free_port()
    out, _ = _serve(
        [sys.executable, "-m", "sandboxes.xero", "--port", str(port), "--limits", "5/100/2/10"],
        port,
    )
    assert f"Xero sandbox on http://127.0.0.1:{port}" in out
    assert "client id       sandbox-client-id" in out
    assert f"authorize URL   http://127.0.0.1:{port}/identity/connect/authorize" in out
    assert "To link a company" in out


def test_the_product_command_starts_it_and_says_how_to_link() -> None:
    port = free_port()
    out, err = _serve([str(BIN / "expense-sync"), "sandbox", "xero", "--port", str(port)], port)
    assert f"EXPENSE_SYNC_XERO_API_URL=http://127.0.0.1:{port}" in err
    assert (
        f"EXPENSE_SYNC_XERO_AUTHORIZE_URL=http://127.0.0.1:{port}/identity/connect/authorize" in err
    )
    assert "platform gbol" in err
    assert f"Xero sandbox on http://127.0.0.1:{port}" in out


def test_the_product_command_explains_a_missing_sandbox(tmp_path: Path) -> None:
    # A `sandboxes` package that is not the real one hides it, as in an install without it.
    (tmp_path / "sandboxes").mkdir()
    (tmp_path / "sandboxes" / "__init__.py").write_text("")
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-m", "expense_sync", "sandbox", "xero"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert done.returncode == 2
    assert "The Xero sandbox is not installed" in done.stderr
