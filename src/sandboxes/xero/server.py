"""Starting a sandbox on 127.0.0.1: in a thread of this process (tests) or in the foreground."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import uvicorn

from sandboxes.common.server import serve_in_process, serve_in_thread
from sandboxes.xero.app import create_app
from sandboxes.xero.config import SandboxConfig
from sandboxes.xero.sandbox import Sandbox


@dataclass(frozen=True)
class RunningSandbox:
    """A sandbox being served: where it is, its credentials, and (in a thread of this
    process) its memory; ``sandbox`` is None when it runs in its own process."""

    base_url: str
    config: SandboxConfig
    sandbox: Sandbox | None

    @property
    def memory(self) -> Sandbox:
        """The sandbox's memory, to arrange what the API cannot (in-thread runs only)."""
        if self.sandbox is None:
            raise RuntimeError("the sandbox runs in another process; use the control API")
        return self.sandbox

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

    def violations(self) -> list[dict[str, Any]]:
        """Every request or answer so far that broke Xero's spec (none, when all is well)."""
        found: list[dict[str, Any]] = self._control("GET", "violations").json()
        return found

    def state(self, tenant_id: str) -> dict[str, Any]:
        """Everything ``tenant_id`` holds (``KeyError`` if the sandbox has no such tenant)."""
        answer = self._control("GET", f"state/{tenant_id}", check=False)
        if answer.status_code == 404:
            raise KeyError(tenant_id)
        answer.raise_for_status()
        found: dict[str, Any] = answer.json()
        return found

    def _control(self, method: str, path: str, *, check: bool = True) -> httpx.Response:
        answer = httpx.request(method, f"{self.base_url}/__sandbox__/{path}", timeout=30)
        if check:
            answer.raise_for_status()
        return answer


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
