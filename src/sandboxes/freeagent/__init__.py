"""A stateful FreeAgent simulator held to schemas built from FreeAgent's official
Postman collection (``schemas``). In tests::

    from sandboxes.freeagent import Limits, SandboxConfig, run

    with run(SandboxConfig(auto_approve=True)) as freeagent:
        freeagent.base_url      # http://127.0.0.1:<free port>
        freeagent.violations()  # [] when every request and answer kept the schemas

or ``python -m sandboxes.freeagent --port 8091``. See docs/sandboxes.md.
"""

from sandboxes.common.server import free_port
from sandboxes.freeagent.app import create_app
from sandboxes.freeagent.config import Limits, SandboxConfig
from sandboxes.freeagent.sandbox import Sandbox
from sandboxes.freeagent.server import RunningSandbox, run

__all__ = ["Limits", "RunningSandbox", "Sandbox", "SandboxConfig", "create_app", "free_port", "run"]
