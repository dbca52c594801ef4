"""Start ``expense-sync serve`` as a real process on a free port, for end-to-end tests;
``started`` and ``wait_until_ready`` run the other processes tests need (workers, trytond)."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.waiting import wait_for


@dataclass(frozen=True)
class RunningServer:
    url: str
    first_key: str
    data_dir: Path
    log: Path
    process: subprocess.Popen[bytes]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def started(
    command: list[str], log: Path, env: dict[str, str] | None = None
) -> Iterator[subprocess.Popen[bytes]]:
    """``command`` running with its output in ``log`` and ``env`` added to this process's
    environment; on leaving, terminated (killed if it has not stopped within 10 s)."""
    with log.open("w") as out:
        process = subprocess.Popen(
            command, stdout=out, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})}
        )
    try:
        yield process
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()


def wait_until_ready(
    ready: Callable[[], bool], process: subprocess.Popen[bytes], log: Path, name: str
) -> None:
    """Poll ``ready`` for up to a minute (an HTTP error or a bad answer counts as not
    ready yet); fail with ``log`` if ``process`` exits or the minute passes first."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited early:\n{log.read_text()}")
        try:
            if ready():
                return
        except (httpx.HTTPError, ValueError):
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{name} did not become ready:\n{log.read_text()}")


@contextmanager
def running_server(data_dir: Path, env: dict[str, str] | None = None) -> Iterator[RunningServer]:
    port = free_port()
    log = data_dir.parent / f"serve-{port}.log"  # a restart on the same data gets a new log
    command = [
        sys.executable, "-m", "expense_sync", "serve", "--port", str(port),
        "--data-dir", str(data_dir),
    ]  # fmt: skip
    url = f"http://127.0.0.1:{port}"

    def healthy() -> bool:
        return httpx.get(f"{url}/healthz", timeout=1).status_code == 200

    # Test receivers listen on 127.0.0.1 and examples use names that do not resolve here.
    allowed = {"EXPENSE_SYNC_WEBHOOK_ALLOW_PRIVATE": "true", **(env or {})}
    with started(command, log, allowed) as process:
        wait_until_ready(healthy, process, log, "expense-sync serve")
        match = re.search(r"API key \(shown once\):\s+(\S+)", log.read_text())
        yield RunningServer(url, match.group(1) if match else "", data_dir, log, process)


def refresh_books(http: httpx.Client, company_path: str) -> None:
    """Read every data type of a linked company into the cache (``POST .../data/all``) and
    wait for the pulls: the configuration and the mapping options are served from it."""
    assert http.post(f"{company_path}/data/all").status_code == 204
    wait_for(
        lambda: all(
            p["isCompleted"] for p in http.get(f"{company_path}/data/history").json()["results"]
        ),
        "pulls to finish",
    )
