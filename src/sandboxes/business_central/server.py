"""Starting a sandbox on 127.0.0.1: in a thread of this process (tests) or in the foreground."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn

from sandboxes.business_central.app import create_app
from sandboxes.business_central.config import SandboxConfig
from sandboxes.business_central.sandbox import Sandbox
from sandboxes.common.running import ServedSandbox
from sandboxes.common.server import serve_in_process, serve_in_thread


class RunningSandbox(ServedSandbox[SandboxConfig, Sandbox]):
    """A Business Central sandbox being served (see ``ServedSandbox``), with its platform's URLs."""

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
