"""``expense-sync sandbox freeagent`` serves the sandbox and says how to use it."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import httpx

from sandboxes.freeagent import free_port

CLI = Path(sys.executable).parent / "expense-sync"


def test_the_cli_serves_the_freeagent_sandbox() -> None:
    port = free_port()
    process = subprocess.Popen(
        [str(CLI), "sandbox", "freeagent", "--port", str(port), "--auto-approve"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                answer = httpx.get(f"http://127.0.0.1:{port}/v2/company")
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline and process.poll() is None
                time.sleep(0.2)
        assert answer.status_code == 401
        assert answer.json() == {"errors": {"error": {"message": "No access token"}}}
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=10)
    assert f"EXPENSE_SYNC_FREEAGENT_API_URL=http://127.0.0.1:{port}" in output
