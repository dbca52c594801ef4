"""Starting a sandbox on 127.0.0.1: in a thread of this process (tests) or in the foreground."""

from __future__ import annotations

import signal
import socket
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


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as probe:
        probe.bind((host, 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def run(
    config: SandboxConfig | None = None, *, host: str = "127.0.0.1", port: int = 0
) -> Iterator[RunningSandbox]:
    """Serve a sandbox with uvicorn in a background thread until the block ends.

    ``port=0`` picks a free port. Real HTTP, so a client sees what it would see from Xero.
    """
    config = config or SandboxConfig()
    sandbox = Sandbox(config)
    port = port or free_port(host)
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(config, sandbox), host=host, port=port, log_level="warning", lifespan="off"
        )
    )
    thread = threading.Thread(target=server.run, name=f"xero-sandbox-{port}", daemon=True)
    thread.start()
    base_url = f"http://{host}:{port}"
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"the Xero sandbox did not start on {base_url}")
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
    """Serve a sandbox in its own process (``python -m sandboxes.xero``) until the block
    ends: for benchmarks, where the sandbox must not share this process's interpreter."""
    config = config or SandboxConfig()
    port = port or free_port(host)
    command = [sys.executable, "-m", "sandboxes.xero", "--host", host, "--port", str(port)]
    command += ["--config-json", config.to_json(), "--quiet"]
    process = subprocess.Popen(command)
    base_url = f"http://{host}:{port}"
    deadline = time.monotonic() + 60
    try:
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"the Xero sandbox process exited with {process.returncode}")
            try:
                httpx.get(f"{base_url}/__sandbox__/tenants", timeout=1)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"the Xero sandbox did not start on {base_url}") from None
                time.sleep(0.05)
        yield RunningSandbox(base_url, config, None)
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def serve(config: SandboxConfig, host: str, port: int, *, log_level: str = "info") -> None:
    """Serve in the foreground (``python -m sandboxes.xero``) until interrupted."""
    uvicorn.run(create_app(config), host=host, port=port, log_level=log_level)
