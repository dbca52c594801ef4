"""Starting a sandbox on 127.0.0.1: in a thread of this process (tests), in a process of
its own (benchmarks) or in the foreground (``python -m sandboxes.quickbooks``)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sandboxes.common.running import ServedSandbox
from sandboxes.common.server import serve_in_process, serve_in_thread
from sandboxes.quickbooks.app import create_app
from sandboxes.quickbooks.config import SandboxConfig
from sandboxes.quickbooks.sandbox import Sandbox


class RunningSandbox(ServedSandbox[SandboxConfig, Sandbox]):
    """A QuickBooks sandbox being served (see ``ServedSandbox``), with its platform's URLs."""

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
