"""Starting a sandbox on 127.0.0.1: in a thread of this process (tests) or in the foreground."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import uvicorn

from sandboxes.business_central.app import create_app
from sandboxes.business_central.config import SandboxConfig
from sandboxes.business_central.sandbox import Sandbox
from sandboxes.common.server import serve_in_process, serve_in_thread


@dataclass(frozen=True)
class RunningSandbox:
    """A sandbox being served: where it is, its credentials, and (in a thread of this
    process) its memory; ``sandbox`` is None when it runs in its own process."""

    base_url: str
    config: SandboxConfig
    sandbox: Sandbox | None

    @property
    def memory(self) -> Sandbox:
        if self.sandbox is None:
            raise RuntimeError("the sandbox runs in another process; use the control API")
        return self.sandbox

    @property
    def authorize_url(self) -> str:
        return f"{self.base_url}/{self.config.tenant}/oauth2/v2.0/authorize"

    @property
    def token_url(self) -> str:
        return f"{self.base_url}/{self.config.tenant}/oauth2/v2.0/token"

    def api_url(self, environment: str | None = None) -> str:
        return f"{self.base_url}/v2.0/{environment or self.config.environments[0]}/api/v2.0"

    def company_id(self, environment: str | None = None) -> str:
        companies = self._control("GET", "companies").json()
        return str(companies[environment or self.config.environments[0]][0]["id"])

    def violations(self) -> list[dict[str, Any]]:
        """Every request or answer so far that broke the schemas (none, when all is well)."""
        found: list[dict[str, Any]] = self._control("GET", "violations").json()
        return found

    def state(self, company_id: str) -> dict[str, list[dict[str, Any]]]:
        """Every record the company holds, by collection (``KeyError`` if none)."""
        answer = self._control("GET", f"state/{company_id}")
        if answer.status_code == 404:
            raise KeyError(company_id)
        found: dict[str, list[dict[str, Any]]] = answer.json()
        return found

    def _control(self, method: str, path: str) -> httpx.Response:
        return httpx.request(method, f"{self.base_url}/__sandbox__/{path}", timeout=30)


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
        label="Business Central",
        thread_name="bc-sandbox",
        log_level="critical",
    ) as base_url:
        yield RunningSandbox(base_url, config, sandbox)


@contextmanager
def run_process(
    config: SandboxConfig | None = None, *, host: str = "127.0.0.1", port: int = 0
) -> Iterator[RunningSandbox]:
    """Serve a sandbox in its own process (``python -m sandboxes.business_central``)
    until the block ends: for benchmarks, where it must not share this interpreter."""
    config = config or SandboxConfig()
    with serve_in_process(
        "sandboxes.business_central",
        config.to_json(),
        host=host,
        port=port,
        label="Business Central",
        ready_path="/__sandbox__/companies",
    ) as base_url:
        yield RunningSandbox(base_url, config, None)


def serve(config: SandboxConfig, host: str, port: int, *, log_level: str = "info") -> None:
    """Serve in the foreground (``python -m sandboxes.business_central``) until interrupted."""
    uvicorn.run(create_app(config), host=host, port=port, log_level=log_level)
