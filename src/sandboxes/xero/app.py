"""The sandbox as one ASGI app: identity, Accounting API and control API on one base URL.

Layout (each a path under the one base URL, as each is a host on real Xero):

- ``/identity/connect/authorize``  consent page  (login.xero.com)
- ``/connect/token``, ``/connect/revocation``  (identity.xero.com)
- ``/connections``  (api.xero.com)
- ``/api.xro/2.0/...``  Accounting API  (api.xero.com)
- ``/__sandbox__/...``  control API (the sandbox's own)
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.routing import Route
from starlette.types import ASGIApp

from sandboxes.xero import accounting, attachments, control, identity_routes, settings, spec
from sandboxes.xero.config import SandboxConfig
from sandboxes.xero.gate import Gate
from sandboxes.xero.sandbox import Sandbox
from sandboxes.xero.seeds import SEEDS

ANY_METHOD = ["GET", "PUT", "POST", "DELETE", "PATCH"]


def create_app(config: SandboxConfig | None = None, sandbox: Sandbox | None = None) -> ASGIApp:
    """The sandbox's ASGI app. ``sandbox`` lets a caller keep a handle on its memory."""
    config = config or SandboxConfig()
    if config.seed not in SEEDS:
        raise ValueError(f"unknown seed {config.seed!r}; choose one of {sorted(SEEDS)}")
    sandbox = sandbox or Sandbox(config)
    # Parse the specs now, not on the first request (about a second for Xero's file).
    spec.accounting_api()
    spec.identity_api()
    routes = [
        Route("/identity/connect/authorize", identity_routes.authorize, methods=["GET", "POST"]),
        Route("/connect/token", identity_routes.token, methods=["POST"]),
        Route("/connect/revocation", identity_routes.revocation, methods=["POST"]),
        Route("/connections", identity_routes.connections, methods=["GET"]),
        Route("/connections/{id}", identity_routes.connections, methods=["DELETE"]),
        *settings.routes(),
        *attachments.routes(),
        *accounting.routes(),
        *control.routes(),
        Route(f"{accounting.PREFIX}/{{rest:path}}", accounting.not_served, methods=ANY_METHOD),
    ]
    app = Starlette(routes=routes)
    app.state.sandbox = sandbox
    gated = Gate(app, sandbox)
    return gated
