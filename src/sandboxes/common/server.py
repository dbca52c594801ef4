"""Serving a sandbox's app on 127.0.0.1: in a thread of this process (tests) or in a
process of its own (benchmarks). Each sandbox's ``server`` module wraps these with its
own app, config and ``RunningSandbox``; the starting and stopping is the same for all."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import uvicorn


def free_port(host: str = "127.0.0.1") -> int:
    """A port nobody listens on now (the OS picks it), for a server started right after."""
    with socket.socket() as probe:
        probe.bind((host, 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def serve_in_thread(
    app: Any, *, host: str, port: int, label: str, thread_name: str, log_level: str = "warning"
) -> Iterator[str]:
    """Serve ``app`` with uvicorn in a background thread until the block ends; yields the
    base URL. ``port=0`` picks a free port; ``label`` names the sandbox in errors."""
    port = port or free_port(host)
    server = uvicorn.Server(
        uvicorn.Config(app, host=host, port=port, log_level=log_level, lifespan="off")
    )
    thread = threading.Thread(target=server.run, name=f"{thread_name}-{port}", daemon=True)
    thread.start()
    base_url = f"http://{host}:{port}"
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"the {label} sandbox did not start on {base_url}")
        time.sleep(0.02)
    try:
        yield base_url
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@contextmanager
def serve_in_process(
    module: str, config_json: str, *, host: str, port: int, label: str, ready_path: str
) -> Iterator[str]:
    """Serve ``python -m <module>`` in its own process until the block ends (so it does
    not share this interpreter); yields the base URL once ``ready_path`` answers.
    SIGINT stops it (uvicorn's clean shutdown), a kill after 10 s if it hangs."""
    port = port or free_port(host)
    command = [sys.executable, "-m", module, "--host", host, "--port", str(port)]
    command += ["--config-json", config_json, "--quiet"]
    process = subprocess.Popen(command)
    base_url = f"http://{host}:{port}"
    deadline = time.monotonic() + 60
    try:
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"the {label} sandbox process exited with {process.returncode}")
            try:
                httpx.get(f"{base_url}{ready_path}", timeout=1)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"the {label} sandbox did not start on {base_url}") from None
                time.sleep(0.05)
        yield base_url
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
