"""The sandbox as one ASGI app: OAuth, Accounting API and control API on one base URL.

Layout (each a path under the one base URL, as each is a host at Intuit):

- ``/connect/oauth2``  consent page  (appcenter.intuit.com)
- ``/oauth2/v1/tokens/bearer``  token endpoint  (oauth.platform.intuit.com)
- ``/v2/oauth2/tokens/revoke``  revocation  (developer.api.intuit.com)
- ``/v3/company/{realmId}/...``  Accounting API  (quickbooks.api.intuit.com)
- ``/__sandbox__/...``  control API (the sandbox's own)
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.routing import Route
from starlette.types import ASGIApp

from sandboxes.quickbooks import api, attachments, batch, control, identity_routes, schema
from sandboxes.quickbooks.config import SandboxConfig
from sandboxes.quickbooks.gate import Gate
from sandboxes.quickbooks.sandbox import Sandbox

ANY_METHOD = ["GET", "PUT", "POST", "DELETE", "PATCH"]


def create_app(config: SandboxConfig | None = None, sandbox: Sandbox | None = None) -> ASGIApp:
    """The sandbox's ASGI app. ``sandbox`` lets a caller keep a handle on its memory."""
    config = config or SandboxConfig()
    sandbox = sandbox or Sandbox(config)
    schema.schema()  # parse Intuit's XSDs now, not on the first request
    routes = [
        *identity_routes.routes(),
        *batch.routes(),
        *attachments.routes(),
        Route(f"{api.PREFIX}/{{realm_id}}/preferences", api.preferences_read, methods=["GET"]),
        *api.routes(),
        *control.routes(),
        Route(f"{api.PREFIX}/{{rest:path}}", api.not_served, methods=ANY_METHOD),
    ]
    app = Starlette(routes=routes)
    app.state.sandbox = sandbox
    return Gate(app, sandbox)
