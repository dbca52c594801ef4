"""Starting a sandbox on 127.0.0.1: in a thread of this process (tests) or in the foreground."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn

from sandboxes.common.running import ServedSandbox
from sandboxes.common.server import serve_in_process, serve_in_thread
from sandboxes.xero.app import create_app
from sandboxes.xero.config import SandboxConfig
from sandboxes.xero.sandbox import Sandbox


class RunningSandbox(ServedSandbox[SandboxConfig, Sandbox]):
    """A Xero sandbox being served (see ``ServedSandbox``), with its platform's URLs."""

    @property
    def authorize_url(self) -> str:
        return f"{self.base_url}/identity/connect/authorize"

    @property
    def token_url(self) -> str:
        return f"{self.base_url}/connect/token"

    @property
    def revocation_url(self) -> str:
        return f"{self.base_url}/connect/revocation"

    @property
    def connections_url(self) -> str:
        return f"{self.base_url}/connections"

    @property
    def api_url(self) -> str:
        return f"{self.base_url}/api.xro/2.0"


@contextmanager
def run(
    config: SandboxConfig | None = None, *, host: str = "127.0.0.1", port: int = 0
) -> Iterator[RunningSandbox]:
    """Serve a sandbox with uvicorn in a background thread until the block ends.

    ``port=0`` picks a free port. Real HTTP, so a client sees what it would see from Xero.
    """
    config = config or SandboxConfig()
    sandbox = Sandbox(config)
    app = create_app(config, sandbox)
    with serve_in_thread(
        app, host=host, port=port, label="Xero", thread_name="xero-sandbox", log_level="warning"
    ) as base_url:
        yield RunningSandbox(base_url, config, sandbox)


@contextmanager
def run_process(
    config: SandboxConfig | None = None, *, host: str = "127.0.0.1", port: int = 0
) -> Iterator[RunningSandbox]:
    """Serve a sandbox in its own process (``python -m sandboxes.xero``) until the block
    ends: for benchmarks, where the sandbox must not share this process's interpreter."""
    config = config or SandboxConfig()
    with serve_in_process(
        "sandboxes.xero",
        config.to_json(),
        host=host,
        port=port,
        label="Xero",
        ready_path="/__sandbox__/tenants",
    ) as base_url:
        yield RunningSandbox(base_url, config, None)


def serve(config: SandboxConfig, host: str, port: int, *, log_level: str = "info") -> None:
    """Serve in the foreground (``python -m sandboxes.xero``) until interrupted."""
    uvicorn.run(create_app(config), host=host, port=port, log_level=log_level)
