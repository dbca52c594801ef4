"""Starting a sandbox on 127.0.0.1: in a thread of this process (tests) or in the foreground."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import uvicorn

from sandboxes.business_central.app import create_app
from sandboxes.business_central.config import SandboxConfig
from sandboxes.business_central.sandbox import Sandbox
from sandboxes.xero.server import free_port


@dataclass(frozen=True)
class RunningSandbox:
    base_url: str
    config: SandboxConfig
    sandbox: Sandbox

    @property
    def authorize_url(self) -> str:
        return f"{self.base_url}/{self.config.tenant}/oauth2/v2.0/authorize"

    @property
    def token_url(self) -> str:
        return f"{self.base_url}/{self.config.tenant}/oauth2/v2.0/token"

    def api_url(self, environment: str | None = None) -> str:
        return f"{self.base_url}/v2.0/{environment or self.config.environments[0]}/api/v2.0"

    def company_id(self, environment: str | None = None) -> str:
        env = self.sandbox.environments[environment or self.config.environments[0]]
        return next(iter(env.companies))

    def violations(self) -> list[dict[str, Any]]:
        with self.sandbox.lock:
            return list(self.sandbox.violations)

    def state(self, company_id: str) -> dict[str, list[dict[str, Any]]]:
        company = self.sandbox.company(company_id)
        if company is None:
            raise KeyError(company_id)
        with company.lock:
            return {
                name: [dict(r) for r in table.values()] for name, table in company.tables.items()
            }


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
            create_app(config, sandbox), host=host, port=port, log_level="critical", lifespan="off"
        )
    )
    thread = threading.Thread(target=server.run, name=f"bc-sandbox-{port}", daemon=True)
    thread.start()
    base_url = f"http://{host}:{port}"
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"the Business Central sandbox did not start on {base_url}")
        time.sleep(0.02)
    try:
        yield RunningSandbox(base_url, config, sandbox)
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def run_process(config: SandboxConfig, host: str, port: int) -> None:
    """Serve in the foreground (``python -m sandboxes.business_central``) until interrupted."""
    uvicorn.run(create_app(config), host=host, port=port, log_level="info")
