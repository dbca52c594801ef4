"""A stateful QuickBooks Online simulator held to Intuit's XSDs.

Start one in tests::

    from sandboxes.quickbooks import Limits, SandboxConfig, run

    with run(SandboxConfig(limits=Limits.real())) as qbo:
        qbo.base_url          # http://127.0.0.1:<free port>
        qbo.realm("US")       # the seeded US company's realm id ("GB": the UK one)
        qbo.violations()      # [] when every request and answer kept Intuit's XSDs

``run_process(config)`` serves it in its own process instead (benchmarks); from a shell:
``python -m sandboxes.quickbooks --port 8091``. See docs/sandboxes.md.
"""

from sandboxes.common.server import free_port
from sandboxes.quickbooks.app import create_app
from sandboxes.quickbooks.config import Limits, SandboxConfig
from sandboxes.quickbooks.sandbox import Sandbox
from sandboxes.quickbooks.server import RunningSandbox, run, run_process

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
