"""Serving a FreeAgent sandbox on 127.0.0.1: in a thread (tests) or in the foreground."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import uvicorn

from sandboxes.common.server import serve_in_thread
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


@contextmanager
def run(
    config: SandboxConfig | None = None, *, host: str = "127.0.0.1", port: int = 0
) -> Iterator[RunningSandbox]:
    """Serve a sandbox with uvicorn in a background thread until the block ends."""
    config = config or SandboxConfig()
    sandbox = Sandbox(config)
    app = create_app(config, sandbox)
    with serve_in_thread(
        app,
        host=host,
        port=port,
        label="FreeAgent",
        thread_name="freeagent-sandbox",
        log_level="warning",
    ) as base_url:
        yield RunningSandbox(base_url, config, sandbox)


def serve(config: SandboxConfig, host: str, port: int) -> None:
    uvicorn.run(create_app(config), host=host, port=port, log_level="info")
