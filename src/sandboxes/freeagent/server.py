"""Serving a FreeAgent sandbox on 127.0.0.1: in a thread (tests) or in the foreground."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import uvicorn

from sandboxes.freeagent.app import create_app
from sandboxes.freeagent.config import SandboxConfig
from sandboxes.freeagent.sandbox import Sandbox


@dataclass(frozen=True)
class RunningSandbox:
    base_url: str
    config: SandboxConfig
    sandbox: Sandbox

    @property
    def authorize_url(self) -> str:
        return f"{self.base_url}/v2/approve_app"

    @property
    def token_url(self) -> str:
        return f"{self.base_url}/v2/token_endpoint"

    def violations(self) -> list[dict[str, Any]]:
        with self.sandbox.lock:
            return list(self.sandbox.violations)

    def state(self, company_id: str) -> dict[str, Any]:
        books = self.sandbox.companies[company_id]
        with books.lock:
            snapshot: dict[str, Any] = books.snapshot()
            return snapshot


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as probe:
        probe.bind((host, 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def run(
    config: SandboxConfig | None = None, *, host: str = "127.0.0.1", port: int = 0
) -> Iterator[RunningSandbox]:
    """Serve a sandbox with uvicorn in a background thread until the block ends."""
    config = config or SandboxConfig()
    sandbox = Sandbox(config)
    port = port or free_port(host)
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(config, sandbox), host=host, port=port, log_level="warning", lifespan="off"
        )
    )
    thread = threading.Thread(target=server.run, name=f"freeagent-sandbox-{port}", daemon=True)
    thread.start()
    base_url = f"http://{host}:{port}"
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"the FreeAgent sandbox did not start on {base_url}")
        time.sleep(0.02)
    try:
        yield RunningSandbox(base_url, config, sandbox)
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def serve(config: SandboxConfig, host: str, port: int) -> None:
    uvicorn.run(create_app(config), host=host, port=port, log_level="info")
