"""Starting a sandbox on 127.0.0.1: in a thread of this process (tests), in a process of
its own (benchmarks) or in the foreground (``python -m sandboxes.quickbooks``)."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import uvicorn

from sandboxes.quickbooks.app import create_app
from sandboxes.quickbooks.config import SandboxConfig
from sandboxes.quickbooks.sandbox import Sandbox
from sandboxes.xero.server import free_port


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
    port = port or free_port(host)
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(config, sandbox), host=host, port=port, log_level="warning", lifespan="off"
        )
    )
    thread = threading.Thread(target=server.run, name=f"qbo-sandbox-{port}", daemon=True)
    thread.start()
    base_url = f"http://{host}:{port}"
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"the QuickBooks sandbox did not start on {base_url}")
        time.sleep(0.02)
    try:
        yield RunningSandbox(base_url, config, sandbox)
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@contextmanager
def run_process(
    config: SandboxConfig | None = None, *, host: str = "127.0.0.1", port: int = 0
) -> Iterator[RunningSandbox]:
    """Serve a sandbox in its own process (``python -m sandboxes.quickbooks``)."""
    config = config or SandboxConfig()
    port = port or free_port(host)
    command = [sys.executable, "-m", "sandboxes.quickbooks", "--host", host, "--port", str(port)]
    command += ["--config-json", config.to_json(), "--quiet"]
    process = subprocess.Popen(command)
    base_url = f"http://{host}:{port}"
    deadline = time.monotonic() + 60
    try:
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"the QuickBooks sandbox exited with {process.returncode}")
            try:
                httpx.get(f"{base_url}/__sandbox__/companies", timeout=1)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise RuntimeError(
                        f"the QuickBooks sandbox did not start on {base_url}"
                    ) from None
                time.sleep(0.05)
        yield RunningSandbox(base_url, config, None)
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
