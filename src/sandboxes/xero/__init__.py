"""A stateful Xero simulator held to Xero's published OpenAPI files.

Start one in tests::

    from sandboxes.xero import Limits, SandboxConfig, run

    with run(SandboxConfig(limits=Limits.real())) as xero:
        xero.base_url      # http://127.0.0.1:<free port>
        xero.violations()  # [] when every request and answer kept Xero's spec

``run_process(config)`` serves it in its own process instead (benchmarks); from a shell:
``python -m sandboxes.xero --port 8090``. See docs/sandboxes.md.
"""

from sandboxes.common.server import free_port
from sandboxes.xero.app import create_app
from sandboxes.xero.config import Limits, SandboxConfig
from sandboxes.xero.sandbox import Sandbox
from sandboxes.xero.server import RunningSandbox, run, run_process

__all__ = [
    "Limits",
    "RunningSandbox",
    "Sandbox",
    "SandboxConfig",
    "create_app",
    "free_port",
    "run",
    "run_process",
]
