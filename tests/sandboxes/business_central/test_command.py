"""Starting the BC sandbox from a shell (`python -m sandboxes.business_central`,
`expense-sync sandbox business-central`), and in its own process (`run_process`)."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from sandboxes.business_central import Limits, SandboxConfig, run_process
from sandboxes.xero import free_port

BIN = Path(sys.executable).parent


def _serve(command: list[str], port: int) -> tuple[str, str]:
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, process.communicate()
            try:
                answer = httpx.get(f"http://127.0.0.1:{port}/__sandbox__/companies", timeout=1)
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


def test_the_product_command_starts_it_and_says_how_to_link() -> None:
    port = free_port()
    out, err = _serve(
        [str(BIN / "expense-sync"), "sandbox", "business-central", "--port", str(port)], port
    )
    assert f"EXPENSE_SYNC_BUSINESS_CENTRAL_API_URL=http://127.0.0.1:{port}" in err
    assert "platform trji" in err
    assert f"Business Central sandbox on http://127.0.0.1:{port}" in out
    assert "client id       sandbox-client-id" in out


def test_run_process_serves_the_configuration_it_is_given() -> None:
    config = SandboxConfig(limits=Limits(per_window=7, window_seconds=60), page_size=3)
    with run_process(config) as bc:
        assert bc.sandbox is None
        limits = httpx.get(f"{bc.base_url}/__sandbox__/limits").json()
        assert limits["per_window"] == 7 and limits["window_seconds"] == 60
        assert bc.violations() == [] and "accounts" in bc.state(bc.company_id())
