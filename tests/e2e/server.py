"""Start ``expense-sync serve`` as a real process on a free port, for end-to-end tests."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx


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
def running_server(data_dir: Path, env: dict[str, str] | None = None) -> Iterator[RunningServer]:
    port = free_port()
    log = data_dir.parent / f"serve-{port}.log"  # a restart on the same data gets a new log
    command = [
        sys.executable, "-m", "expense_sync", "serve", "--port", str(port),
        "--data-dir", str(data_dir),
    ]  # fmt: skip
    with log.open("w") as out:
        process = subprocess.Popen(
            command, stdout=out, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})}
        )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_healthy(url, process, log)
        match = re.search(r"API key \(shown once\):\s+(\S+)", log.read_text())
        yield RunningServer(url, match.group(1) if match else "", data_dir, log, process)
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()


def _wait_until_healthy(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"expense-sync serve exited early:\n{log.read_text()}")
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"expense-sync serve did not become healthy:\n{log.read_text()}")
