"""A stateful Business Central (API v2.0) simulator held to schemas built from
Microsoft's v2.0 resource pages (``schemagen`` → ``entities.json`` → ``schemas``).

    from sandboxes.business_central import Limits, SandboxConfig, run

    with run(SandboxConfig(limits=Limits.real())) as bc:
        bc.api_url()       # http://127.0.0.1:<port>/v2.0/production/api/v2.0
        bc.violations()    # [] when every request and answer kept the schemas

or ``python -m sandboxes.business_central --port 8091``. See docs/sandboxes.md.
"""

from sandboxes.business_central.app import create_app
from sandboxes.business_central.config import Limits, SandboxConfig
from sandboxes.business_central.sandbox import Sandbox
from sandboxes.business_central.server import RunningSandbox, run, run_process, serve

__all__ = [
    "Limits",
    "RunningSandbox",
    "Sandbox",
    "SandboxConfig",
    "create_app",
    "run",
    "run_process",
    "serve",
]
