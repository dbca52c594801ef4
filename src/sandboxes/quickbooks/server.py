"""Starting a sandbox on 127.0.0.1: in a thread of this process (tests), in a process of
its own (benchmarks) or in the foreground (``python -m sandboxes.quickbooks``)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx

from sandboxes.common.server import serve_in_process, serve_in_thread
from sandboxes.quickbooks.app import create_app
from sandboxes.quickbooks.config import SandboxConfig
from sandboxes.quickbooks.sandbox import Sandbox


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
        return f"{self.base_url}/connect/oauth2"

    @property
    def token_url(self) -> str:
        return f"{self.base_url}/oauth2/v1/tokens/bearer"

    @property
    def revoke_url(self) -> str:
        return f"{self.base_url}/v2/oauth2/tokens/revoke"

    @property
    def api_url(self) -> str:
        """QuickBooks' ``https://quickbooks.api.intuit.com``: add ``/v3/company/{realmId}``."""
        return self.base_url

    def company_url(self, realm_id: str) -> str:
        return f"{self.base_url}/v3/company/{realm_id}"

    def companies(self) -> list[dict[str, str]]:
        """``realmId``, ``companyName``, ``country``, ``homeCurrency`` of every company."""
        found: list[dict[str, str]] = self._control("GET", "companies").json()
        return found

    def realm(self, country: str) -> str:
        """The realm id of the seeded company of ``country`` (``US`` or ``GB``)."""
        return next(c["realmId"] for c in self.companies() if c["country"] == country)

    def violations(self) -> list[dict[str, Any]]:
        """Every request or answer so far that broke Intuit's XSDs (none, when all is well)."""
        found: list[dict[str, Any]] = self._control("GET", "violations").json()
        return found

    def state(self, realm_id: str) -> dict[str, Any]:
        """Everything ``realm_id`` holds (``KeyError`` if there is no such company)."""
        answer = self._control("GET", f"state/{realm_id}", check=False)
        if answer.status_code == 404:
            raise KeyError(realm_id)
        answer.raise_for_status()
        found: dict[str, Any] = answer.json()
        return found

    def control(self, method: str, path: str, json: Any = None) -> httpx.Response:
        """A call of the control API (``path`` under ``/__sandbox__/``), checked."""
        return self._control(method, path, json=json)

    def _control(
        self, method: str, path: str, *, check: bool = True, json: Any = None
    ) -> httpx.Response:
        answer = httpx.request(method, f"{self.base_url}/__sandbox__/{path}", json=json, timeout=30)
        if check:
            answer.raise_for_status()
        return answer


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
        label="QuickBooks",
        thread_name="qbo-sandbox",
        log_level="warning",
    ) as base_url:
        yield RunningSandbox(base_url, config, sandbox)


@contextmanager
def run_process(
    config: SandboxConfig | None = None, *, host: str = "127.0.0.1", port: int = 0
) -> Iterator[RunningSandbox]:
    """Serve a sandbox in its own process (``python -m sandboxes.quickbooks``)."""
    config = config or SandboxConfig()
    with serve_in_process(
        "sandboxes.quickbooks",
        config.to_json(),
        host=host,
        port=port,
        label="QuickBooks",
        ready_path="/__sandbox__/companies",
    ) as base_url:
        yield RunningSandbox(base_url, config, None)
